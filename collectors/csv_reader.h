// RFC 4180 CSV reader over a TextSource: records with their physical line, raw text and, for
// malformed ones, the reason and column. Used by the payments, budget and adjustments parsers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "collectors/encoding.h"
#include "engine/result.h"

namespace bw::collect {

/// CsvRecord::raw holds at most this many bytes (cut at a UTF-8 character boundary).
inline constexpr std::size_t max_raw_bytes = 4096;

/// One CSV record (RFC 4180) with where it came from.
struct CsvRecord {
  /// The fields, unescaped ("" → "), whitespace kept. Empty when !ok. Valid until the next call to
  /// next().
  std::vector<std::string_view> fields;
  int line = 0;  ///< 1-based physical line where the record starts
  /// The record's text as read, without its final line break, for the rejects table; at most
  /// max_raw_bytes. Valid until the next call to next().
  std::string_view raw;
  bool ok = true;        ///< false: malformed; `error_column` and `error` say why
  int error_column = 0;  ///< 1-based number of the field where the problem is (0 when ok)
  std::string error;     ///< the reason, e.g. "stray quote in an unquoted field"; empty when ok
  /// false only for a last record that the input ends without a line break (LF, CRLF or a final
  /// CR): a writer may not have finished it (collectors/ingest.h,
  /// IngestOptions::reject_unterminated_last_record).
  bool terminated = true;
};

/// Bounds that keep one bad record from swallowing a file into memory. The defaults suit treasury
/// exports.
struct CsvLimits {
  /// A quoted field whose content grows past this is taken for an unclosed quote:
  /// "unclosed quote (field longer than 1 MiB)". Default 1 MiB.
  std::size_t max_quoted_field_bytes = std::size_t{1} << 20;
  /// A record (line breaks included) longer than this is rejected: "record longer than 8 MiB".
  /// Default 8 MiB.
  std::size_t max_record_bytes = std::size_t{8} << 20;
};

/// Reads CSV records from a TextSource, pulling about 1 MiB at a time; memory stays flat in input
/// size (bounded by CsvLimits). Fields are views into the reader's buffer; only fields with ""
/// escapes are copied.
///
/// Format: fields separated by `delimiter`, records by LF or CRLF (a CR before the LF, or at the
/// very end of input, belongs to the line break; any other CR is data). A field that starts with
/// `"` is quoted: it may hold delimiters, `""` (one quote), CR and LF; its line breaks count as
/// physical lines. Empty lines (zero length once a trailing CR is dropped) are skipped. Whitespace
/// is not trimmed (the parsers trim).
///
/// Malformed records are returned with ok == false, and reading resynchronises so that every
/// following good record is still read:
/// - `广州"某某` (a quote inside an unquoted field): "stray quote in an unquoted field"; the reader
/// continues
///   after the end of that line.
/// - `"广州某某"科技` (anything but a delimiter or line break after a closing quote): "text after a
/// closing
///   quote"; continues after the end of that line.
/// - a quoted field that runs to the end of input: "unclosed quote at end of file" (the record is
/// the rest of
///   the input).
/// - a quoted field longer than max_quoted_field_bytes: "unclosed quote (field longer than 1 MiB)";
///   a record longer than max_record_bytes: "record longer than 8 MiB". Both continue after the
///   line where the record started.
/// The outcome does not depend on how the source splits its text into reads.
///
/// Not thread-safe; the source must outlive the reader.
class CsvReader {
 public:
  /// Throws std::invalid_argument when `delimiter` is '"', CR, LF or NUL.
  explicit CsvReader(TextSource& src, char delimiter = ',');
  CsvReader(TextSource& src, char delimiter, CsvLimits limits);
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  /// Reads the next record into `rec` (reusing its storage). Returns false at end of input or when
  /// the source failed; then status() says which. Views from the previous record become invalid.
  bool next(CsvRecord& rec);

  /// Ok, or the TextSource's error that stopped reading (Errc::io, Errc::invalid_input).
  const Result<void>& status() const { return status_; }

 private:
  enum class Step { record, need_more, end };
  struct Unescaped {
    std::size_t field;   // index in CsvRecord::fields
    std::size_t offset;  // in scratch_
    std::size_t size;
  };

  Step parse(CsvRecord& rec);
  Step finish_good(CsvRecord& rec, std::size_t start, std::size_t text_end, std::size_t next_pos,
                   int newlines);
  Step finish_bad(CsvRecord& rec, std::size_t start, std::size_t from, int newlines, int column,
                  std::string_view reason);
  void add_field(CsvRecord& rec, std::size_t begin, std::size_t end, bool escaped);
  bool fill();
  std::size_t next_special(std::size_t pos);
  std::string limit_reason(bool field) const;

  TextSource& src_;
  char delim_;
  CsvLimits limits_;
  Result<void> status_;
  std::string buf_;      // text read and not yet consumed (from pos_ on)
  std::size_t pos_ = 0;  // start of the next record in buf_
  bool eof_ = false;     // the source has no more text
  int line_ = 1;         // physical line at pos_
  std::string scratch_;  // unescaped fields of the current record
  std::vector<Unescaped> unescaped_;
  std::string raw_copy_;  // raw text of a bad record whose line did not fit in buf_
  // Positions of delimiters, quotes and LFs in the 64-byte block of buf_ at block_ (scanner cache).
  std::size_t block_ = 0;
  std::uint64_t block_mask_ = 0;
  bool block_valid_ = false;
};

}  // namespace bw::collect
