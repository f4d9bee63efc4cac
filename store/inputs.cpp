#include "store/inputs.h"

#include "store/revisions.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <tuple>

namespace bw::store {
namespace {

using engine::CivilDate;
using engine::Money;

engine::CivilDate parse_iso(std::string_view s) {
  auto d = engine::parse_date(s);
  if (!d) throw DatabaseError(0, "bad date '" + std::string(s) + "' in the database");
  return *d;
}

// A date's month as a count of months (year × 12 + month − 1).
int month_number(CivilDate d) {
  return static_cast<int>(d.year()) * 12 + static_cast<int>(static_cast<unsigned>(d.month())) - 1;
}

// Whether the engine can read Inputs::history_cumulative for these inputs as of `as_of`: only the
// year-end forecast of a line whose deadline is after as_of does (engine/snapshot.cpp
// evaluate_line: a line's deadline is at most its registered one, else the fiscal year's last day;
// a line known only from adjustments has the year's last day). A report as of the year's end reads
// no history, and need not scan the earlier years.
bool history_can_count(const engine::Inputs& in, CivilDate as_of) {
  if (as_of < in.fiscal_year.last_day()) return true;
  return std::any_of(in.lines.begin(), in.lines.end(), [&](const engine::BudgetLine& l) {
    return l.deadline && *l.deadline > as_of;
  });
}

// The payment series of the fiscal year by (unit, project): an open-addressing table of indices into the
// series vector, probed with the two codes as they come from a row (no key string is built; the names query
// probes it once per (unit, project) ever paid, most of them of other years).
class SeriesIndex {
 public:
  static constexpr std::size_t none = static_cast<std::size_t>(-1);

  SeriesIndex(std::vector<engine::PaymentSeries>& series, std::size_t expected) : series_(series) {
    series_.reserve(expected);
    std::size_t n = 1024;
    while (n < expected * 2) n *= 2;
    slots_.assign(n, 0);
  }

  std::size_t find(std::string_view unit, std::string_view code) const {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash(unit, code) & mask;; i = (i + 1) & mask) {
      const std::uint32_t s = slots_[i];
      if (s == 0) return none;
      const engine::PaymentSeries& p = series_[s - 1];
      if (p.project_code == code && p.unit_code == unit) return s - 1;
    }
  }

  std::size_t find_or_add(std::string_view unit, std::string_view code) {
    if ((series_.size() + 1) * 2 > slots_.size()) grow();
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash(unit, code) & mask;; i = (i + 1) & mask) {
      const std::uint32_t s = slots_[i];
      if (s == 0) {
        engine::PaymentSeries& p = series_.emplace_back();
        p.unit_code = unit;
        p.project_code = code;
        slots_[i] = static_cast<std::uint32_t>(series_.size());
        return series_.size() - 1;
      }
      const engine::PaymentSeries& p = series_[s - 1];
      if (p.project_code == code && p.unit_code == unit) return s - 1;
    }
  }

  /// After the series were reordered: every series indexed at its new place.
  void rebuild() {
    std::fill(slots_.begin(), slots_.end(), 0);
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t s = 0; s < series_.size(); ++s) {
      std::size_t i = hash(series_[s].unit_code, series_[s].project_code) & mask;
      while (slots_[i] != 0) i = (i + 1) & mask;
      slots_[i] = static_cast<std::uint32_t>(s + 1);
    }
  }

 private:
  static std::size_t hash(std::string_view unit, std::string_view code) {
    return std::hash<std::string_view>{}(code) ^ (std::hash<std::string_view>{}(unit) * 0x9e3779b97f4a7c15ULL);
  }

  void grow() {
    std::vector<std::uint32_t> old(slots_.size() * 2, 0);
    old.swap(slots_);
    const std::size_t mask = slots_.size() - 1;
    for (std::uint32_t s : old) {
      if (s == 0) continue;
      const engine::PaymentSeries& p = series_[s - 1];
      std::size_t i = hash(p.unit_code, p.project_code) & mask;
      while (slots_[i] != 0) i = (i + 1) & mask;
      slots_[i] = s;
    }
  }

  std::vector<engine::PaymentSeries>& series_;
  std::vector<std::uint32_t> slots_;  // series index + 1; 0: empty
};

