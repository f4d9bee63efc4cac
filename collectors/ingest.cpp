#include "collectors/ingest.h"

#include <algorithm>
#include <chrono>
#include <set>

#include "collectors/csv_reader.h"
#include "collectors/layout.h"
#include "collectors/record_source.h"
#include "collectors/row_parsers.h"
#include "collectors/xls_reader.h"
#include "collectors/xlsx_reader.h"
#include "engine/text.h"

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
  std::string where;  // the file, and the sheet of a workbook
  int code_column = 0;
  std::string code_header;
};

// Adds one parsed row of the file's kind (a register's rows go to `pending`); parse errors and conflicts
// become rejects.
void take_record(store::IngestTxn& txn, std::string_view file, const CsvRecord& rec, const ResolvedColumns& cols,
                 const store::BasicLinesByUnit& basic_lines,
                 std::vector<PendingLine>& pending, const IngestOptions& o) {
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
      auto p = parse_payment(rec, cols, basic_lines, o.fiscal_start_month);
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
      pending.push_back(PendingLine{std::move(*l), rec.line, std::string(rec.raw), std::string(file),
                                    cols.at(Field::project_code) + 1, cols.header_of(Field::project_code)});
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
      if (i->fiscal_year == 0 && o.fiscal_year) {  // else the year of the code's latest line (the ledger)
        i->fiscal_year = *o.fiscal_year;
        i->fiscal_year_from = o.fiscal_year_from;
      }
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

// Applies a 单位 line to the money columns whose header declares no unit of its own.
void apply_unit_line(ResolvedColumns& cols, std::optional<engine::MoneyUnit> unit) {
  if (!unit) return;
  for (Field f : {Field::amount, Field::initial, Field::adj_amount}) {
    auto& u = cols.unit[static_cast<std::size_t>(f)];
    if (cols.has(f) && !u) u = *unit;
  }
}

// A two-row header as one row (issue 16): a top cell that spans columns (merged, or colspan) stands over the
// cells below it, so 预算单位 over 编码 | 名称 gives 预算单位编码 | 预算单位名称; a top cell with nothing below
// (merged down, rowspan) stays as it is. `joined` false gives the lower cell alone where there is one.
std::vector<std::string> two_row_header(const std::vector<std::string>& top, const std::vector<std::string>& bottom,
                                        bool joined) {
  std::vector<std::string> out(std::max(top.size(), bottom.size()));
  std::string over;  // the top cell spanning to the right, while the cells below go on
  for (std::size_t c = 0; c < out.size(); ++c) {
    const std::string t = c < top.size() ? std::string(engine::trim(top[c])) : std::string();
    const std::string b = c < bottom.size() ? std::string(engine::trim(bottom[c])) : std::string();
    if (!t.empty()) over = t;
    if (t.empty() && b.empty()) over.clear();
    if (b.empty()) {
      out[c] = t;
    } else {
      out[c] = joined ? over + b : b;
    }
  }
  return out;
}

std::vector<std::string_view> views(const std::vector<std::string>& v) { return {v.begin(), v.end()}; }

// Finds the header among the first lines of a sheet or CSV file: title lines, blank lines and a 单位 line may
// come before it, and it may take two rows. Errors are the message for the file (the first candidate line's
// reason).
Result<ResolvedColumns> find_header(RecordSource& src, const ColumnMap& map, const IngestOptions& o) {
  CsvRecord rec;
  std::optional<engine::MoneyUnit> unit;
  std::optional<std::string> first_error;
  std::optional<Result<ResolvedColumns>> known_but_wrong;  // a header of a known kind with a column missing
  std::vector<std::string> previous;                       // the line before, as the top of a two-row header
  for (int seen = 0; seen < max_lines_before_header && src.next(rec); ++seen) {
    if (!rec.terminated && o.reject_unterminated_last_record) return fail(Errc::invalid_input, unterminated_reason(rec.line));
    if (!rec.ok) {
      if (!first_error) first_error = "header row is malformed: " + rec.error;
      previous.clear();
      continue;
    }
    if (is_blank(rec.fields)) continue;
    if (auto u = unit_line(rec.fields)) {
      unit = u;
      previous.clear();
      continue;
    }
    auto cols = map.resolve(rec.fields, o.kind);
    if (cols) {
      apply_unit_line(*cols, unit);
      return cols;
    }
    if (!previous.empty()) {
      const std::vector<std::string> bottom(rec.fields.begin(), rec.fields.end());
      for (bool joined : {true, false}) {
        const auto both = two_row_header(previous, bottom, joined);
        auto two = map.resolve(views(both), o.kind);
        if (two) {
          two->headers = both;
          apply_unit_line(*two, unit);
          return two;
        }
      }
    }
    // A header with a known kind but a column missing or twice is the header — unless the next line completes
    // it as a two-row header: say what is wrong with it.
    if (known_but_wrong) return *known_but_wrong;
    if (!o.kind && !cols.error().message.starts_with("header has no known columns")) known_but_wrong = cols;
    if (!first_error) first_error = cols.error().message;
    previous.assign(rec.fields.begin(), rec.fields.end());
  }
  if (known_but_wrong) return *known_but_wrong;
  if (!src.status()) return tl::unexpected(src.status().error());
  if (!first_error) return fail(Errc::invalid_input, "empty file: no header row");
  return fail(Errc::invalid_input, *first_error);
}

// The column whose sum a 合计 row states, for each kind (none for indicators and actuals).
std::optional<Field> total_field(store::FileKind k) {
  switch (k) {
    case store::FileKind::payments: return Field::amount;
    case store::FileKind::budget: return Field::initial;
    case store::FileKind::adjustments: return Field::adj_amount;
    default: return std::nullopt;
  }
}

// The amount of a row in the total column, when it has one that parses.
std::optional<engine::Money> total_amount(const CsvRecord& rec, const ResolvedColumns& cols, Field f) {
  const int i = cols.at(f);
  if (i < 0 || static_cast<std::size_t>(i) >= rec.fields.size()) return std::nullopt;
  const std::string_view text = engine::trim(rec.fields[static_cast<std::size_t>(i)]);
  if (text.empty()) return std::nullopt;
  auto m = engine::parse_money(text, cols.unit[static_cast<std::size_t>(f)].value_or(engine::MoneyUnit::yuan));
  if (!m) return std::nullopt;
  return *m;
}

Result<store::IngestReport> ingest_records(store::Database& db, std::string_view name, store::FileRecord record,
                                           RecordSource& src, const IngestOptions& o) {
  const auto started = Clock::now();
  const std::string file(name);
  store::Ledger ledger(db);
  auto file_error = [&](std::string message) -> tl::unexpected<Error> {
    ledger.record_failure(record, message);
    return fail(Errc::invalid_input, std::move(message), file);
  };

  const ColumnMap& map = o.columns != nullptr ? *o.columns : default_columns();
  // A workbook: the first visible sheet whose header is known; a CSV file is one "sheet".
  Result<ResolvedColumns> cols = fail(Errc::invalid_input, "no sheet");
  std::string sheet_names;        // the visible sheets tried, for the message when none has a known header
  std::string first_sheet_error;  // why the first one has none
  for (;;) {
    cols = find_header(src, map, o);
    if (cols) break;
    if (!src.status()) return file_error(src.status().error().message);
    if (src.sheet().empty()) return file_error(cols.error().message);
    if (first_sheet_error.empty()) first_sheet_error = cols.error().message;
    sheet_names += (sheet_names.empty() ? "" : ", ") + src.sheet();
    auto more = src.next_sheet();
    if (!more) return file_error(more.error().message);
    if (!*more) return file_error("no sheet with a known header (sheets read: " + sheet_names + "): " + first_sheet_error);
  }
  record.kind = cols->kind;
  // Rejects and warnings name the sheet of a workbook: "payments.xlsx:明细:17:12: 金额: …".
  std::string where = src.sheet().empty() ? file : file + ":" + src.sheet();

  auto txn = ledger.begin(record, o.limits, o.reapply);
  if (!txn) {
    store::IngestReport dup;
    dup.name = file;
    dup.source = o.source;
    dup.kind = cols->kind;
    dup.encoding = record.encoding;
    dup.sha256 = record.sha256;
    dup.duplicate_file = true;
    return dup;
  }
  const auto basic_lines =
      cols->kind == store::FileKind::payments ? ledger.basic_lines_by_unit() : store::BasicLinesByUnit{};
  const std::optional<Field> sum_field = total_field(cols->kind);
  std::vector<std::string> warnings;
  CsvRecord rec;
  std::uint64_t records = 0;
  std::vector<PendingLine> pending;
  for (;;) {  // each sheet of a workbook with a header of the file's kind; a CSV file once
    engine::Money sum;  // of the sheet's rows so far, in the total column (rows rejected for another field included)
    while (src.next(rec)) {
      if (!rec.terminated && o.reject_unterminated_last_record) {
        // Where the line end is missing: after the last field read.
        const int column = rec.ok ? std::max(1, static_cast<int>(rec.fields.size())) : rec.error_column;
        txn->reject(make_reject(where, rec, *cols, column, "", unterminated_reason(rec.line)));
        continue;
      }
      if (rec.ok) {
        if (src.sparse()) pad_fields(rec.fields, cols->columns);
        const LineRole role = line_role(rec.fields);
        if (role == LineRole::blank || role == LineRole::footer || role == LineRole::subtotal) continue;
        if (role == LineRole::total) {
          if (!sum_field) continue;
          const auto stated = total_amount(rec, *cols, *sum_field);
          if (stated && *stated != sum) {
            warnings.push_back(where + ":" + std::to_string(rec.line) + ": the 合计 row says " +
                               engine::format_yuan(*stated) + " but the rows above sum to " + engine::format_yuan(sum) +
                               " (" + cols->header_of(*sum_field) + ", difference " +
                               engine::format_yuan(*stated - sum) + ")");
          }
          continue;
        }
        if (sum_field) {
          if (auto m = total_amount(rec, *cols, *sum_field)) sum += *m;
        }
      }
      take_record(*txn, where, rec, *cols, basic_lines, pending, o);
      if ((++records & 4095) == 0 && o.cancel != nullptr && o.cancel->load(std::memory_order_relaxed)) {
        return fail(Errc::unavailable, "ingest of " + file + " cancelled", file);  // txn rolls back
      }
    }
    if (!src.status()) {
      std::string message = src.status().error().message;
      txn.reset();  // roll back: nothing of an unreadable file is kept
      return file_error(std::move(message));
    }
    if (src.sheet().empty()) break;
    // A workbook: every further sheet whose header is of the same kind is ingested too (several months of
    // payments, one sheet each); sheets without a known header (notes, a cover) are passed over.
    std::optional<Result<ResolvedColumns>> next_cols;
    for (;;) {
      auto more = src.next_sheet();
      if (!more) {
        txn.reset();
        return file_error(more.error().message);
      }
      if (!*more) break;
      auto c = find_header(src, map, o);
      if (!src.status()) {
        std::string message = src.status().error().message;
        txn.reset();
        return file_error(std::move(message));
      }
      if (c && c->kind == cols->kind) {
        next_cols = std::move(c);
        break;
      }
      if (c) {
        warnings.push_back(file + ":" + src.sheet() + ": sheet not read: a " + store::to_string(c->kind) +
                           " header where the first sheet has " + store::to_string(cols->kind) +
                           " (ingest it as a file of its own)");
        continue;
      }
      if (!c.error().message.starts_with("header has no known columns")) {
        warnings.push_back(file + ":" + src.sheet() + ": sheet not read: " + c.error().message);
      }
    }
    if (!next_cols) break;
    cols = std::move(*next_cols);
    where = file + ":" + src.sheet();
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
        txn->reject(store::Reject{p.where, p.line_no, p.code_column, p.code_header, r.error().message,
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
  if (cols->kind == store::FileKind::budget) committed->fiscal_years.assign(years.begin(), years.end());
  for (const std::string& from : origins) {
    committed->fiscal_year_from += (committed->fiscal_year_from.empty() ? "" : ", ") + from;
  }
  committed->warnings = std::move(warnings);
  return committed;
}

Result<store::IngestReport> ingest_text(store::Database& db, std::string_view name, const FileFacts& facts,
                                        TextSource& text, const IngestOptions& o) {
  store::FileRecord record{facts.sha256, std::string(name), o.source, store::FileKind::payments,
                           std::string(to_string(facts.encoding)), facts.size_bytes, o.received_at};
  CsvReader reader(text);
  CsvRecordSource src(reader);
  return ingest_records(db, name, std::move(record), src, o);
}

// A file that could not even be decoded: listed in failed_files (without a hash) and reported.
tl::unexpected<Error> unreadable(store::Database& db, std::string_view name, const IngestOptions& o,
                                 const Error& e) {
  store::Ledger(db).record_failure(
      store::FileRecord{"", std::string(name), o.source, store::FileKind::payments, "", 0, o.received_at},
      e.message);
  return fail(e.code, e.message, std::string(name));
}

// The encoding name recorded for a file read without the text path.
std::string binary_encoding(FileFormat format) {
  switch (format) {
    case FileFormat::zip: return "xlsx";
    case FileFormat::ole2: return "xls";
    default: return "";
  }
}

// A workbook (.xlsx, by its zip magic) or an OLE2 file (.xls, or an encrypted workbook): read without the
// text path. `bytes`: the file in memory (uploads), else read from `path`.
Result<store::IngestReport> ingest_binary(store::Database& db, std::string_view name, FileFormat format,
                                          const std::filesystem::path* path, std::string_view bytes,
                                          const IngestOptions& o) {
  store::FileRecord record{"", std::string(name), o.source, store::FileKind::payments, binary_encoding(format), 0,
                           o.received_at};
  if (path != nullptr) {
    auto h = hash_file(*path, o.no_follow);
    if (!h) return unreadable(db, name, o, h.error());
    record.sha256 = h->first;
    record.size_bytes = h->second;
  } else {
    record.sha256 = hash_bytes(bytes);
    record.size_bytes = bytes.size();
  }
  auto refuse = [&](const std::string& message) {
    store::Ledger(db).record_failure(record, message);
    return fail(Errc::invalid_input, message, std::string(name));
  };
  Result<std::unique_ptr<RecordSource>> src = fail(Errc::invalid_input, "unknown format");
  if (format == FileFormat::ole2) {
    std::string head;
    std::string_view scan = bytes;
    if (path != nullptr) {
      // An OLE2 directory naming an EncryptionInfo stream sits in the first sectors of the file; 64 MiB is plenty.
      auto h = file_head(*path, std::size_t{64} << 20, o.no_follow);
      if (!h) return unreadable(db, name, o, h.error());
      head = std::move(*h);
      scan = head;
    }
    if (auto m = ole2_encrypted_message(scan)) return refuse(*m);
    head.clear();
    head.shrink_to_fit();
    src = path != nullptr ? open_xls_file(*path, o.workbook, o.no_follow) : open_xls_bytes(bytes, o.workbook);
  } else {
    src = path != nullptr ? open_xlsx_file(*path, o.workbook, o.no_follow) : open_xlsx_bytes(bytes, o.workbook);
  }
  if (!src) return refuse(src.error().message);
  return ingest_records(db, name, std::move(record), **src, o);
}

// An HTML table or an Excel 2003 XML workbook saved as ".xls": text in the encoding its meta charset or XML
// declaration names (or the one configured), checked and hashed like CSV, then read by its own tokenizer.
Result<store::IngestReport> ingest_markup(store::Database& db, std::string_view name, FileFormat format,
                                          std::string_view head, const std::filesystem::path* path,
                                          std::string_view bytes, const IngestOptions& o) {
  EncodingChoice choice = o.encoding;
  if (choice == EncodingChoice::auto_detect) {
    choice = markup_encoding(head) == Encoding::gb18030 ? EncodingChoice::gb18030 : EncodingChoice::utf8;
  }
  auto facts = path != nullptr ? inspect_file(*path, choice, o.no_follow) : inspect_bytes(bytes, choice);
  if (!facts) return unreadable(db, name, o, facts.error());
  std::unique_ptr<TextSource> text;
  if (path != nullptr) {
    auto t = open_text_file(*path, facts->encoding, o.no_follow);
    if (!t) return unreadable(db, name, o, t.error());
    text = std::move(*t);
  } else {
    text = open_text_bytes(bytes, facts->encoding);
  }
  const std::string kind = format == FileFormat::html ? "html" : "spreadsheetml";
  store::FileRecord record{facts->sha256, std::string(name), o.source, store::FileKind::payments,
                           kind + "/" + std::string(to_string(facts->encoding)), facts->size_bytes, o.received_at};
  auto src = format == FileFormat::html ? open_html_table(std::move(text)) : open_spreadsheetml(std::move(text));
  return ingest_records(db, name, std::move(record), *src, o);
}

}  // namespace

Result<store::IngestReport> ingest_file(store::Database& db, const std::filesystem::path& path,
                                        const IngestOptions& options) {
  const std::string name = options.name.empty() ? path.filename().string() : options.name;
  // A workbook is chosen by its bytes, never by its name.
  // (A file that cannot be opened is reported by inspect_file, as before.)
  const auto head = file_head(path, sniff_bytes, options.no_follow);
  const FileFormat format = head ? sniff_format(*head) : FileFormat::text;
  if (format == FileFormat::html || format == FileFormat::spreadsheetml) {
    return ingest_markup(db, name, format, *head, &path, {}, options);
  }
  if (format != FileFormat::text) return ingest_binary(db, name, format, &path, {}, options);
  auto facts = inspect_file(path, options.encoding, options.no_follow);
  if (!facts) return unreadable(db, name, options, facts.error());
  auto text = open_text_file(path, facts->encoding, options.no_follow);
  if (!text) return unreadable(db, name, options, text.error());
  return ingest_text(db, name, *facts, **text, options);
}

Result<store::IngestReport> ingest_bytes(store::Database& db, std::string_view name, std::string_view bytes,
                                         const IngestOptions& options) {
  const FileFormat format = sniff_format(bytes.substr(0, sniff_bytes));
  if (format == FileFormat::html || format == FileFormat::spreadsheetml) {
    return ingest_markup(db, name, format, bytes.substr(0, sniff_bytes), nullptr, bytes, options);
  }
  if (format != FileFormat::text) return ingest_binary(db, name, format, nullptr, bytes, options);
  auto facts = inspect_bytes(bytes, options.encoding);
  if (!facts) return unreadable(db, name, options, facts.error());
  auto text = open_text_bytes(bytes, facts->encoding);
  return ingest_text(db, name, *facts, *text, options);
}

}  // namespace bw::collect
