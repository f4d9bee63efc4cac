// Internal to config/: how a member of a config struct prints and parses, for the schema's rows
// (config/schema.cpp): text, numbers in a range, flags, durations, sizes, percentages, paths,
// lists, maps, enums (config/enums.h), nested sections and lists of them. Each helper gives both
// directions, so that a key's row names its member once.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "config/schema.h"
#include "config/walk.h"

namespace bw::config::detail::values {

using Out = YAML::Emitter;

// ---- values over a member: how it prints and how it parses ----

/// Calls a value parser written as f(field) or f(field, reader).
template <class P>
auto call(const P& parse, const Field& f, const Reader& r) {
  if constexpr (std::is_invocable_v<const P&, const Field&, const Reader&>) {
    return parse(f, r);
  } else {
    return parse(f);
  }
}

/// The member `m`, printed by `print` and set from `parse`'s result.
template <class T, class M, class Pr, class Pa>
Value<T> member(M T::*m, Pr print, Pa parse) {
  return {[m, print](Out& o, const T& t) { print(o, t.*m); },
          [m, parse](const Field& f, T& t, const Reader& r) { t.*m = call(parse, f, r); }};
}

/// A string; any non-empty text unless `parse` says more.
template <class T, class Pa = const std::string& (*)(const Field&)>
Value<T> text(std::string T::*m, Pa parse = &nonempty) {
  return member(
      m, [](Out& o, const std::string& v) { o << v; },
      [parse](const Field& f, const Reader& r) { return std::string(call(parse, f, r)); });
}
/// One of `options`.
template <class T>
Value<T> one_of(std::string T::*m, std::vector<std::string_view> options) {
  return text(m, [options = std::move(options)](const Field& f) { return choice(f, options); });
}
/// A whole number in [lo, hi].
template <class T, class M>
Value<T> number(M T::*m, std::int64_t lo, std::int64_t hi) {
  return member(
      m, [](Out& o, M v) { o << std::to_string(v); },
      [lo, hi](const Field& f) { return static_cast<M>(integer(f, lo, hi)); });
}
template <class T>
Value<T> flag(bool T::*m) {
  return member(
      m, [](Out& o, bool v) { o << (v ? "true" : "false"); }, &boolean);
}
template <class T>
Value<T> duration(std::chrono::seconds T::*m) {
  return member(
      m, [](Out& o, std::chrono::seconds v) { o << seconds_text(v); }, &seconds);
}
template <class T>
Value<T> duration(std::chrono::milliseconds T::*m) {
  return member(
      m, [](Out& o, std::chrono::milliseconds v) { o << format_duration_ms(v.count()); }, &millis);
}
template <class T, class M>
Value<T> bytes(M T::*m) {
  return member(
      m, [](Out& o, M v) { o << format_size(v); },
      [](const Field& f) { return static_cast<M>(size(f)); });
}
/// A percentage (basis points); `check` refuses some values.
template <class T>
Value<T> pct(int T::*m, void (*check)(const Field&, int) = nullptr) {
  return member(
      m, [](Out& o, int v) { o << format_percent(v); },
      [check](const Field& f) {
        const int bp = percent(f);
        if (check != nullptr) check(f, bp);
        return bp;
      });
}
inline void above_zero(const Field& f, int bp) {
  if (bp == 0) f.fail("'" + scalar(f) + "' must be more than 0%");
}
inline void below_hundred(const Field& f, int bp) {
  if (bp >= 10000) f.fail("'" + scalar(f) + "' must be below 100%");
}
/// An optional path: `~` when unset (and `~` reads as unset); `check` may refuse one.
template <class T>
Value<T> opt_path(std::filesystem::path T::*m,
                  void (*check)(const Field&, const std::filesystem::path&) = nullptr) {
  return {[m](Out& o, const T& t) {
            if ((t.*m).empty()) {
              o << YAML::Null;
            } else {
              o << (t.*m).string();
            }
          },
          [m, check](const Field& f, T& t, const Reader& r) {
            if (f.value.IsNull()) return;
            t.*m = r.path(f);
            if (check != nullptr) check(f, t.*m);
          }};
}
inline void readable_file(const Field& f, const std::filesystem::path& p) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(p, ec))
    f.fail("'" + p.string() + "' is not a readable file");
}
template <class T>
Value<T> a_path(std::filesystem::path T::*m) {
  return member(
      m, [](Out& o, const std::filesystem::path& p) { o << p.string(); },
      [](const Field& f, const Reader& r) { return r.path(f); });
}
/// A list of strings, each parsed by `parse` (any non-empty text by default).
template <class T, class Pa = const std::string& (*)(const Field&)>
Value<T> words(std::vector<std::string> T::*m, Pa parse = &nonempty) {
  return member(
      m,
      [](Out& o, const std::vector<std::string>& v) {
        o << YAML::Flow << YAML::BeginSeq;
        for (const auto& w : v) o << w;
        o << YAML::EndSeq;
      },
      [parse](const Field& f) {
        std::vector<std::string> out;
        for (const Field& x : items(f)) out.emplace_back(parse(x));
        return out;
      });
}
template <class T>
Value<T> string_map(std::map<std::string, std::string> T::*m) {
  return member(
      m,
      [](Out& o, const std::map<std::string, std::string>& v) {
        o << YAML::Flow << YAML::BeginMap;
        for (const auto& [k, x] : v) o << YAML::Key << k << YAML::Value << x;
        o << YAML::EndMap;
      },
      [](const Field& f) {
        std::map<std::string, std::string> out;
        const Map given(f, {});
        for (const Field& v : given.fields()) out[v.key->Scalar()] = scalar(v);
        return out;
      });
}
/// An enum's name (config/enums.h), parsed by choice.
template <class T, NamedEnum E>
Value<T> named(E T::*m) {
  return member(
      m, [](Out& o, E v) { o << std::string(to_string(v)); }, &choice_of<E>);
}
/// A name (letters, digits, _ . -).
inline const std::string& a_name(const Field& f) {
  const std::string& s = nonempty(f);
  if (!is_name(s)) f.fail("'" + s + "' is not a name (letters, digits, _ . -)");
  return s;
}
/// A nested section in the member `m` (or, without a member, over the same struct).
template <class T, class U>
Value<T> section(U T::*m, const Section<U>& (*sec)()) {
  return {[m, sec](Out& o, const T& t) { emit(o, sec(), t.*m); },
          [m, sec](const Field& f, T& t, const Reader& r) { read(f, sec(), t.*m, r); }};
}
template <class T>
Value<T> section(const Section<T>& (*sec)()) {
  return {[sec](Out& o, const T& t) { emit(o, sec(), t); },
          [sec](const Field& f, T& t, const Reader& r) { read(f, sec(), t, r); }};
}
/// A list of sections; `check` sees each element once read, with the ones before it.
template <class T, class U>
Value<T> list(std::vector<U> T::*m, const Section<U>& (*sec)(),
              void (*check)(const Field&, const std::vector<U>&, const U&) = nullptr) {
  return {[m, sec](Out& o, const T& t) { emit_list(o, sec(), t.*m); },
          [m, sec, check](const Field& f, T& t, const Reader& r) {
            for (const Field& item : items(f)) {
              U x;
              read(item, sec(), x, r);
              if (check != nullptr) check(item, t.*m, x);
              (t.*m).push_back(std::move(x));
            }
          }};
}

template <class T, class V>
auto nonempty_member(V T::*m) {
  return [m](const T& t) { return !(t.*m).empty(); };
}

}  // namespace bw::config::detail::values