std::vector<std::string> split_tags(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    const auto pos = s.find(',');
    if (pos != 0) out.emplace_back(s.substr(0, pos));
    if (pos == std::string_view::npos) break;
    s.remove_prefix(pos + 1);
  }
  return out;
}

// Carry-forward lines (上年结转) of `year`: the link to last year's line of the same code and the age in
// years, derived from the earlier years' lines of the same codes (no stored link: issue 14). One query,
// only when the year has such lines.
void link_carried_forward(Database& db, int year, std::vector<engine::BudgetLine>& lines) {
  const char* carried = engine::to_string(engine::LineSource::carried_forward);
  if (std::none_of(lines.begin(), lines.end(), [](const engine::BudgetLine& l) {
        return l.source == engine::LineSource::carried_forward;
      }))
    return;
  // (code, fiscal year) → carried forward itself
  std::map<std::pair<std::string, int>, bool> earlier;
  Statement st = db.prepare(
      "SELECT b.code, b.fiscal_year, b.source FROM budget_lines b WHERE b.fiscal_year < ? AND b.code IN"
      " (SELECT c.code FROM budget_lines c WHERE c.fiscal_year = ? AND c.source = ?)");
  st.bind(1, year).bind(2, year).bind(3, carried);
  while (st.step()) {
    earlier[{st.column_string(0), static_cast<int>(st.column_int(1))}] = st.column_text(2) == carried;
  }
  for (engine::BudgetLine& l : lines) {
    if (l.source != engine::LineSource::carried_forward) continue;
    l.carry_age = 1;
    auto it = earlier.find({l.code, year - 1});
    if (it == earlier.end()) continue;
    l.carried_from_year = year - 1;
    for (int y = year - 1; it != earlier.end() && it->second; it = earlier.find({l.code, --y})) ++l.carry_age;
  }
}

}  // namespace

