// Internal to config/: the configuration schema, each section described once as data. A key has its
// name, type, the kinds it applies to, one line of documentation, how print_config writes it and
// how the loader reads it (read() below walks a section's rows: unknown keys, wrong kinds, required
// keys, each value, then the section's checks across keys), print_config walks it, and
// `budgetwatch config-reference` renders it as docs/config-reference.md (defaults read from
// default-constructed structs, so they are the ones in config/defaults.h and the struct
// initialisers, never restated).
#pragma once

#include <algorithm>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "config/config.h"
#include "config/walk.h"

namespace bw::config::detail {

/// What parsing needs besides the YAML: the config file's folder (relative paths resolve against
/// it) and the reading of secrets (config/load.cpp).
class Reader {
 public:
  explicit Reader(std::filesystem::path base) : base_(std::move(base)) {}
  /// A non-empty path, relative to the config file's folder.
  std::filesystem::path path(const Field& f) const;
  /// One of `<stem>` (inline), `<stem>_file`, `<stem>_env`; nullopt when none is given.
  std::optional<Secret> secret(const Map& m, const std::string& stem) const;

 private:
  std::filesystem::path base_;
};

/// How a key's value goes between YAML and the struct: `print` writes it (after the key), `parse`
/// reads a given key into the struct (a key left out keeps the struct's default).
template <class T>
struct Value {
  using Printer = std::function<void(YAML::Emitter&, const T&)>;
  using Parser = std::function<void(const Field&, T&, const Reader&)>;
  Printer print;
  Parser parse;

  Value() = default;
  Value(std::nullptr_t) {}  // NOLINT(google-explicit-constructor): a secret's row
  template <class P>
  requires std::is_invocable_v<P&, YAML::Emitter&, const T&> Value(P p)
      : print(std::move(p)) {}  // NOLINT(google-explicit-constructor): a printer alone
  Value(Printer p, Parser r) : print(std::move(p)), parse(std::move(r)) {}
};

/// One key of a section. A secret key stands for three: `<name>` (inline), `<name>_file`,
/// `<name>_env`.
template <class T>
struct Key {
  using Printer = typename Value<T>::Printer;
  using Parser = typename Value<T>::Parser;

  std::string_view name;
  std::string_view type;  ///< "duration", "size", "percent", "list of strings", …
  std::string_view doc;   ///< one line for the reference
  /// Prints and parses the value. For a secret key: how an inline value prints instead of the
  /// placeholder (a receiver's URL, its query masked), or null.
  Value<T> value;
  std::vector<std::string_view> kinds;  ///< the kinds it applies to; empty: every kind
  std::string_view required;  ///< non-empty: required, and how ("required", "required unless …")
  std::string_view section;   ///< a nested section's path ("server"): documented there
  Secret T::*secret = nullptr;  ///< set for secret keys: read into this member
  std::function<bool(const T&)>
      printed;        ///< print_config writes it only when this holds; null: always
  bool late = false;  ///< parsed after the section's other keys (routes name receivers)

  Key only(std::vector<std::string_view> k) && {
    kinds = std::move(k);
    return std::move(*this);
  }
  Key needs(std::string_view how = "required") && {
    required = how;
    return std::move(*this);
  }
  Key nested(std::string_view path) && {
    section = path;
    return std::move(*this);
  }
  Key when(std::function<bool(const T&)> p) && {
    printed = std::move(p);
    return std::move(*this);
  }
  /// Parses with `p` (rows whose printer is a lambda of their own).
  Key reads(Parser p) && {
    value.parse = std::move(p);
    return std::move(*this);
  }
  Key after_the_others() && {
    late = true;
    return std::move(*this);
  }
};

/// A section: a map, or each element of a list of maps (path ends in "[]").
template <class T>
struct Section {
  std::string_view path;  ///< "server", "sources[]", "alerts.receivers[]"
  std::string_view doc;
  /// For sections with kinds: the kind of an element, the kinds there are, and the noun of the
  /// wrong-kind message ("does not apply to receivers of kind email"); empty noun: "only for
  /// kind(s) …" (sources).
  std::function<std::string(const T&)> kind_of;
  std::vector<std::string_view> all_kinds;
  std::string_view noun;
  std::vector<Key<T>> keys;
  /// Checks across keys once they are read (both TLS files, low_band below threshold, …); null:
  /// none.
  std::function<void(const Map&, T&, const Reader&)> finish;

