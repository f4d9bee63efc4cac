#include "engine/snapshot.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string_view>

#include "engine/schedule.h"

namespace bw::engine {
namespace {

constexpr std::string_view issued_marker = "下达";

// The name of a line known only from its adjustments: "年中新增项目：下达<name>" → <name>.
std::string name_from_note(const Adjustment& a) {
  const auto pos = a.note.find(issued_marker);
  if (pos != std::string::npos && pos + issued_marker.size() < a.note.size()) {
    return a.note.substr(pos + issued_marker.size());
  }
  return a.note.empty() ? a.project_code : a.note;
}

// amount × share, rounded half away from zero to fen.
Money apply_share(Money amount, const Ratio& share) {
  const Ratio r{static_cast<int128>(amount.fen) * share.num, share.den};
  return Money{static_cast<std::int64_t>(round_scaled(r, 0))};
}

// Share of a unit's annual payments normally made by the end of day d, from earlier years; nullopt
// without history.
std::optional<Ratio> history_share(const Inputs& in, const std::string& unit, CivilDate d) {
  auto it = in.history_cumulative.find(unit);
  if (it == in.history_cumulative.end()) return std::nullopt;
  const auto& cum = it->second;
  const Money annual = cum[11];
  if (annual.fen <= 0) return std::nullopt;
  const int i = in.fiscal_year.month_index(d);
  if (i < 0) return Ratio{0, 1};
  if (i > 11) return Ratio{1, 1};
  const int128 prev = i == 0 ? 0 : cum[static_cast<std::size_t>(i - 1)].fen;
  const int128 next = cum[static_cast<std::size_t>(i)].fen;
  const int dim = static_cast<int>(static_cast<unsigned>(month_end(d).day()));
  const int day = static_cast<int>(static_cast<unsigned>(d.day()));
  return Ratio{prev * dim + (next - prev) * day, static_cast<int128>(annual.fen) * dim};
}

struct LineWork {
  std::vector<const Adjustment*> adjustments;  // sorted by date
  std::array<Money, 12> month_paid{};
  std::array<std::int64_t, 12> month_count{};
  std::int64_t payments = 0;
};

void evaluate_line(const Inputs& in, CivilDate as_of, const Policy& policy, int month_ends,
                   const LineWork& work, LineEval& e) {
  const FiscalYear& fy = in.fiscal_year;
  const BudgetLine& line = e.line;

  // Budget in force: initial + adjustments dated on or before the day (DESIGN §5).
  Money adjustment;
  std::optional<CivilDate> available;
  if (line.initial.fen > 0) available = fy.first_day();
  Money running = line.initial;
  for (const Adjustment* a : work.adjustments) {
    running += a->amount;
    if (!available && running.fen > 0) available = std::max(a->date, fy.first_day());
    if (a->date <= as_of) adjustment += a->amount;
  }
  e.mid_year_new = line.initial.is_zero() && !work.adjustments.empty();
  e.available_from = available.value_or(fy.first_day());
  e.deadline = line.deadline.value_or(fy.last_day());
  if (e.deadline > fy.last_day() &&
      policy.deadline_after_year_end == DeadlineAfterYearEnd::fiscal_year_end) {
    e.deadline = fy.last_day();  // a cross-year project: this year's money is due by the year's end
  }
  e.curve = curve_for(policy, line).kind;
  e.payments = work.payments;
  e.month_ends = month_ends;
  e.month_paid = work.month_paid;
  e.month_payments = work.month_count;

  const int last_month = std::min(fy.month_index(as_of), 11);
  Money paid;
  for (int i = 0; i <= last_month; ++i) {
    paid += work.month_paid[static_cast<std::size_t>(i)];
    if (i < month_ends) {
      e.month_end_paid[static_cast<std::size_t>(i)] = paid;
      Money in_force = line.initial;
      const CivilDate end = fy.month_end(i);
      for (const Adjustment* a : work.adjustments) {
        if (a->date <= end) in_force += a->amount;
      }
      e.month_end_adjusted[static_cast<std::size_t>(i)] = in_force;
    }
  }

  Amounts& m = e.amounts;
  m.initial = line.initial;
  m.adjustment = adjustment;
  m.abs_adjustment = abs(adjustment);
  m.adjusted = line.initial + adjustment;
  m.paid = paid;

  const Span span{e.available_from, e.deadline};
  const Ratio expected = expected_share(curve_for(policy, line), fy, span, as_of);
  e.expected = expected;
  const bool has_budget = m.adjusted.fen > 0;
  if (has_budget) {
    m.expected_paid = apply_share(m.adjusted, expected);
    e.execution = Ratio{paid.fen, m.adjusted.fen};
    if (expected.num > 0) {
      e.pace = Ratio{static_cast<int128>(paid.fen) * expected.den,
                     static_cast<int128>(m.adjusted.fen) * expected.num};
    }
  }
  e.band = band_of(e.execution, policy);
  e.days_to_deadline = days_between(as_of, e.deadline);

  // Year-end forecast: what is paid, grown by the share of the year's payments normally made by now
  // (the unit's history, else the line's curve); never more than the budget unless already spent.
  const Money ceiling = std::max(m.adjusted, paid);
  if (as_of >= e.deadline) {
    m.forecast_paid = paid;
  } else {
    const Ratio share = history_share(in, line.unit_code, as_of).value_or(expected);
    if (share.num <= 0) {
      m.forecast_paid = ceiling;  // nothing is due yet: assume the plan holds
    } else {
      const Ratio grown{static_cast<int128>(paid.fen) * share.den, share.num};
      m.forecast_paid = std::min(Money{static_cast<std::int64_t>(round_scaled(grown, 0))}, ceiling);
    }
  }
  if (has_budget) e.forecast = Ratio{m.forecast_paid.fen, m.adjusted.fen};
}

void add_to_rollup(Rollup& r, const LineEval& e) {
  r.all += e.amounts;
  (e.line.kind == LineKind::basic ? r.basic : r.project) += e.amounts;
  if (e.line.kind == LineKind::project) r.bands.add(e.band);
  ++r.lines;
  if (e.source == LineSource::carried_forward) {
    r.carried_forward += e.amounts;
    ++r.carried_forward_lines;
  } else {
    r.new_money += e.amounts;
  }
  if (r.month_ends.size() < static_cast<std::size_t>(e.month_ends)) {
    r.month_ends.resize(static_cast<std::size_t>(e.month_ends));
  }
  for (int i = 0; i < e.month_ends; ++i) {
    MonthEnd& me = r.month_ends[static_cast<std::size_t>(i)];
    me.adjusted += e.month_end_adjusted[static_cast<std::size_t>(i)];
    me.paid += e.month_end_paid[static_cast<std::size_t>(i)];
  }
}

void finish_rollup(Rollup& r, const FiscalYear& fy, int month_ends, const Policy& policy) {
  r.month_ends.resize(static_cast<std::size_t>(month_ends));
  for (int i = 0; i < month_ends; ++i)
    r.month_ends[static_cast<std::size_t>(i)].date = fy.month_end(i);
  r.scores = compute_scores(r.all, r.month_ends, policy);
}

// The department of each line: the register's, else the first N digits of its unit code (policy),
// else the department another line of the same unit has, else the configured one (code "" by
// default: the one department of the database). A name missing for a code comes from another line
// of that department, else from a unit whose code is the department's (the 一级预算单位 itself),
// else from the config when the code is the configured one's.
void assign_departments(const Policy& policy, std::vector<LineEval>& lines) {
  std::map<std::string, std::pair<std::string, std::string>> of_unit;
  std::map<std::string, std::string> names;
  std::map<std::string, std::string> unit_names;
  for (const LineEval& e : lines) {
    unit_names.try_emplace(e.line.unit_code, e.line.unit_name);
    if (e.line.department_code.empty()) continue;
    of_unit.try_emplace(e.line.unit_code, e.line.department_code, e.line.department_name);
    if (!e.line.department_name.empty())
      names.try_emplace(e.line.department_code, e.line.department_name);
  }
  const auto digits = static_cast<std::size_t>(std::max(policy.department_unit_code_digits, 0));
  for (LineEval& e : lines) {
    BudgetLine& l = e.line;
    if (l.department_code.empty()) {
      if (digits > 0 && l.unit_code.size() >= digits) {
        l.department_code = l.unit_code.substr(0, digits);
      } else if (auto it = of_unit.find(l.unit_code); it != of_unit.end()) {
        l.department_code = it->second.first;
        l.department_name = it->second.second;
      } else {
        l.department_code = policy.single_department_code;
      }
    }
    if (l.department_name.empty() && !l.department_code.empty()) {
      if (auto it = names.find(l.department_code); it != names.end()) {
        l.department_name = it->second;
      } else if (auto u = unit_names.find(l.department_code); u != unit_names.end()) {
        l.department_name = u->second;
      }
    }
    if (l.department_name.empty() && l.department_code == policy.single_department_code) {
      l.department_name = policy.single_department_name;
    }
  }
}

// Ranks by execution rate, highest first; equal rates share a rank; no budget in force comes last.
void rank_departments(std::vector<DepartmentEval>& ds) {
  std::vector<std::size_t> order(ds.size());
  for (std::size_t i = 0; i < ds.size(); ++i) order[i] = i;
  auto rate = [&](std::size_t i) { return ds[i].rollup.all.execution(); };
  auto higher = [&](std::size_t a, std::size_t b) {
    const auto ra = rate(a);
    const auto rb = rate(b);
    if (ra.has_value() != rb.has_value()) return ra.has_value();
    if (ra && !(*ra == *rb)) return *rb < *ra;
    return ds[a].code < ds[b].code;
  };
  std::stable_sort(order.begin(), order.end(), higher);
  for (std::size_t k = 0; k < order.size(); ++k) {
    const bool tie = k > 0 && rate(order[k]).has_value() == rate(order[k - 1]).has_value() &&
                     (!rate(order[k]) || *rate(order[k]) == *rate(order[k - 1]));
    ds[order[k]].rank = tie ? ds[order[k - 1]].rank : static_cast<int>(k) + 1;
  }
}

}  // namespace

const DepartmentEval* Snapshot::find_department(std::string_view code) const {
  auto it =
      std::lower_bound(departments.begin(), departments.end(), code,
                       [](const DepartmentEval& d, std::string_view c) { return d.code < c; });
  if (it == departments.end() || it->code != code) return nullptr;
  return &*it;
}

const LineEval* Snapshot::find_line(std::string_view code) const {
  auto it =
      std::lower_bound(by_code.begin(), by_code.end(), code,
                       [&](std::size_t i, std::string_view c) { return lines[i].line.code < c; });
  if (it == by_code.end() || lines[*it].line.code != code) return nullptr;
  return &lines[*it];
}

const UnitEval* Snapshot::find_unit(std::string_view code) const {
  auto it = std::lower_bound(units.begin(), units.end(), code,
                             [](const UnitEval& u, std::string_view c) { return u.code < c; });
  if (it == units.end() || it->code != code) return nullptr;
  return &*it;
}

namespace {

// The snapshot's lines by code: open addressing over the lines' own codes (no key copies, no nodes;
// std::unordered_map<std::string, …> was 5-7% of a 60,000-line report, in its node allocations and
// cache misses). Holds indices, so the lines may move while it is used.
class LineIndex {
 public:
  LineIndex(const std::vector<LineEval>& lines, std::size_t expected) : lines_(lines) {
    slots_.assign(std::bit_ceil(std::max<std::size_t>(16, expected * 2)), 0);
  }
  std::optional<std::size_t> find(std::string_view code) const {
    const std::size_t mask = slots_.size() - 1;
    const std::uint64_t h = std::hash<std::string_view>{}(code);
    for (std::size_t i = h & mask;; i = (i + 1) & mask) {
      const std::uint64_t slot = slots_[i];
      if (slot == 0) return std::nullopt;
      // The hash's high half is kept in the slot: another code is told apart without reading its
      // line (1 KB apart: a cache miss each).
      if ((slot >> 32) == (h >> 32) && lines_[(slot & 0xffffffffU) - 1].line.code == code) {
        return (slot & 0xffffffffU) - 1;
      }
    }
  }
  bool contains(std::string_view code) const { return find(code).has_value(); }
  /// Indexes line i (its code not yet indexed).
  void add(std::size_t i) {
    if ((++count_) * 2 > slots_.size()) {
      std::vector<std::uint64_t> old(slots_.size() * 2, 0);
      old.swap(slots_);
      for (const std::uint64_t slot : old) {
        if (slot != 0) place(slot & 0xffffffffU);
      }
    }
    place(i + 1);
  }