engine::Inputs load_inputs(Database& db, CivilDate as_of, const engine::FiscalYear& fy) {
  engine::Inputs in;
  in.fiscal_year = fy;

  {
    // Register order is rowid order. The year's rows are read as a rowid range (bounded by the key's index) in
    // that order: `WHERE fiscal_year = ? ORDER BY rowid` went through the key's index, a table seek per row and
    // a sort of the year's lines. `+fiscal_year` keeps the planner on the rowid range; rows of other years
    // inside the range are skipped.
    Statement range = db.prepare("SELECT min(rowid), max(rowid), count(*) FROM budget_lines WHERE fiscal_year = ?");
    range.bind(1, fy.year());
    const bool any = range.step() && !range.column_is_null(0);
    const std::int64_t lo = any ? range.column_int(0) : 1;
    const std::int64_t hi = any ? range.column_int(1) : 0;
    in.lines.reserve(any ? static_cast<std::size_t>(range.column_int(2)) : 0);
    Statement st = db.prepare(
        "SELECT code, name, unit_code, unit_name, kind, initial_fen, deadline, owner, owner_email, tags,"
        " fiscal_year, department_code, department_name, source"
        " FROM budget_lines WHERE +fiscal_year = ? AND rowid >= ? AND rowid <= ? ORDER BY rowid");
    st.bind(1, fy.year()).bind(2, lo).bind(3, hi);
    while (st.step()) {
      engine::BudgetLine& l = in.lines.emplace_back();
      l.code = st.column_text(0);
      l.name = st.column_text(1);
      l.unit_code = st.column_text(2);
      l.unit_name = st.column_text(3);
      l.kind = st.column_text(4) == "basic" ? engine::LineKind::basic : engine::LineKind::project;
      l.initial = Money{st.column_int(5)};
      if (!st.column_is_null(6)) l.deadline = parse_iso(st.column_text(6));
      l.owner = st.column_text(7);
      l.owner_email = st.column_text(8);
      l.tags = split_tags(st.column_text(9));
      l.fiscal_year = static_cast<int>(st.column_int(10));
      l.department_code = st.column_text(11);
      l.department_name = st.column_text(12);
      l.source = engine::parse_line_source(st.column_text(13));
    }
  }
  link_carried_forward(db, fy.year(), in.lines);
  {
    Statement st = db.prepare(
        "SELECT project_code, adj_date, amount_fen, doc_no, note FROM adjustments"
        " WHERE adj_date >= ? AND adj_date <= ? ORDER BY adj_date, id");
    st.bind(1, engine::to_iso(fy.first_day())).bind(2, engine::to_iso(fy.last_day()));
    while (st.step()) {
      in.adjustments.push_back(engine::Adjustment{st.column_string(0), parse_iso(st.column_text(1)),
                                                  Money{st.column_int(2)}, st.column_string(3),
                                                  st.column_string(4)});
    }
  }

  // Payments of the fiscal year through as_of: whole months from paid_by_year, the as-of month's
  // days from the payments' date index when as_of is not a month end.
  const CivilDate first = fy.first_day();
  const CivilDate last = std::min(as_of, fy.last_day());
  // (unit, project) → index in in.payments. About one series a line: reserved, so that the series are not
  // moved while the vector grows.
  SeriesIndex series(in.payments, in.lines.size() + in.lines.size() / 4);
  const bool any_month = last >= first;
  const bool whole_last_month = any_month && engine::is_month_end(last);
  const int first_month = month_number(first);
  // The last whole month of the fiscal year through as_of (before the first: none).
  const int last_whole_month =
      !any_month ? first_month - 1 : month_number(last) - (whole_last_month ? 0 : 1);
  const int first_year = static_cast<int>(first.year());
  const int last_year = static_cast<int>(fy.last_day().year());
  {
    // paid_by_year is keyed by (calendar year, unit, project): the fiscal year's rows are one range
    // in (unit, project) order (two years' ranges when the fiscal year does not start in January),
    // each row a series' twelve months. The earlier years, the units' history, cumulative by fiscal
    // month, are read with them when the engine can use it (the year-end forecast of a line whose
    // deadline is after as_of); they are most of the table in a database of several years.
    const bool with_history = history_can_count(in, as_of);
    Statement st = db.prepare(
        "SELECT pay_year, unit_code, project_code, unit_name, project_name,"
        " m01_fen, m02_fen, m03_fen, m04_fen, m05_fen, m06_fen, m07_fen, m08_fen, m09_fen, m10_fen, m11_fen, m12_fen,"
        " m01_payments, m02_payments, m03_payments, m04_payments, m05_payments, m06_payments, m07_payments,"
        " m08_payments, m09_payments, m10_payments, m11_payments,"
        " m12_payments FROM paid_by_year WHERE pay_year >= ? AND pay_year <= ?"
        " ORDER BY pay_year, unit_code, project_code");
    st.bind(1, with_history ? 0 : first_year).bind(2, last_year);
    std::array<Money, 12>* history = nullptr;
    std::string history_unit;
    while (st.step()) {
      const int year = static_cast<int>(st.column_int(0));
      const int year_month = year * 12;  // month_number of its January
      if (year_month + 11 < first_month) {
        // History: a year before the fiscal year's first month.
        if (history == nullptr || history_unit != st.column_text(1)) {
          history_unit = st.column_text(1);
          history =
              &in.history_cumulative[history_unit];  // monthly sums here, made cumulative below
        }
        for (int k = 0; k < 12; ++k) {
          const std::int64_t fen = st.column_int(5 + k);
          if (fen == 0) continue;
          const CivilDate d = engine::make_date(year, static_cast<unsigned>(k + 1), 1);
          const int i = engine::FiscalYear::containing(d, fy.start_month()).month_index(d);
          (*history)[static_cast<std::size_t>(i)] += Money{fen};
        }
        continue;
      }
      engine::PaymentSeries* current = nullptr;
      for (int k = 0; k < 12; ++k) {
        const int n = year_month + k;
        const std::int64_t fen = st.column_int(5 + k);
        const std::int64_t count = st.column_int(17 + k);
        if (fen == 0 && count == 0) continue;
        if (n < first_month) {
          // A fiscal year not starting in January: this calendar year's months before it are
          // history.
          if (!with_history) continue;
          auto& h = in.history_cumulative[std::string(st.column_text(1))];
          const CivilDate d = engine::make_date(year, static_cast<unsigned>(k + 1), 1);
          h[static_cast<std::size_t>(
              engine::FiscalYear::containing(d, fy.start_month()).month_index(d))] += Money{fen};
          continue;
        }
        if (n > last_whole_month) break;
        if (current == nullptr) {
          current = &in.payments[series.find_or_add(st.column_text(1), st.column_text(2))];
          if (current->unit_name.empty() && current->project_name.empty()) {
            current->unit_name = st.column_text(3);
            current->project_name = st.column_text(4);
          }
        }
        const auto i = static_cast<std::size_t>(n - first_month);
        current->month_paid[i] += Money{fen};
        current->month_count[i] += count;
      }
    }
    for (auto& [code, cum] : in.history_cumulative) {
      for (std::size_t k = 1; k < cum.size(); ++k) cum[k] += cum[k - 1];
    }
  }
  if (first_year != last_year) {
    // Two calendar years' ranges: a series first paid in the second came after the first's. In
    // (unit, project) order, as one range gives it (the reports' order).
    std::sort(in.payments.begin(), in.payments.end(),
              [](const engine::PaymentSeries& a, const engine::PaymentSeries& b) {
                return std::tie(a.unit_code, a.project_code) <
                       std::tie(b.unit_code, b.project_code);
              });
    series.rebuild();
  }
  const std::size_t named_series = in.payments.size();  // the series named by the rows read so far
  if (any_month && !whole_last_month) {
    // The days of the as-of month from the payments themselves. SQLite: the rows, added up here
    // into the series (a GROUP BY sorted them in a temporary B-tree: two thirds of the read, 0.4 s
    // for a bureau's half month); PostgreSQL: grouped by the server (a hash aggregate; one row a
    // series over the wire).
    const CivilDate month_first =
        engine::make_date(static_cast<int>(last.year()), static_cast<unsigned>(last.month()), 1);
    const bool pg = db.engine() == Engine::postgresql;
    Statement part =
        db.prepare(pg ? "SELECT unit_code, project_code, sum(amount_fen), count(*) FROM payments"
                        " WHERE pay_date >= ? AND pay_date <= ? GROUP BY unit_code, project_code"
                      : "SELECT unit_code, project_code, amount_fen, 1 FROM payments"
                        " WHERE pay_date >= ? AND pay_date <= ?");
    const std::string from_day = engine::to_iso(std::max(month_first, first));
    const std::string to_day = engine::to_iso(last);
    part.bind(1, from_day).bind(2, to_day);
    const auto i = static_cast<std::size_t>(fy.month_index(last));
    const std::size_t whole_month_series = in.payments.size();
    while (part.step()) {
      auto& s = in.payments[series.find_or_add(part.column_text(0), part.column_text(1))];
      s.month_paid[i] += Money{part.column_int(2)};
      s.month_count[i] += part.column_int(3);
    }
    if (in.payments.size() > whole_month_series) {
      // The series paid only in these days follow the others, in (unit, project) order.
      std::sort(
          in.payments.begin() + static_cast<std::ptrdiff_t>(whole_month_series), in.payments.end(),
          [](const engine::PaymentSeries& a, const engine::PaymentSeries& b) {
            return std::tie(a.unit_code, a.project_code) < std::tie(b.unit_code, b.project_code);
          });
      series.rebuild();
    }
  }
  if (named_series < in.payments.size()) {
    // The series paid only in the as-of month's days: named by their year's row.
    Statement st = db.prepare("SELECT unit_name, project_name FROM paid_by_year"
                              " WHERE pay_year = ? AND unit_code = ? AND project_code = ?");
    for (std::size_t i = named_series; i < in.payments.size(); ++i) {
      engine::PaymentSeries& p = in.payments[i];
      st.bind(1, static_cast<int>(last.year())).bind(2, p.unit_code).bind(3, p.project_code);
      if (st.step()) {
        p.unit_name = st.column_text(0);
        p.project_name = st.column_text(1);
      }
      st.reset();
    }
  }
  return in;
}