  /// Every key the section accepts (secret keys expanded), for Map's unknown-key check. Filled once
  /// by seal(), when the section is built (a function-local static: thread-safe).
  const std::vector<std::string_view>& known() const { return known_; }

  Section seal() && {
    for (const Key<T>& k : keys) {
      known_.push_back(k.name);
      if (k.secret != nullptr) {
        known_.push_back(names_.emplace_back(std::string(k.name) + "_file"));
        known_.push_back(names_.emplace_back(std::string(k.name) + "_env"));
      }
    }
    return std::move(*this);
  }

  const Key<T>* find(std::string_view written) const {
    for (const Key<T>& k : keys) {
      if (written == k.name) return &k;
      if (k.secret != nullptr && written.size() > k.name.size() &&
          written.substr(0, k.name.size()) == k.name &&
          (written.substr(k.name.size()) == "_file" || written.substr(k.name.size()) == "_env"))
        return &k;
    }
    return nullptr;
  }

  static bool applies(const Key<T>& k, std::string_view kind) {
    return k.kinds.empty() || std::find(k.kinds.begin(), k.kinds.end(), kind) != k.kinds.end();
  }

  /// Refuses a key written for a kind it does not apply to, at the key: "only for kind http"
  /// (sources) or "does not apply to receivers of kind email".
  void check_kinds(const Map& m, const std::string& kind) const {
    for (const Field& f : m.fields()) {
      const Key<T>* k = find(f.key->Scalar());
      if (k == nullptr || applies(*k, kind)) continue;
      invalid(f.key_mark(), f.path,
              noun.empty() ? (k->kinds.size() == 1 ? "only for kind " : "only for kinds ") +
                                 join_words(k->kinds)
                           : "does not apply to " + std::string(noun) + " of kind " + kind);
    }
  }

