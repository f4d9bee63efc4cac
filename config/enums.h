// The closed sets of words the configuration chooses from (source kinds, encodings, receiver and
// rule kinds, severities, SMTP TLS modes, per-project series) as enums, each with one table of its
// names: the loader parses a value once (config/schema.cpp's choice), check-config prints it back
// with to_string, the reference lists the names, and alerts/ and collectors/ switch on the enum.
#pragma once

#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace bw::config {

/// How a source's files arrive (collectors/registry.h builds one per kind; upload: the web API).
enum class SourceKind { drop_folder, files, http, upload };
/// The encoding a source's files are read in; auto_detect: UTF-8 or GB18030, decided per file.
enum class SourceEncoding { auto_detect, utf8, gb18030 };
/// Where an alert receiver's messages go.
enum class ReceiverKind { email, webhook, alertmanager, wecom, dingtalk, feishu };
/// The condition an alert rule watches (alerts/rules.cpp).
enum class RuleKind {
  below_threshold,
  pace_below,
  no_spending,
  deadline_near,
  overspend,
  stale_source,
  indicator_overdue,
  indicator_behind,
  budget_revised,
  ingest_failed
};
/// An alert's severity (also alerts::Severity).
enum class Severity { info, warning, critical };
/// An email receiver's transport security: none, STARTTLS, or TLS from the first byte (port 465).
enum class SmtpTls { none, starttls, tls };
/// Which per-project series /metrics carries (DESIGN §7); unit and department series always stay.
enum class ProjectSeries { all, below_threshold, none };

/// The names of an enum's values, in the order the reference and the messages list them.
template <class E>
struct EnumNames;

template <class E>
concept NamedEnum = requires {
  EnumNames<E>::table;
};

template <>
struct EnumNames<SourceKind> {
  static constexpr std::pair<SourceKind, std::string_view> table[] = {
      {SourceKind::drop_folder, "drop_folder"},
      {SourceKind::files, "files"},
      {SourceKind::http, "http"},
      {SourceKind::upload, "upload"}};
};

template <>
struct EnumNames<SourceEncoding> {
  static constexpr std::pair<SourceEncoding, std::string_view> table[] = {
      {SourceEncoding::auto_detect, "auto"},
      {SourceEncoding::utf8, "utf-8"},
      {SourceEncoding::gb18030, "gb18030"}};
};

template <>
struct EnumNames<ReceiverKind> {
  static constexpr std::pair<ReceiverKind, std::string_view> table[] = {
      {ReceiverKind::email, "email"},
      {ReceiverKind::webhook, "webhook"},
      {ReceiverKind::alertmanager, "alertmanager"},
      {ReceiverKind::wecom, "wecom"},
      {ReceiverKind::dingtalk, "dingtalk"},
      {ReceiverKind::feishu, "feishu"}};
};

template <>
struct EnumNames<RuleKind> {
  static constexpr std::pair<RuleKind, std::string_view> table[] = {
      {RuleKind::below_threshold, "below_threshold"},
      {RuleKind::pace_below, "pace_below"},
      {RuleKind::no_spending, "no_spending"},
      {RuleKind::deadline_near, "deadline_near"},
      {RuleKind::overspend, "overspend"},
      {RuleKind::stale_source, "stale_source"},
      {RuleKind::indicator_overdue, "indicator_overdue"},
      {RuleKind::indicator_behind, "indicator_behind"},
      {RuleKind::budget_revised, "budget_revised"},
      {RuleKind::ingest_failed, "ingest_failed"}};
};

template <>
struct EnumNames<Severity> {
  static constexpr std::pair<Severity, std::string_view> table[] = {
      {Severity::info, "info"}, {Severity::warning, "warning"}, {Severity::critical, "critical"}};
};

template <>
struct EnumNames<SmtpTls> {
  static constexpr std::pair<SmtpTls, std::string_view> table[] = {
      {SmtpTls::none, "none"}, {SmtpTls::starttls, "starttls"}, {SmtpTls::tls, "tls"}};
};

template <>
struct EnumNames<ProjectSeries> {
  static constexpr std::pair<ProjectSeries, std::string_view> table[] = {
      {ProjectSeries::all, "all"},
      {ProjectSeries::below_threshold, "below_threshold"},
      {ProjectSeries::none, "none"}};
};

/// The value's name ("drop_folder", "utf-8", "critical"); what the loader reads back.
template <NamedEnum E>
constexpr std::string_view to_string(E e) {
  for (const auto& [value, name] : EnumNames<E>::table) {
    if (value == e) return name;
  }
  return {};
}

/// The value of an exact name; nullopt for any other text.
template <NamedEnum E>
constexpr std::optional<E> from_string(std::string_view s) {
  for (const auto& [value, name] : EnumNames<E>::table) {
    if (name == s) return value;
  }
  return std::nullopt;
}

/// Every name, in table order (the loader's choices, the reference's kinds).
template <NamedEnum E>
std::vector<std::string_view> names() {
  std::vector<std::string_view> out;
  for (const auto& row : EnumNames<E>::table) out.push_back(row.second);
  return out;
}

/// A configured encoding, ASCII case-insensitively: "auto"; "utf-8" or "utf8"; "gb18030", "gbk" or
/// "gb2312" (GBK and GB2312 are subsets of GB18030). nullopt for anything else. The one parser of
/// the config loader, the upload API's ?encoding= and the CLI's --encoding.
std::optional<SourceEncoding> parse_encoding(std::string_view s);

}  // namespace bw::config