IngestPage list_ingests(Database& db, std::int64_t offset, std::int64_t limit, std::int64_t rejects_per_file) {
  IngestPage page;
  {
    Statement st = db.prepare("SELECT count(*) FROM files");
    st.step();
    page.total = st.column_int(0);
  }
  Statement st = db.prepare(
      "SELECT id, name, source, kind, encoding, sha256, rows_total, rows_accepted, rows_duplicate,"
      " rows_rejected, rows_conflict, accepted_fen, duration_ms, rows_revised FROM files ORDER BY id DESC"
      " LIMIT ? OFFSET ?");
  st.bind(1, limit).bind(2, offset);
  Statement rj = db.prepare(
      "SELECT line, col, field, reason, raw, conflict FROM rejects WHERE file_id = ? ORDER BY line, id LIMIT ?");
  Statement rc = db.prepare(
      "SELECT field, reason, rows, first_line FROM reject_counts WHERE file_id = ? ORDER BY rows DESC, first_line");
  while (st.step()) {
    IngestReport r;
    r.file_id = st.column_int(0);
    r.name = st.column_string(1);
    r.source = st.column_string(2);
    r.kind = parse_file_kind(st.column_text(3)).value_or(FileKind::payments);
    r.encoding = st.column_string(4);
    r.sha256 = st.column_string(5);
    r.rows_total = st.column_int(6);
    r.accepted = st.column_int(7);
    r.duplicate = st.column_int(8);
    r.rejected = st.column_int(9);
    r.conflicts = st.column_int(10);
    r.accepted_amount = Money{st.column_int(11)};
    r.duration_ms = st.column_int(12);
    r.revised = st.column_int(13);
    rj.bind(1, r.file_id).bind(2, rejects_per_file);
    while (rj.step()) {
      r.rejects.push_back(Reject{r.name, static_cast<int>(rj.column_int(0)), static_cast<int>(rj.column_int(1)),
                                 rj.column_string(2), rj.column_string(3), rj.column_string(4),
                                 rj.column_int(5) != 0});
    }
    rj.reset();
    if (r.rejected > 0) {
      rc.bind(1, r.file_id);
      while (rc.step()) {
        r.reject_counts.push_back(RejectCount{rc.column_string(0), rc.column_string(1), rc.column_int(2),
                                              static_cast<int>(rc.column_int(3))});
      }
      rc.reset();
    }
    if (r.revised > 0 || r.kind == FileKind::budget) r.revisions = revisions_of_file(db, r.file_id);
    page.files.push_back(std::move(r));
  }
  return page;
}

