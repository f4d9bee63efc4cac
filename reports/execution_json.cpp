// The execution report's JSON, written once for the tree (execution_report_json and its parts, read
// by the API) and for the text of `report --format json` (execution_report_text: 60,000 lines made
// a tree of ~2.5 million values, most of the JSON report's time).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "reports/execution_report.h"
#include "reports/json_writer.h"
#include "reports/risk.h"

namespace bw::reports {
namespace json = boost::json;
using engine::format_wan;
using engine::Ratio;

namespace {

// A rate as a percent string with two decimals ("91.38"), null when undefined: what pct() gives.
template <class W>
void put_pct(W& w, const std::optional<Ratio>& r) {
  if (r) {
    w.value(engine::format_pct(*r));
  } else {
    w.value(nullptr);
  }
}

// A ratio with four decimals as a string ("0.9138"), like every rate of the JSON (issue 17: a
// double was written by Boost.JSON in exponent form, 9.138E-1).
template <class W>
void put_decimal4(W& w, const std::optional<Ratio>& r) {
  if (r) {
    w.value(engine::format_decimal(*r, 4));
  } else {
    w.value(nullptr);
  }
}

template <class W>
void put_score(W& w, const std::optional<Ratio>& r) {
  if (r) {
    w.value(engine::format_decimal(*r, 2));
  } else {
    w.value(nullptr);
  }
}

template <class W>
void put_amounts(W& w, const engine::Amounts& a) {
  w.begin_object();
  w.key("initial_fen").value(a.initial.fen);
  w.key("adjustment_fen").value(a.adjustment.fen);
  w.key("adjusted_fen").value(a.adjusted.fen);
  w.key("paid_fen").value(a.paid.fen);
  w.key("unspent_fen").value((a.adjusted - a.paid).fen);
  w.key("initial_wan").value(format_wan(a.initial));
  w.key("adjusted_wan").value(format_wan(a.adjusted));
  w.key("paid_wan").value(format_wan(a.paid));
  put_pct(w.key("execution_rate_pct"), a.execution());
  put_pct(w.key("expected_pct"), a.expected());
  put_decimal4(w.key("pace"), a.pace());
  put_pct(w.key("forecast_pct"), a.forecast());
  put_pct(w.key("net_adjustment_rate_pct"), table_adjustment_rate(a));
  w.end_object();
}

template <class W>
void put_bands(W& w, const engine::BandCounts& b) {
  w.begin_object();
  w.key("on_track").value(b.on_track);
  w.key("below_80").value(b.below_80);
  w.key("below_50").value(b.below_50);
  w.key("zero").value(b.zero);
  w.key("no_budget").value(b.no_budget);
  w.end_object();
}

template <class W>
void put_month_ends(W& w, const std::vector<engine::MonthEnd>& ms) {
  w.begin_array();
  for (const auto& m : ms) {
    w.begin_object();
    w.key("date").value(engine::to_iso(m.date));
    w.key("adjusted_fen").value(m.adjusted.fen);
    w.key("paid_fen").value(m.paid.fen);
    put_pct(w.key("execution_rate_pct"), m.execution());
    w.end_object();
  }
  w.end_array();
}

template <class W>
void put_scores(W& w, const engine::Scores& s) {
  w.begin_object();
  put_score(w.key("budget_completion"), s.completion_score);
  put_score(w.key("budget_adjustment"), s.adjustment_score);
  put_score(w.key("spending_balance"), s.balance_score);
  w.end_object();
}

template <class W>
void put_score_details(W& w, const engine::Scores& s, const engine::Policy& p) {
  w.begin_object();
  w.key("budget_completion").begin_object();
  put_pct(w.key("rate_pct"), s.completion_rate);
  put_score(w.key("score"), s.completion_score);
  w.key("max").value(p.completion_points);
  w.key("formula").value("clamp((执行率 - 80%) / 20%, 0, 1) x " +
                         std::to_string(p.completion_points));
  w.end_object();
  w.key("budget_adjustment").begin_object();
  put_pct(w.key("rate_pct"), s.adjustment_rate);
  put_score(w.key("score"), s.adjustment_score);
  w.key("max").value(p.adjustment_points);
  w.key("formula").value("max(0, 1 - 预算调整率) x " + std::to_string(p.adjustment_points));
  w.end_object();
  w.key("spending_balance").begin_object();
  put_pct(w.key("mean_pct"), s.balance_mean);
  put_score(w.key("score"), s.balance_score);
  w.key("max").value(p.balance_points);
  put_month_ends(w.key("checkpoints"), s.balance_checkpoints);
  w.key("formula").value("min(mean of checkpoint execution rates, 100%) x " +
                         std::to_string(p.balance_points));
  w.end_object();
  w.end_object();
}

// A line's members (the caller opens and closes its object: the report adds two).
template <class W>
void put_line_members(W& w, const engine::LineEval& e) {
  w.key("code").value(e.line.code);
  w.key("name").value(e.line.name);
  w.key("unit_code").value(e.line.unit_code);
  w.key("unit_name").value(e.line.unit_name);
  w.key("kind").value(engine::to_string(e.line.kind));
  w.key("initial_fen").value(e.amounts.initial.fen);
  w.key("adjustment_fen").value(e.amounts.adjustment.fen);
  w.key("adjusted_fen").value(e.amounts.adjusted.fen);
  w.key("paid_fen").value(e.amounts.paid.fen);
  w.key("unspent_fen").value((e.amounts.adjusted - e.amounts.paid).fen);
  put_pct(w.key("execution_rate_pct"), e.execution);
  put_pct(w.key("expected_pct"), e.expected);
  put_decimal4(w.key("pace"), e.pace);
  put_pct(w.key("forecast_pct"), e.forecast);
  put_pct(w.key("net_adjustment_rate_pct"), table_adjustment_rate(e.amounts));
  w.key("band").value(engine::to_string(e.band));
  w.key("deadline").value(engine::to_iso(e.deadline));
  w.key("days_to_deadline").value(e.days_to_deadline);
  w.key("available_from").value(engine::to_iso(e.available_from));
  w.key("curve").value(engine::to_string(e.curve));
  w.key("mid_year_new").value(e.mid_year_new);
  w.key("registered").value(e.line.registered);
  w.key("owner").value(e.line.owner);
  w.key("payments").value(e.payments);
  w.key("fiscal_year").value(e.line.fiscal_year);
  w.key("department_code").value(e.line.department_code);
  w.key("department_name").value(e.line.department_name);
  w.key("source").value(engine::to_string(e.source));
  w.key("overspent").value(e.amounts.paid > e.amounts.adjusted);
  // Carry-forward (上年结转): years carried (0: new money) and last year's line of the same code.
  w.key("carry_age").value(e.carry_age);
  if (e.line.carried_from_year != 0) {
    w.key("carried_from").begin_object();
    w.key("fiscal_year").value(e.line.carried_from_year);
    w.key("code").value(e.line.code);
    w.end_object();
  } else {
    w.key("carried_from").value(nullptr);
  }
  if (e.line.deadline) {
    w.key("registered_deadline").value(engine::to_iso(*e.line.deadline));
  } else {
    w.key("registered_deadline").value(nullptr);
  }
}

template <class W>
void put_source_totals(W& w, const engine::Amounts& a, int lines) {
  w.begin_object();
  w.key("lines").value(lines);
  w.key("initial_fen").value(a.initial.fen);
  w.key("adjusted_fen").value(a.adjusted.fen);
  w.key("paid_fen").value(a.paid.fen);
  w.key("unspent_fen").value((a.adjusted - a.paid).fen);
  put_pct(w.key("execution_rate_pct"), a.execution());
  put_pct(w.key("expected_pct"), a.expected());
  w.end_object();
}

template <class W>
void put_department(W& w, const engine::DepartmentEval& d) {
  const engine::Amounts& a = d.rollup.all;
  w.begin_object();
  w.key("code").value(d.code);
  w.key("name").value(d.name);
  w.key("initial_fen").value(a.initial.fen);
  w.key("adjusted_fen").value(a.adjusted.fen);
  w.key("paid_fen").value(a.paid.fen);
  put_pct(w.key("execution_rate_pct"), a.execution());
  put_pct(w.key("expected_pct"), a.expected());
  put_pct(w.key("gap_pp"), gap_of(a.execution(), a.expected()));
  put_bands(w.key("bands"), d.rollup.bands);
  w.key("rank").value(d.rank);
  w.key("lines").value(d.rollup.lines);
  put_source_totals(w.key("carry_forward"), d.rollup.carried_forward,
                    d.rollup.carried_forward_lines);
  put_source_totals(w.key("new_money"), d.rollup.new_money,
                    d.rollup.lines - d.rollup.carried_forward_lines);
  w.end_object();
}

template <class W>
void put_orphans(W& w, const std::vector<engine::OrphanPayments>& os) {
  w.begin_array();
  for (const auto& x : os) {
    w.begin_object();
    w.key("unit_code").value(x.unit_code);
    w.key("unit_name").value(x.unit_name);
    w.key("project_code").value(x.project_code);
    w.key("project_name").value(x.project_name);
    w.key("paid_fen").value(x.paid.fen);
    w.key("payments").value(x.payments);
    w.key("reason").value(x.reason);
    w.end_object();
  }
  w.end_array();
}

template <class W>
void put_unit(W& w, const engine::UnitEval& u) {
  w.begin_object();
  w.key("code").value(u.code);
  w.key("name").value(u.name);
  w.key("lines").value(u.rollup.lines);
  put_amounts(w.key("totals"), u.rollup.all);
  put_amounts(w.key("project_total"), u.rollup.project);
  put_amounts(w.key("basic_total"), u.rollup.basic);
  put_bands(w.key("bands"), u.rollup.bands);
  put_scores(w.key("scores"), u.rollup.scores);
  w.end_object();
}

template <class W>
void put_execution_report(W& w, const engine::Snapshot& s) {
  w.begin_object();
  w.key("as_of").value(engine::to_iso(s.as_of));
  w.key("fiscal_year").value(s.fiscal_year.year());
  put_amounts(w.key("department"), s.department.all);
  put_amounts(w.key("project_total"), s.department.project);
  put_amounts(w.key("basic_total"), s.department.basic);
  w.key("unregistered_paid_fen").value(s.unregistered_paid.fen);
  put_orphans(w.key("unregistered"), s.unregistered);
  w.key("unattributed_paid_fen").value(s.unattributed_paid.fen);
  put_orphans(w.key("unattributed"), s.unattributed);
  put_bands(w.key("bands"), s.department.bands);
  put_pct(w.key("adjustment_rate_pct"), s.department.scores.adjustment_rate);
  put_scores(w.key("scores"), s.department.scores);
  put_score_details(w.key("score_details"), s.department.scores, s.policy);
  put_month_ends(w.key("month_ends"), s.department.month_ends);
  put_source_totals(w.key("carry_forward"), s.department.carried_forward,
                    s.department.carried_forward_lines);
  put_source_totals(w.key("new_money"), s.department.new_money,
                    s.department.lines - s.department.carried_forward_lines);
  w.key("departments").begin_array();
  for (const auto& d : s.departments) put_department(w, d);
  w.end_array();
  w.key("units").begin_array();
  for (const auto& u : s.units) put_unit(w, u);
  w.end_array();
  // Lines stay in register order (a contract); risk_rank is their place in the other formats' order
  // (1 = most behind 序时进度), display_name the name those formats show.
  std::vector<std::size_t> rank(s.lines.size());
  std::size_t place = 0;
  for (const engine::LineEval* e : lines_by_risk(s))
    rank[static_cast<std::size_t>(e - s.lines.data())] = ++place;
  w.key("lines").begin_array();
  for (const auto& e : s.lines) {
    w.begin_object();
    put_line_members(w, e);
    w.key("risk_rank").value(rank[static_cast<std::size_t>(&e - s.lines.data())]);
    w.key("display_name").value(line_display_name(s, e, Lang::zh));
    w.end_object();
  }
  w.end_array();
  w.end_object();
}

template <class F>
json::object tree_object(F&& put) {
  JsonTree w;
  put(w);
  return std::move(w.result.get_object());
}

template <class F>
json::array tree_array(F&& put) {
  JsonTree w;
  put(w);
  return std::move(w.result.get_array());
}

}  // namespace

json::object amounts_json(const engine::Amounts& a) {
  return tree_object([&](JsonTree& w) { put_amounts(w, a); });
}

json::object bands_json(const engine::BandCounts& b) {
  return tree_object([&](JsonTree& w) { put_bands(w, b); });
}

json::array month_ends_json(const std::vector<engine::MonthEnd>& ms) {
  return tree_array([&](JsonTree& w) { put_month_ends(w, ms); });
}

json::object scores_json(const engine::Scores& s) {
  return tree_object([&](JsonTree& w) { put_scores(w, s); });
}

json::object score_details_json(const engine::Scores& s, const engine::Policy& p) {
  return tree_object([&](JsonTree& w) { put_score_details(w, s, p); });
}

json::object line_json(const engine::LineEval& e) {
  return tree_object([&](JsonTree& w) {
    w.begin_object();
    put_line_members(w, e);
    w.end_object();
  });
}

json::object source_totals_json(const engine::Amounts& a, int lines) {
  return tree_object([&](JsonTree& w) { put_source_totals(w, a, lines); });
}

json::object department_json(const engine::DepartmentEval& d) {
  return tree_object([&](JsonTree& w) { put_department(w, d); });
}

json::array orphans_json(const std::vector<engine::OrphanPayments>& os) {
  return tree_array([&](JsonTree& w) { put_orphans(w, os); });
}

json::object unit_json(const engine::UnitEval& u) {
  return tree_object([&](JsonTree& w) { put_unit(w, u); });
}

json::value execution_report_json(const engine::Snapshot& s) {
  JsonTree w;
  put_execution_report(w, s);
  return std::move(w.result);
}

void write_execution_report_json(const engine::Snapshot& s, TextSink& sink) {
  // About 1 KB a line: reserved when the sink keeps the whole text, so it is not copied while it
  // grows.
  if (!sink.streaming())
    sink.text().reserve(sink.text().size() + (1 << 16) + s.lines.size() * 1200);
  JsonText w(sink);
  put_execution_report(w, s);
  sink.text() += '\n';
}

std::string execution_report_text(const engine::Snapshot& s) {
  TextSink sink;
  write_execution_report_json(s, sink);
  return sink.take();
}

}  // namespace bw::reports
