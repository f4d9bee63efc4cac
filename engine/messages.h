// The message catalogue (issue 17): every user-facing word or sentence that is chosen by a code — a
// band, an expected-progress curve, a line kind, an indicator status and its reason, a rule kind, a
// severity — has one entry here with its zh-CN and English text. Reports, alert messages and the
// API texts shown to officials take their words from it; codes stay in JSON fields, labels and logs
// (a contract, and logs are English).
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "engine/execution.h"
#include "engine/indicators.h"
#include "engine/model.h"

namespace bw::engine {

/// Language of the user-facing text: zh-CN by default, English by option (`--lang en`, `language:
/// en`).
enum class Lang { zh, en };

/// "en", "en-US", "en_GB", … → en; anything else (zh-CN, zh, empty) → zh, the default.
Lang lang_of(std::string_view tag);

/// One entry: a message id ("band.on_track", "indicator.reason.of_target") and its texts. Texts may
/// hold {placeholders}, filled by format_message.
struct Message {
  std::string_view id;
  std::string_view zh;
  std::string_view en;
};

/// The whole catalogue, sorted by id (checked by a test, with a zh-CN and an English text for every
/// entry).
std::span<const Message> message_catalogue();

/// The text of an id in a language; the id itself when the catalogue has no such entry (a test
/// enumerates the codes so that this never shows).
std::string_view message(std::string_view id, Lang l);

/// message() with "{name}" replaced by args[name]; unknown placeholders stay as written.
std::string format_message(std::string_view id, Lang l,
                           const std::map<std::string, std::string>& args);

/// A catalogue message whose English text matches a reason produced in English (a rejected row's
/// "'2021-13-05' is not a date (month 13)"): its id ("reject.date_month") and values ({"value":
/// "2021-13-05", "month": "13"}).
struct MatchedMessage {
  std::string_view id;
  std::map<std::string, std::string> args;
};
/// The first message among the ids starting with `prefix` whose English text matches the whole of
/// `english`.
std::optional<MatchedMessage> match_message(std::string_view prefix, std::string_view english);
/// `english` said in a language: the matched message's text, else `english` as it is (a reason the
/// catalogue does not know yet stays English rather than being lost).
std::string translate(std::string_view prefix, std::string_view english, Lang l);

/// The ids of the coded values: "band." + to_string(b), "curve.", "line_kind.",
/// "indicator_status.".
std::string message_id(Band b);
std::string message_id(CurveKind k);
std::string message_id(LineKind k);
std::string message_id(IndicatorStatus s);

/// The words of a coded value: text(Band::below_50, Lang::zh) == "严重偏低"; the code itself
/// (to_string) when the catalogue lacks it (a test makes sure it does not). Views into static
/// storage.
std::string_view text(Band b, Lang l);
std::string_view text(CurveKind k, Lang l);
std::string_view text(LineKind k, Lang l);
std::string_view text(IndicatorStatus s, Lang l);

/// The reason of an indicator's status in a language (IndicatorEval::reason is the English one).
std::string reason_text(const IndicatorEval& e, Lang l);

}  // namespace bw::engine