 private:
  // slot: the hash's high 32 bits, then line index + 1 (0 = empty).
  void place(std::uint64_t index1) {
    const std::size_t mask = slots_.size() - 1;
    const std::uint64_t h = std::hash<std::string_view>{}(lines_[index1 - 1].line.code);
    std::size_t i = h & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = (h >> 32 << 32) | index1;
  }

  const std::vector<LineEval>& lines_;
  std::vector<std::uint64_t> slots_;
  std::size_t count_ = 0;
};

// `take`: the inputs' own lines (in.lines), moved into the snapshot rather than copied.
Snapshot evaluate_inputs(const Inputs& in, std::vector<BudgetLine>* take, CivilDate as_of,
                         const Policy& policy) {
  Snapshot s;
  s.as_of = as_of;
  s.fiscal_year = in.fiscal_year;
  s.policy = policy;
  const FiscalYear& fy = in.fiscal_year;
  int month_ends = 0;
  for (int i = 0; i < 12; ++i) {
    if (fy.month_end(i) <= as_of) month_ends = i + 1;
  }

  // Lines: the register, then codes known only from adjustments (mid-year new projects).
  LineIndex index(s.lines, in.lines.size());
  s.lines.reserve(in.lines.size());
  for (std::size_t k = 0; k < in.lines.size(); ++k) {
    const BudgetLine& l = in.lines[k];
    if (index.contains(l.code)) continue;
    if (take != nullptr) {
      s.lines.emplace_back().line = std::move((*take)[k]);
    } else {
      s.lines.emplace_back().line = l;
    }
    index.add(s.lines.size() - 1);
  }
  std::vector<const Adjustment*> adjustments;
  adjustments.reserve(in.adjustments.size());
  for (const Adjustment& a : in.adjustments) adjustments.push_back(&a);
  std::stable_sort(adjustments.begin(), adjustments.end(),
                   [](const Adjustment* a, const Adjustment* b) { return a->date < b->date; });
  for (const Adjustment* a : adjustments) {
    if (index.contains(a->project_code)) continue;
    BudgetLine l;
    l.code = a->project_code;
    l.name = name_from_note(*a);
    l.kind = LineKind::project;
    l.registered = false;
    s.lines.emplace_back().line = std::move(l);
    index.add(s.lines.size() - 1);
  }
  std::vector<LineWork> work(s.lines.size());
  for (const Adjustment* a : adjustments) work[*index.find(a->project_code)].adjustments.push_back(a);

  // Payments: by code; blank codes to the unit's only basic line; the rest are orphans.
  std::map<std::string, std::vector<std::size_t>> basic_lines;
  for (std::size_t i = 0; i < s.lines.size(); ++i) {
    if (s.lines[i].line.kind == LineKind::basic)
      basic_lines[s.lines[i].line.unit_code].push_back(i);
  }
  const int last_month = std::min(fy.month_index(as_of), 11);
  for (const PaymentSeries& p : in.payments) {
    std::optional<std::size_t> target;
    std::string reason;
    if (!p.project_code.empty()) {
      if (const auto i = index.find(p.project_code)) {
        target = *i;
      } else {
        reason = "not in the budget register or adjustments";
      }
    } else {
      auto it = basic_lines.find(p.unit_code);
      const std::size_t n = it == basic_lines.end() ? 0 : it->second.size();
      if (n == 1) {
        target = it->second.front();
      } else if (n == 0) {
        reason = "unit " + p.unit_code + " has no basic-expenditure line";
      } else {
        reason = "unit " + p.unit_code + " has " + std::to_string(n) + " basic-expenditure lines";
      }
    }
    Money paid;
    std::int64_t count = 0;
    for (int i = 0; i <= last_month && i < 12; ++i) {
      paid += p.month_paid[static_cast<std::size_t>(i)];
      count += p.month_count[static_cast<std::size_t>(i)];
    }
    if (target) {
      LineWork& w = work[*target];
      for (int i = 0; i <= last_month && i < 12; ++i) {
        w.month_paid[static_cast<std::size_t>(i)] += p.month_paid[static_cast<std::size_t>(i)];
        w.month_count[static_cast<std::size_t>(i)] += p.month_count[static_cast<std::size_t>(i)];
      }
      w.payments += count;
      BudgetLine& l = s.lines[*target].line;
      if (!l.registered) {
        if (l.unit_code.empty()) l.unit_code = p.unit_code;
        if (l.unit_name.empty()) l.unit_name = p.unit_name;
        if (!p.project_name.empty()) l.name = p.project_name;
      }
      continue;
    }
    OrphanPayments o{p.unit_code, p.unit_name, p.project_code, p.project_name, paid, count, reason};
    if (p.project_code.empty()) {
      s.unattributed_paid += paid;
      s.unattributed.push_back(std::move(o));
    } else {
      s.unregistered_paid += paid;
      s.unregistered.push_back(std::move(o));
    }
  }

  for (std::size_t i = 0; i < s.lines.size(); ++i) {
    LineEval& e = s.lines[i];
    evaluate_line(in, as_of, policy, month_ends, work[i], e);
    // 指标来源: the register's word, else a mid-year new project is 年中新增 (DESIGN §4).
    e.source = e.line.source.value_or(e.mid_year_new || !e.line.registered ? LineSource::mid_year
                                                                           : LineSource::initial);
    if (e.source == LineSource::carried_forward) e.carry_age = std::max(e.line.carry_age, 1);
    if (e.line.fiscal_year == 0) e.line.fiscal_year = fy.year();
  }

  assign_departments(policy, s.lines);

  // Roll-ups: units and departments by code, and the department total (everything in scope).
  std::map<std::string, UnitEval> units;
  std::map<std::string, DepartmentEval> departments;
  for (const LineEval& e : s.lines) {
    add_to_rollup(s.department, e);
    UnitEval& u = units[e.line.unit_code];
    u.code = e.line.unit_code;
    if (u.name.empty()) u.name = e.line.unit_name;
    add_to_rollup(u.rollup, e);
    DepartmentEval& d = departments[e.line.department_code];
    d.code = e.line.department_code;
    if (d.name.empty()) d.name = e.line.department_name;
    add_to_rollup(d.rollup, e);
  }
  if (departments.empty())
    departments[""];  // a database without lines still has its one department
  finish_rollup(s.department, fy, month_ends, policy);
  s.units.reserve(units.size());
  for (auto& [code, u] : units) {
    finish_rollup(u.rollup, fy, month_ends, policy);
    s.units.push_back(std::move(u));
  }
  s.departments.reserve(departments.size());
  for (auto& [code, d] : departments) {
    finish_rollup(d.rollup, fy, month_ends, policy);
    s.departments.push_back(std::move(d));
  }
  rank_departments(s.departments);

  s.by_code.resize(s.lines.size());
  for (std::size_t i = 0; i < s.lines.size(); ++i) s.by_code[i] = i;
  std::sort(s.by_code.begin(), s.by_code.end(), [&](std::size_t a, std::size_t b) {
    return s.lines[a].line.code < s.lines[b].line.code;
  });
  return s;
}

}  // namespace

Snapshot evaluate(const Inputs& in, CivilDate as_of, const Policy& policy) {
  return evaluate_inputs(in, nullptr, as_of, policy);
}

Snapshot evaluate(Inputs&& in, CivilDate as_of, const Policy& policy) {
  return evaluate_inputs(in, &in.lines, as_of, policy);
}

Inputs filter_unit(const Inputs& in, std::string_view unit_code) {
  Inputs out;
  out.fiscal_year = in.fiscal_year;
  std::set<std::string, std::less<>> codes;
  std::set<std::string, std::less<>> registered;
  for (const BudgetLine& l : in.lines) {
    registered.insert(l.code);
    if (l.unit_code == unit_code) {
      out.lines.push_back(l);
      codes.insert(l.code);
    }
  }
  for (const PaymentSeries& p : in.payments) {
    if (p.unit_code != unit_code) continue;
    out.payments.push_back(p);
    if (!registered.contains(p.project_code)) codes.insert(p.project_code);
  }
  for (const Adjustment& a : in.adjustments) {
    if (codes.contains(a.project_code)) out.adjustments.push_back(a);
  }
  if (auto it = in.history_cumulative.find(std::string(unit_code));
      it != in.history_cumulative.end()) {
    out.history_cumulative.insert(*it);
  }
  return out;
}

}  // namespace bw::engine
