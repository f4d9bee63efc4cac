// Writing JSON in the reports' layout: the same calls (begin_object, key, value, …) build a
// boost::json tree (JsonTree, for the API and the tests) or append the pretty-printed text to one
// string (JsonText: no tree, no temporary string per member), so a report written once through a
// template over the writer gives a tree and text that match byte for byte (pretty_json of the tree
// == the text).
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

#include "reports/text_sink.h"

namespace bw::reports {

/// Appends `s` as a JSON string, escaped as Boost.JSON's serializer does it (quotes, backslash,
/// control characters; UTF-8 kept).
void append_json_string(std::string& out, std::string_view s);

/// Builds a boost::json value: `result` once the outermost container is closed.
class JsonTree {
 public:
  boost::json::value result;

  void begin_object() { push(boost::json::object()); }
  void end_object() { stack_.pop_back(); }
  void begin_array() { push(boost::json::array()); }
  void end_array() { stack_.pop_back(); }
  JsonTree& key(std::string_view k) {
    key_ = k;
    return *this;
  }
  void value(std::string_view v) { slot() = boost::json::string(v); }
  void value(const char* v) { value(std::string_view(v)); }
  void value(const std::string& v) { value(std::string_view(v)); }
  void value(bool v) { slot() = v; }
  void value(std::nullptr_t) { slot() = nullptr; }
  template <class T>
  requires std::is_integral_v<T>
  void value(T v) {
    if constexpr (std::is_signed_v<T>) {
      slot() = static_cast<std::int64_t>(v);
    } else {
      slot() = static_cast<std::uint64_t>(v);
    }
  }

 private:
  // The value being written: the top level, the key's member of the innermost object or a new
  // element of the innermost array. A container's own slot stays put while its members are written
  // (only the innermost container grows).
  boost::json::value& slot() {
    if (stack_.empty()) return result;
    boost::json::value& top = *stack_.back();
    if (top.is_object()) return top.get_object()[key_];
    return top.get_array().emplace_back(nullptr);
  }
  void push(boost::json::value v) {
    boost::json::value& at = slot();
    at = std::move(v);
    stack_.push_back(&at);
  }

  std::vector<boost::json::value*> stack_;
  std::string key_;
};

/// Two-space indented JSON as pretty_json prints a tree: "{}" and "[]" when empty, one member or
/// element a line. Into a TextSink, each closed object or array is a row_done() (a report's lines
/// are handed on as they are written).
class JsonText {
 public:
  explicit JsonText(std::string& out) : out_(out) {}
  explicit JsonText(TextSink& sink) : out_(sink.text()), sink_(&sink) {}

  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }
  JsonText& key(std::string_view k) {
    element();
    append_json_string(out_, k);
    out_ += ": ";
    after_key_ = true;
    return *this;
  }
  void value(std::string_view v) {
    element();
    append_json_string(out_, v);
  }
  void value(const char* v) { value(std::string_view(v)); }
  void value(const std::string& v) { value(std::string_view(v)); }
  void value(bool v) {
    element();
    out_ += v ? "true" : "false";
  }
  void value(std::nullptr_t) {
    element();
    out_ += "null";
  }
  template <class T>
  requires std::is_integral_v<T>
  void value(T v) {
    element();
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, r.ptr);
  }

 private:
  // Before a key, or a value that follows no key: the separator and the indentation of a member or
  // element.
  void element() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (empty_.empty()) return;
    out_ += empty_.back() ? "\n" : ",\n";
    empty_.back() = false;
    out_.append(empty_.size() * 2, ' ');
  }
  void open(char c) {
    element();
    out_ += c;
    empty_.push_back(true);
  }
  void close(char c) {
    if (!empty_.back()) {
      out_ += '\n';
      out_.append((empty_.size() - 1) * 2, ' ');
    }
    out_ += c;
    empty_.pop_back();
    if (sink_ != nullptr) sink_->row_done();
  }

  std::string& out_;
  TextSink* sink_ = nullptr;
  std::vector<bool> empty_;  // per open container: nothing written in it yet
  bool after_key_ = false;
};

}  // namespace bw::reports