  // Filled by seal(); public only so that Section stays an aggregate.
  std::deque<std::string> names_;  // the expanded secret names known_ points into (stable on move)
  std::vector<std::string_view> known_;
};

/// Writes a secret as where it comes from (`token_file: PATH`, `token_env: VAR`) so that the output
/// loads again; an inline secret prints as the placeholder `<secret inline>`, which the loader
/// refuses: the one value print_config does not round-trip.
void emit_secret(YAML::Emitter& out, std::string_view stem, const Secret& s);

/// Writes `value` as a map of the section's keys that apply to its kind.
template <class T>
void emit(YAML::Emitter& out, const Section<T>& s, const T& value) {
  const std::string kind = s.kind_of ? s.kind_of(value) : std::string();
  out << YAML::BeginMap;
  for (const Key<T>& k : s.keys) {
    if (s.kind_of && !s.applies(k, kind)) continue;
    if (k.printed && !k.printed(value)) continue;
    if (k.secret != nullptr) {
      const Secret& secret = value.*k.secret;
      const bool inline_value = secret.origin.empty() || secret.origin == "inline";
      if (!(inline_value && k.value.print)) {
        emit_secret(out, k.name, secret);
        continue;
      }
    }
    out << YAML::Key << std::string(k.name) << YAML::Value;
    k.value.print(out, value);
  }
  out << YAML::EndMap;
}

/// Reads `f` (a map of the section's keys; unknown keys are errors) into `out`: each key given is
/// parsed by its row, in the order of the rows (late ones last); the kind first refuses keys of
/// other kinds; a key required (for the kind) and missing is an error at the map; then `finish`.
template <class T>
void read(const Field& f, const Section<T>& s, T& out, const Reader& r) {
  const Map m(f, s.known());
  for (const bool late : {false, true}) {
    for (const Key<T>& k : s.keys) {
      if (k.late != late) continue;
      if (s.kind_of && !s.applies(k, s.kind_of(out))) continue;
      if (k.secret != nullptr) {
        if (auto secret = r.secret(m, std::string(k.name))) out.*k.secret = std::move(*secret);
      } else if (auto given = m.get(k.name)) {
        if (k.value.parse) k.value.parse(*given, out, r);
      } else if (k.required == "required") {
        m.require(k.name);  // throws "path.key: required"
      }
      if (s.kind_of && k.name == "kind") s.check_kinds(m, s.kind_of(out));
    }
  }
  if (s.finish) s.finish(m, out, r);
}

/// A list of sections; `[]` when empty.
template <class T>
void emit_list(YAML::Emitter& out, const Section<T>& s, const std::vector<T>& values) {
  if (values.empty()) out << YAML::Flow;
  out << YAML::BeginSeq;
  for (const T& v : values) emit(out, s, v);
  out << YAML::EndSeq;
}

// ---- values that need more than one grammar, and checks across keys (config/load.cpp) ----

/// policy.balance_checkpoints: months 1-12, none twice.
std::vector<unsigned> checkpoint_months(const Field& f);
/// policy.curve: a kind, or a map with its parameters.
engine::Curve default_curve(const Field& f);
/// policy.curves: per unit or line.
void curve_overrides(const Field& f, engine::Policy& p);
/// An http source's URL: http(s), a host, no credentials.
std::string http_source_url(const Field& f);
/// sources[].auth: a bearer token, or username with password (they exclude each other).
HttpAuth read_auth(const Field& f, const Reader& r);
/// backoff_max at least backoff_initial (sources, alerts).
void backoff_order(const Map& m, std::chrono::milliseconds initial, std::chrono::milliseconds max);
/// The lease is held locally until 1 s before it expires: a ttl below two renewals and that second
/// lapses it between renewals.
void lease_timing(const Map& m, std::chrono::milliseconds ttl, std::chrono::milliseconds renew);
/// "20:00-08:00" → minutes after midnight.
std::pair<int, int> time_range(const Field& f);
/// "09-30" → {9, 30}.
std::pair<unsigned, unsigned> month_day(const Field& f);
/// An amount in yuan, in fen.
std::int64_t yuan_fen(const Field& f);
/// A label matcher (config/matcher.h).
MatcherConfig matcher(const Field& f);
/// columns: field key → extra header names.
std::map<std::string, std::vector<std::string>> header_names(const Field& f);
/// A receiver once read: email needs recipients, the others an http(s) URL.
void finish_receiver(const Map& m, ReceiverConfig& r, const Reader& reader);
/// A route's receivers and mute_time_intervals name ones that exist.
void check_route_names(const Field& item, const AlertsConfig& a);
// Each list element once read, against the ones before it (unique names, one upload source).
void distinct_source(const Field& item, const std::vector<SourceConfig>& before,
                     const SourceConfig& s);
void distinct_token(const Field& item, const std::vector<TokenConfig>& before,
                    const TokenConfig& t);
void distinct_rule(const Field& item, const std::vector<RuleConfig>& before, const RuleConfig& r);
void distinct_receiver(const Field& item, const std::vector<ReceiverConfig>& before,
                       const ReceiverConfig& r);

// The sections, in the order of the reference.
const Section<Config>& config_section();
const Section<ServerConfig>& server_section();
const Section<EvaluationConfig>& evaluation_section();
const Section<engine::Policy>& fiscal_year_section();
const Section<engine::Policy>& departments_section();
const Section<engine::Policy>& department_section();
const Section<engine::Policy>& policy_section();
const Section<engine::Policy>& scores_section();
const Section<MetricsConfig>& metrics_section();
const Section<IngestConfig>& ingest_section();
const Section<SourceConfig>& source_section();
const Section<HttpAuth>& auth_section();
const Section<TokenConfig>& token_section();
const Section<LoggingConfig>& logging_section();
const Section<AlertsConfig>& alerts_section();
const Section<TimeIntervalConfig>& time_interval_section();
const Section<ReceiverConfig>& receiver_section();
const Section<RuleConfig>& rule_section();
const Section<RouteConfig>& route_section();

}  // namespace bw::config::detail