std::vector<FailedFile> list_failed_files(Database& db, std::int64_t limit) {
  std::vector<FailedFile> out;
  Statement st = db.prepare(
      "SELECT name, source, sha256, error, failed_at FROM failed_files ORDER BY id DESC LIMIT ?");
  st.bind(1, limit);
  while (st.step()) {
    out.push_back(FailedFile{st.column_string(0), st.column_string(1), st.column_string(2), st.column_string(3),
                             st.column_string(4)});
  }
  return out;
}

StoreCounts count_rows(Database& db) {
  StoreCounts c;
  Statement st = db.prepare(
      "SELECT (SELECT count(*) FROM files), (SELECT count(*) FROM budget_lines),"
      " (SELECT count(*) FROM adjustments), (SELECT count(*) FROM payments), (SELECT count(*) FROM rejects)");
  st.step();
  c.files = st.column_int(0);
  c.budget_lines = st.column_int(1);
  c.adjustments = st.column_int(2);
  c.payments = st.column_int(3);
  c.rejects = st.column_int(4);
  return c;
}

std::optional<engine::CivilDate> latest_payment_date(Database& db) {
  // SQLite: the last entry of the B-tree payments_by_date. PostgreSQL: its payments_by_date is a BRIN index,
  // which cannot answer max(); the date is kept per file at ingest (migration 0008).
  Statement st = db.prepare(db.engine() == Engine::postgresql ? "SELECT max(max_pay_date) FROM files"
                                                                : "SELECT max(pay_date) FROM payments");
  if (!st.step() || st.column_is_null(0)) return std::nullopt;
  auto d = engine::parse_date(st.column_text(0));
  if (!d) return std::nullopt;
  return *d;
}

std::vector<int> fiscal_years_with_lines(Database& db) {
  Statement st = db.prepare("SELECT DISTINCT fiscal_year FROM budget_lines ORDER BY fiscal_year");
  std::vector<int> out;
  while (st.step()) out.push_back(static_cast<int>(st.column_int(0)));
  return out;
}

LedgerVersion ledger_version(Database& db) {
  Statement& st = db.cached(
      "SELECT (SELECT coalesce(max(id), 0) FROM files), (SELECT coalesce(max(id), 0) FROM file_reapplications)");
  LedgerVersion v;
  if (st.step()) v = {st.column_int(0), st.column_int(1)};
  st.reset();
  return v;
}

}  // namespace bw::store
