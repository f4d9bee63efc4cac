// Internal to config/: the configuration schema, each section described once as data. A key has its
// name, type, the kinds it applies to, one line of documentation and how print_config writes it;
// the loader takes its known-key lists and wrong-kind checks from here, print_config walks it, and
// `budgetwatch config-reference` renders it as docs/config-reference.md (defaults read from
// default-constructed structs, so they are the ones in config/defaults.h and the struct
// initialisers, never restated).
#pragma once

#include <algorithm>
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "config/config.h"
#include "config/walk.h"

namespace bw::config::detail {

/// One key of a section. A secret key stands for three: `<name>` (inline), `<name>_file`,
/// `<name>_env`.
template <class T>
struct Key {
  using Printer = std::function<void(YAML::Emitter&, const T&)>;
  using SecretOf = std::function<const Secret&(const T&)>;

  std::string_view name;
  std::string_view type;  ///< "duration", "size", "percent", "list of strings", …
  std::string_view doc;   ///< one line for the reference
  /// Writes the value (after the key). For a secret key: null, or how an inline value prints
  /// instead of the placeholder (a receiver's URL, its query masked).
  Printer print;
  std::vector<std::string_view> kinds;  ///< the kinds it applies to; empty: every kind
  std::string_view required;  ///< non-empty: required, and how ("required", "required unless …")
  std::string_view section;   ///< a nested section's path ("server"): documented there
  SecretOf secret;            ///< set for secret keys
  std::function<bool(const T&)>
      printed;  ///< print_config writes it only when this holds; null: always

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

  /// Every key the section accepts (secret keys expanded), for Map's unknown-key check. Filled once
  /// by seal(), when the section is built (a function-local static: thread-safe).
  const std::vector<std::string_view>& known() const { return known_; }

  Section seal() && {
    for (const Key<T>& k : keys) {
      known_.push_back(k.name);
      if (k.secret) {
        known_.push_back(names_.emplace_back(std::string(k.name) + "_file"));
        known_.push_back(names_.emplace_back(std::string(k.name) + "_env"));
      }
    }
    return std::move(*this);
  }

  const Key<T>* find(std::string_view written) const {
    for (const Key<T>& k : keys) {
      if (written == k.name) return &k;
      if (k.secret && written.size() > k.name.size() &&
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
    if (k.secret) {
      const Secret& secret = k.secret(value);
      const bool inline_value = secret.origin.empty() || secret.origin == "inline";
      if (!(inline_value && k.print)) {
        emit_secret(out, k.name, secret);
        continue;
      }
    }
    out << YAML::Key << std::string(k.name) << YAML::Value;
    k.print(out, value);
  }
  out << YAML::EndMap;
}

/// A list of sections; `[]` when empty.
template <class T>
void emit_list(YAML::Emitter& out, const Section<T>& s, const std::vector<T>& values) {
  if (values.empty()) out << YAML::Flow;
  out << YAML::BeginSeq;
  for (const T& v : values) emit(out, s, v);
  out << YAML::EndSeq;
}

// The sections, in the order of the reference.
const Section<Config>& config_section();
const Section<ServerConfig>& server_section();
const Section<EvaluationConfig>& evaluation_section();
const Section<engine::Policy>& fiscal_year_section();
const Section<engine::Policy>& departments_section();
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
