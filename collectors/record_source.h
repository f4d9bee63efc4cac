// The records of one export, whatever its format: a CSV file, or the rows of a workbook's sheets.
// ingest_file reads every format through this interface, so the row parsers, rejects and ledger are
// the same for all.
#pragma once

#include <cstddef>
#include <string>

#include "collectors/csv_reader.h"
#include "engine/result.h"

namespace bw::collect {

/// A pull source of records. Not thread-safe.
class RecordSource {
 public:
  RecordSource() = default;
  RecordSource(const RecordSource&) = delete;
  RecordSource& operator=(const RecordSource&) = delete;
  RecordSource(RecordSource&&) = delete;
  RecordSource& operator=(RecordSource&&) = delete;
  virtual ~RecordSource() = default;

  /// The next record of the current sheet (CsvRecord::line: the physical line, or the sheet's row
  /// number); false at its end or on failure (then status() says why).
  virtual bool next(CsvRecord& rec) = 0;
  /// Ok, or the error that stopped reading.
  virtual const Result<void>& status() const = 0;
  /// The current sheet's name; "" for a CSV file.
  virtual std::string sheet() const { return {}; }
  /// Moves to the next sheet to consider: true when there is one, false when none is left.
  virtual Result<bool> next_sheet() { return false; }
  /// Rows may leave out trailing empty cells (a workbook's sparse rows): pad them to the header's
  /// width.
  virtual bool sparse() const { return false; }
};

/// A CsvReader as a RecordSource.
class CsvRecordSource final : public RecordSource {
 public:
  explicit CsvRecordSource(CsvReader& reader) : reader_(reader) {}
  bool next(CsvRecord& rec) override { return reader_.next(rec); }
  const Result<void>& status() const override { return reader_.status(); }

 private:
  CsvReader& reader_;
};

}  // namespace bw::collect
