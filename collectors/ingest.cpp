#include "collectors/ingest.h"

#include <algorithm>
#include <chrono>
#include <set>

#include "collectors/csv_reader.h"
#include "collectors/row_parsers.h"

namespace bw::collect {
namespace {

using Clock = std::chrono::steady_clock;

const ColumnMap& default_columns() {
  static const ColumnMap map;
  return map;
}

store::Reject make_reject(std::string_view file, const CsvRecord& rec, const ResolvedColumns& cols, int column,
                          std::string field_name, std::string reason, bool conflict = false) {
  if (field_name.empty() && column >= 1 && static_cast<std::size_t>(column) <= cols.headers.size()) {
    field_name = cols.headers[static_cast<std::size_t>(column - 1)];
  }
  return store::Reject{std::string(file), rec.line, column, std::move(field_name), std::move(reason),
                       std::string(rec.raw), conflict};
}

std::string unterminated_reason(int line) {
  return "the last line has no line end: the file may still be being written or was truncated (line " +
         std::to_string(line) + ")";
}

// A parsed register row, held until the file's fiscal year is known (it may come from the last row's
// 完成时限).
struct PendingLine {
  engine::BudgetLine line;
  int line_no = 0;
  std::string raw;
};

// Adds one parsed row of the file's kind (a register's rows go to `pending`); parse errors and conflicts
// become rejects.
void take_record(store::IngestTxn& txn, std::string_view file, const CsvRecord& rec, const ResolvedColumns& cols,
                 const std::map<std::string, std::vector<std::string>>& basic_lines,
                 std::vector<PendingLine>& pending) {
  if (!rec.ok) {
    txn.reject(make_reject(file, rec, cols, rec.error_column, "", rec.error));
    return;
  }
  if (auto n = check_field_count(rec, cols); !n) {
    txn.reject(make_reject(file, rec, cols, n.error().column, "", n.error().reason));
    return;
  }
  auto on_row_error = [&](const RowError& e) {
    txn.reject(make_reject(file, rec, cols, e.column, e.field, e.reason));
  };
  auto on_conflict = [&](Field key, const Error& e) {
    txn.reject(make_reject(file, rec, cols, cols.at(key) + 1, cols.header_of(key), e.message,
                           e.code == Errc::conflict));
  };
  switch (cols.kind) {
    case store::FileKind::payments: {
      auto p = parse_payment(rec, cols, basic_lines);
      if (!p) return on_row_error(p.error());
      p->raw = rec.raw;
      p->voucher_column = cols.at(Field::voucher_no) + 1;
      const std::string voucher_header = cols.header_of(Field::voucher_no);
      p->voucher_header = voucher_header;
      txn.add_payment(*p);  // conflicts are rejected by the ledger when the batch is written
      return;
    }
    case store::FileKind::budget: {
      auto l = parse_budget_line(rec, cols);
      if (!l) return on_row_error(l.error());
      pending.push_back(PendingLine{std::move(*l), rec.line, std::string(rec.raw)});
      return;
    }
    case store::FileKind::adjustments: {
      auto a = parse_adjustment(rec, cols);
      if (!a) return on_row_error(a.error());
      if (auto r = txn.add_adjustment(*a, rec.line); !r) on_conflict(Field::project_code, r.error());
      return;
    }
    case store::FileKind::indicators: {
      auto i = parse_indicator(rec, cols);
      if (!i) return on_row_error(i.error());
      if (auto r = txn.add_indicator(*i, rec.line); !r) on_conflict(Field::seq, r.error());
      return;
    }
    case store::FileKind::actuals: {
      auto a = parse_actual(rec, cols);
      if (!a) return on_row_error(a.error());
      if (auto r = txn.add_actual(*a, rec.line); !r) on_conflict(Field::project_code, r.error());
      return;
    }
  }
}

// The fiscal year of a register's rows whose 预算年度 is not given: --fiscal-year / the source's
// fiscal_year, else the one fiscal year holding every 完成时限 date. An error message when neither says.
struct YearDecision {
  std::optional<int> year;
  std::string from;
  std::string error;
};

YearDecision decide_fiscal_year(const std::vector<PendingLine>& pending, const IngestOptions& o) {
  YearDecision d;
  if (o.fiscal_year) {
    d.year = o.fiscal_year;
    d.from = o.fiscal_year_from;
    return d;
  }
  std::set<int> years;
  for (const PendingLine& p : pending) {
    if (p.line.fiscal_year == 0 && p.line.deadline) {
      years.insert(engine::FiscalYear::containing(*p.line.deadline, o.fiscal_start_month).year());
    }
  }
  if (years.size() == 1) {
    d.year = *years.begin();
    d.from = "完成时限";
    return d;
  }
  std::string why;
  if (years.empty()) {
    why = "and its rows have no 完成时限 dates";
  } else {
    why = "and its 完成时限 dates fall in " + std::to_string(years.size()) + " fiscal years (";
    for (int y : years) why += (y == *years.begin() ? "" : ", ") + std::to_string(y);
    why += ")";
  }
  d.error = "cannot tell the fiscal year of this budget register: it has no 预算年度 column (FISCAL_YEAR), no "
            "--fiscal-year or source fiscal_year: was given, " +
            why + "; nothing of the file was stored";
  return d;
}

Result<store::IngestReport> ingest_text(store::Database& db, std::string_view name, const FileFacts& facts,
                                        TextSource& text, const IngestOptions& o) {
  const auto started = Clock::now();
  const std::string file(name);
  store::Ledger ledger(db);
  store::FileRecord record{facts.sha256, file, o.source, store::FileKind::payments,
                           std::string(to_string(facts.encoding)), facts.size_bytes, o.received_at};
  auto file_error = [&](std::string message) -> tl::unexpected<Error> {
    ledger.record_failure(record, message);
    return fail(Errc::invalid_input, std::move(message), file);
  };

  CsvReader reader(text);
  CsvRecord header;
  if (!reader.next(header)) {
    if (!reader.status()) return file_error(reader.status().error().message);
    return file_error("empty file: no header row");
  }
  if (!header.terminated && o.reject_unterminated_last_record) return file_error(unterminated_reason(header.line));
  if (!header.ok) return file_error("header row is malformed: " + header.error);
  const ColumnMap& map = o.columns != nullptr ? *o.columns : default_columns();
  auto cols = map.resolve(header.fields, o.kind);
  if (!cols) return file_error(cols.error().message);
  record.kind = cols->kind;

  auto txn = ledger.begin(record, o.limits, o.reapply);
  if (!txn) {
    store::IngestReport dup;
    dup.name = file;
    dup.source = o.source;
    dup.kind = cols->kind;
    dup.encoding = record.encoding;
    dup.sha256 = facts.sha256;
    dup.duplicate_file = true;
    return dup;
  }
  const auto basic_lines = cols->kind == store::FileKind::payments
                               ? ledger.basic_lines_by_unit()
                               : std::map<std::string, std::vector<std::string>>{};
  CsvRecord rec;
  std::uint64_t records = 0;
  std::vector<PendingLine> pending;
  while (reader.next(rec)) {
    if (!rec.terminated && o.reject_unterminated_last_record) {
      // Where the line end is missing: after the last field read.
      const int column = rec.ok ? std::max(1, static_cast<int>(rec.fields.size())) : rec.error_column;
      txn->reject(make_reject(file, rec, *cols, column, "", unterminated_reason(rec.line)));
      continue;
    }
    take_record(*txn, file, rec, *cols, basic_lines, pending);
    if ((++records & 4095) == 0 && o.cancel != nullptr && o.cancel->load(std::memory_order_relaxed)) {
      return fail(Errc::unavailable, "ingest of " + file + " cancelled", file);  // txn rolls back
    }
  }
  if (!reader.status()) {
    std::string message = reader.status().error().message;
    txn.reset();  // roll back: nothing of an unreadable file is kept
    return file_error(std::move(message));
  }
  // A register's lines go in once their fiscal year is known; a register whose year nobody says is refused.
  std::set<int> years;
  std::set<std::string> origins;
  if (cols->kind == store::FileKind::budget) {
    const bool any_unsaid = std::any_of(pending.begin(), pending.end(),
                                        [](const PendingLine& p) { return p.line.fiscal_year == 0; });
    YearDecision d;
    if (any_unsaid) {
      d = decide_fiscal_year(pending, o);
      if (!d.year) {
        txn.reset();  // roll back: nothing of the file is kept
        return file_error(d.error);
      }
    }
    for (PendingLine& p : pending) {
      if (p.line.fiscal_year == 0) {
        p.line.fiscal_year = *d.year;
        origins.insert(d.from);
      } else {
        origins.insert("预算年度");
      }
      if (auto r = txn->add_budget_line(p.line, p.line_no); !r) {
        const int column = cols->at(Field::project_code) + 1;
        txn->reject(store::Reject{file, p.line_no, column, cols->header_of(Field::project_code), r.error().message,
                                  std::move(p.raw), r.error().code == Errc::conflict});
        continue;
      }
      years.insert(p.line.fiscal_year);
    }
  }
  auto committed = txn->commit(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started));
  if (!committed) {
    txn.reset();  // roll back: a file refused for its share of rejects keeps nothing
    return file_error(committed.error().message);
  }
  committed->fiscal_years.assign(years.begin(), years.end());
  for (const std::string& from : origins) {
    committed->fiscal_year_from += (committed->fiscal_year_from.empty() ? "" : ", ") + from;
  }
  return committed;
}

// A file that could not even be decoded: listed in failed_files (without a hash) and reported.
tl::unexpected<Error> unreadable(store::Database& db, std::string_view name, const IngestOptions& o,
                                 const Error& e) {
  store::Ledger(db).record_failure(
      store::FileRecord{"", std::string(name), o.source, store::FileKind::payments, "", 0, o.received_at},
      e.message);
  return fail(e.code, e.message, std::string(name));
}

}  // namespace

Result<store::IngestReport> ingest_file(store::Database& db, const std::filesystem::path& path,
                                        const IngestOptions& options) {
  const std::string name = options.name.empty() ? path.filename().string() : options.name;
  auto facts = inspect_file(path, options.encoding, options.no_follow);
  if (!facts) return unreadable(db, name, options, facts.error());
  auto text = open_text_file(path, facts->encoding, options.no_follow);
  if (!text) return unreadable(db, name, options, text.error());
  return ingest_text(db, name, *facts, **text, options);
}

Result<store::IngestReport> ingest_bytes(store::Database& db, std::string_view name, std::string_view bytes,
                                         const IngestOptions& options) {
  auto facts = inspect_bytes(bytes, options.encoding);
  if (!facts) return unreadable(db, name, options, facts.error());
  auto text = open_text_bytes(bytes, facts->encoding);
  return ingest_text(db, name, *facts, *text, options);
}

}  // namespace bw::collect
