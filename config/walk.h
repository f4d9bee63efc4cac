// Internal to config/: the YAML walk (Field, Map), the value grammars (durations, sizes,
// percentages) and the text helpers shared by the loader (load*.cpp), the printer (print.cpp) and
// the schema (schema.cpp). Not part of bw::config's interface: nothing outside config/ includes it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "config/config.h"
#include "engine/result.h"

namespace bw::config::detail {

/// A config error on its way out: the walk throws it, load_config_text catches it and returns the
/// Result (nothing escapes config/, STYLE §4).
struct Invalid {
  YAML::Mark mark;
  std::string message;  ///< "key: reason"
};

/// Throws Invalid with "path: reason" (or the reason alone when the path is empty).
[[noreturn]] void invalid(const YAML::Mark& mark, const std::string& path,
                          const std::string& reason);
/// "file:line:col", 1-based; an empty document (mark -1) points at its start.
std::string where_of(const std::string& file, const YAML::Mark& m);
std::string join_key(const std::string& path, std::string_view key);
std::string join_index(const std::string& path, std::size_t i);

// ---- text ----
bool is_digit(char c);
bool is_alpha(char c);
bool all_digits(std::string_view s);
/// Letters, digits, _ . - (source, token, rule and receiver names).
bool is_name(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
/// The closest known word for "did you mean …?", or nullopt.
std::optional<std::string_view> closest(std::string_view word,
                                        const std::vector<std::string_view>& known);
/// "a, b, c" (or "a, b or c" with last_sep " or ").
std::string join_words(const std::vector<std::string_view>& words,
                       std::string_view last_sep = ", ");

// ---- value grammars: each parse_* accepts what the matching format_* prints ----
inline constexpr std::int64_t ms_per_s = 1000;
inline constexpr std::int64_t ms_per_m = 60 * ms_per_s;
inline constexpr std::int64_t ms_per_h = 60 * ms_per_m;
inline constexpr std::int64_t ms_per_d = 24 * ms_per_h;
/// "1h30m", "500ms" → milliseconds. Errc::invalid_input "'x' is not a duration (use …)".
Result<std::int64_t> parse_duration_ms(std::string_view text);
std::string format_duration_ms(std::int64_t ms);
std::string seconds_text(std::chrono::seconds s);
/// "256MiB", "1 GB", "4096" → bytes.
Result<std::uint64_t> parse_size(std::string_view text);
std::string format_size(std::uint64_t bytes);
/// "80%", "0.8" → basis points 0..10000.
Result<int> parse_percent_bp(std::string_view text);
std::string format_percent(int bp);

/// The field keys of collectors/column_map.h (config must not depend on collectors).
extern const std::vector<std::string_view> column_keys;

// ---- the YAML walk ----

/// A node with the dotted path of its key and, for map values, the key node (yaml-cpp marks an
/// empty value at the next token, so errors about an empty value point at its key).
struct Field {
  std::string path;
  YAML::Node value;
  std::optional<YAML::Node> key;

  YAML::Mark mark() const { return key && value.IsNull() ? key->Mark() : value.Mark(); }
  YAML::Mark key_mark() const { return key ? key->Mark() : value.Mark(); }
  [[noreturn]] void fail(const std::string& reason) const { invalid(mark(), path, reason); }
};

/// "a list", "a map", "'text'" or "nothing", for "expected …, got …".
std::string describe(const YAML::Node& n);
const std::string& scalar(const Field& f);
const std::string& nonempty(const Field& f);
/// The elements of a list; an empty value is an empty list.
std::vector<Field> items(const Field& f);
std::vector<Field> nonempty_items(const Field& f);

/// A map whose keys must all be known (an empty `known` accepts any key); duplicates are errors. An
/// empty value is an empty map. Throws Invalid "path.key: unknown key (did you mean …?)".
class Map {
 public:
  Map(Field self, const std::vector<std::string_view>& known);
  std::optional<Field> get(std::string_view key) const;
  /// The field, or Invalid "path.key: required" at the map.
  Field require(std::string_view key) const;
  const Field& self() const { return self_; }
  const std::vector<Field>& fields() const { return fields_; }

 private:
  Field self_;
  std::vector<Field> fields_;
};

template <class T>
T unwrap(const Field& f, Result<T> r) {
  if (!r) f.fail(r.error().message);
  return *r;
}

std::int64_t integer(const Field& f, std::int64_t lo, std::int64_t hi);
bool boolean(const Field& f);
/// One of `options`, else "'x' is not one of a, b (did you mean a?)".
std::string choice(const Field& f, const std::vector<std::string_view>& options);
/// One of an enum's names (config/enums.h), as its value; the same message as choice().
template <NamedEnum E>
E choice_of(const Field& f) {
  return *from_string<E>(choice(f, names<E>()));
}
std::int64_t positive_duration_ms(const Field& f);
std::chrono::seconds seconds(const Field& f);
std::chrono::milliseconds millis(const Field& f);
std::uint64_t size(const Field& f);
int percent(const Field& f);
engine::CivilDate date(const Field& f);
/// host:port (IPv4, [IPv6] or a name; port 0 = any free port).
void check_listen(const Field& f);
/// The forms daemon/clock.cpp accepts: fixed offsets, the zones of China, else a zoneinfo file.
void check_time_zone(const Field& f);
/// A whole file, at most `limit` bytes; Errc::io with the OS's reason.
Result<std::string> read_file(const std::filesystem::path& p, std::uint64_t limit);
inline constexpr std::uint64_t secret_file_limit = 64 << 10;  // a token file, not a data file

}  // namespace bw::config::detail
