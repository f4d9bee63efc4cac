// Where a report's text goes while it is rendered: one string the renderers append to, and a cheap
// row_done() they call between rows (a CSV row, a JSON object). Without a writer the sink keeps the
// whole text (render_report's string); with one (`budgetwatch report`), once the string passed the
// chunk size its text is handed to the writer and the string cleared, its capacity kept: a report
// of 66 MB is written in chunks of about 1 MiB instead of growing one string to 66 MB (fresh pages
// the kernel zeroes, then copied again: a quarter of a bureau's JSON report).
#pragma once

#include <charconv>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace bw::reports {

class TextSink {
 public:
  /// Takes a chunk of text, in order; the concatenation of the chunks is the report.
  using Writer = std::function<void(std::string_view)>;
  /// The chunk size of `budgetwatch report`.
  static constexpr std::size_t default_chunk = std::size_t{1} << 20;

  /// Keeps the whole text (take() returns it).
  TextSink() = default;
  /// Hands the text to `writer` in chunks of about `chunk` bytes (a chunk ends at a row_done()
  /// past `chunk` bytes, or at finish()).
  explicit TextSink(Writer writer, std::size_t chunk = default_chunk)
      : writer_(std::move(writer)), chunk_(chunk) {
    text_.reserve(chunk_ + (chunk_ >> 4));
  }

  /// The text not yet handed on, to append to (the reference stays valid: the string is cleared,
  /// never replaced).
  std::string& text() { return text_; }
  /// Between rows: with a writer and at least a chunk buffered, hands the buffer on.
  void row_done() {
    if (writer_ && text_.size() >= chunk_) flush();
  }
  /// At the end: hands what is buffered to the writer (no-op without one).
  void finish() {
    if (writer_ && !text_.empty()) flush();
  }
  /// Bytes of text so far (handed on and buffered).
  std::size_t size() const { return written_ + text_.size(); }
  bool streaming() const { return static_cast<bool>(writer_); }
  /// Without a writer: the whole text, moved out.
  std::string take() { return std::move(text_); }

 private:
  void flush() {
    writer_(text_);
    written_ += text_.size();
    text_.clear();
  }

  std::string text_;
  Writer writer_;
  std::size_t chunk_ = default_chunk;
  std::size_t written_ = 0;
};

/// `<<` onto a string, as the Markdown and CSV renderers wrote onto a std::ostringstream, with the
/// same text: strings, characters and integers (in decimal). Other types (bool, floating point) are
/// not taken, so that a change cannot print them differently from the stream unnoticed.
class StringOut {
 public:
  explicit StringOut(std::string& s) : s_(s) {}
  StringOut& operator<<(std::string_view v) {
    s_.append(v);
    return *this;
  }
  StringOut& operator<<(const char* v) { return *this << std::string_view(v); }
  StringOut& operator<<(const std::string& v) { return *this << std::string_view(v); }
  StringOut& operator<<(char c) {
    s_.push_back(c);
    return *this;
  }
  template <class T>
  requires(std::is_integral_v<T> && !std::is_same_v<T, bool> && !std::is_same_v<T, char> &&
           !std::is_same_v<T, signed char> && !std::is_same_v<T, unsigned char>) StringOut&
  operator<<(T v) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    s_.append(buf, r.ptr);
    return *this;
  }
  std::string& str() { return s_; }

 private:
  std::string& s_;
};

}  // namespace bw::reports
