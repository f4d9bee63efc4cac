#include "alerts/rules.h"

#include <algorithm>

#include "engine/money.h"
#include "engine/ratio.h"
#include "engine/utf8.h"

namespace bw::alerts {
namespace {

using engine::CivilDate;
using engine::LineEval;
using engine::Ratio;

// "12.34%" → "12.34"
std::string pct(const Ratio& r) {
  std::string s = engine::format_pct(r);
  if (!s.empty() && s.back() == '%') s.pop_back();
  return s;
}

// The date of a month-day in the fiscal year (a fiscal year starting in April puts 03-31 in the next
// calendar year).
CivilDate in_fiscal_year(const engine::FiscalYear& fy, std::pair<unsigned, unsigned> md) {
  const CivilDate first = fy.first_day();
  const int y = static_cast<int>(first.year());
  CivilDate d = engine::make_date(y, md.first, std::min(md.second, 28u));
  // Clamp 02-29 in a common year to the month's last day.
  d = std::chrono::year_month_day{std::chrono::year{y}, std::chrono::month{md.first},
                                  std::chrono::day{md.second}}
                  .ok()
          ? engine::make_date(y, md.first, md.second)
          : engine::month_end(d);
  if (d < first) {
    const auto next = std::chrono::year_month_day{std::chrono::year{y + 1}, std::chrono::month{md.first},
                                                  std::chrono::day{md.second}};
    d = next.ok() ? engine::make_date(y + 1, md.first, md.second)
                  : engine::month_end(engine::make_date(y + 1, md.first, 1));
  }
  return d;
}

// `source:` (指标来源: new_money is initial or mid_year) and `min_age:` (carry-forward lines carried for at
// least that many years) selectors (issue 14).
bool selected_source(const config::RuleConfig& r, const LineEval& l) {
  const bool carried = l.source == engine::LineSource::carried_forward;
  if (!r.sources.empty() && std::none_of(r.sources.begin(), r.sources.end(), [&](const std::string& s) {
        return s == engine::source_key(l.source) || (s == "new_money" && !carried);
      }))
    return false;
  if (r.min_age > 0 && (!carried || l.carry_age < r.min_age)) return false;
  return true;
}

bool selected(const config::RuleConfig& r, const LineEval& l) {
  const std::string kind = engine::to_string(l.line.kind);
  if (!r.line_kinds.empty() &&
      std::find(r.line_kinds.begin(), r.line_kinds.end(), kind) == r.line_kinds.end())
    return false;
  if (!r.units.empty() &&
      std::find(r.units.begin(), r.units.end(), l.line.unit_code) == r.units.end())
    return false;
  if (!r.tags.empty() && std::none_of(r.tags.begin(), r.tags.end(), [&](const std::string& t) {
        return std::find(l.line.tags.begin(), l.line.tags.end(), t) != l.line.tags.end();
      }))
    return false;
  if (!selected_source(r, l)) return false;
  return true;
}

engine::Money unspent(const LineEval& l) { return l.amounts.adjusted - l.amounts.paid; }

void line_figures(const engine::Snapshot& snap, const LineEval& l, std::map<std::string, std::string>& an) {
  an["as_of"] = engine::to_iso(snap.as_of);
  an["adjusted_fen"] = std::to_string(l.amounts.adjusted.fen);
  an["paid_fen"] = std::to_string(l.amounts.paid.fen);
  an["unspent_fen"] = std::to_string(unspent(l).fen);
  an["unspent_wan"] = engine::format_wan(unspent(l));
  an["deadline"] = engine::to_iso(l.deadline);
  an["days_left"] = std::to_string(l.days_to_deadline);
  if (l.line.carried_from_year != 0) an["carried_from_year"] = std::to_string(l.line.carried_from_year);
  for (const char* k : {"execution_pct", "expected_pct", "pace_pct", "forecast_pct", "gap_pp"}) an.erase(k);
  if (l.execution) an["execution_pct"] = pct(*l.execution);
  if (l.expected) an["expected_pct"] = pct(*l.expected);
  if (l.pace) an["pace_pct"] = pct(*l.pace);
  if (l.forecast) an["forecast_pct"] = pct(*l.forecast);
  if (l.execution && l.expected) {
    const Ratio& x = *l.execution;
    const Ratio& e = *l.expected;
    const auto gap = Ratio::of(e.num * x.den - x.num * e.den, e.den * x.den);
    if (gap) an["gap_pp"] = pct(*gap);
  }
}

Candidate line_candidate(const config::RuleConfig& r, const engine::Snapshot& snap,
                         const LineEval& l) {
  Candidate c;
  c.rule = r.name;
  c.kind = to_string(r.kind);
  c.severity = r.severity;
  c.pending_for = r.pending_for;
  c.subject = l.line.code;
  c.fingerprint = line_fingerprint(r.name, snap.fiscal_year.year(), l.line.code);
  auto& lb = c.labels;
  lb["alertname"] = r.name;
  lb["fiscal_year"] = std::to_string(snap.fiscal_year.year());
  lb["severity"] = to_string(r.severity);
  lb["rule_kind"] = to_string(r.kind);
  lb["subject"] = l.line.code;
  lb["project_code"] = l.line.code;
  lb["project_name"] = l.line.name;
  lb["unit"] = l.line.unit_code;
  lb["unit_name"] = l.line.unit_name;
  lb["department"] = l.line.department_code;  // routes send a department's alerts to its contact
  lb["department_name"] = l.line.department_name;
  lb["line_kind"] = engine::to_string(l.line.kind);
  lb["owner"] = l.line.owner;
  lb["owner_email"] = l.line.owner_email;
  std::string tags;
  for (const auto& t : l.line.tags) tags += (tags.empty() ? "" : ",") + t;
  lb["tags"] = tags;
  // 指标来源 and a carry-forward line's age: routes can send carry-forward money elsewhere (issue 14). Not
  // `source`, which names the data source of stale_source and ingest_failed alerts.
  lb["line_source"] = engine::source_key(l.source);
  if (l.carry_age > 0) lb["carry_age"] = std::to_string(l.carry_age);
  for (const auto& [k, v] : r.labels) lb[k] = v;
  c.annotations["threshold_pct"] = pct(*Ratio::of(r.threshold_bp, 10000));
  line_figures(snap, l, c.annotations);
  return c;
}

// execution < threshold_bp / 10000, exactly
bool below(const std::optional<Ratio>& r, int threshold_bp) {
  return r && *r < *Ratio::of(threshold_bp, 10000);
}

bool below_threshold(const config::RuleConfig& r, const engine::Snapshot& s, const LineEval& l) {
  if (l.amounts.adjusted.fen <= 0 || !l.execution) return false;
  bool applies = false;
  if (!r.checkpoints.empty() && s.as_of >= in_fiscal_year(s.fiscal_year, r.checkpoints.front()))
    applies = true;
  if (r.at_deadline && s.as_of >= l.deadline) applies = true;
  return applies && below(l.execution, r.threshold_bp);
}

bool pace_below(const config::RuleConfig& r, const engine::Snapshot& s, const LineEval& l) {
  if (l.amounts.adjusted.fen <= 0 || !l.pace || !l.expected || l.expected->num <= 0) return false;
  if (engine::days_between(l.available_from, s.as_of) < r.grace_days) return false;
  return below(l.pace, r.threshold_bp);
}

// The day by which a line must have paid something (no_spending): `by` in the fiscal year, or grace_days
// after the line came into force when that is later (a mid-year line).
CivilDate spend_by(const config::RuleConfig& r, const engine::Snapshot& s, const LineEval& l) {
  CivilDate due = in_fiscal_year(s.fiscal_year, r.by);
  const CivilDate after_grace = engine::add_days(l.available_from, r.grace_days);
  if (after_grace > due) due = after_grace;
  return due;
}

// Nothing paid by the day (issue 17): a finding about the first half of the year, so it holds for the
// rest of the fiscal year, and a payment in December does not "resolve" it. Payments are summed per
// month, so "by the day" is "by the end of its month" (exact for the default 06-30); while that month
// is not over, what is paid so far.
bool no_spending(const config::RuleConfig& r, const engine::Snapshot& s, const LineEval& l) {
  if (l.amounts.adjusted.fen <= 0) return false;
  const CivilDate due = spend_by(r, s, l);
  if (s.as_of < due) return false;
  const int month = s.fiscal_year.month_index(due);
  const engine::Money paid = month >= 0 && month < l.month_ends
                                 ? l.month_end_paid[static_cast<std::size_t>(month)]
                                 : l.amounts.paid;
  return paid.fen <= 0;
}

bool deadline_near(const config::RuleConfig& r, const engine::Snapshot&, const LineEval& l) {
  if (l.amounts.adjusted.fen <= 0 || l.amounts.paid >= l.amounts.adjusted) return false;
  return l.days_to_deadline >= 0 && l.days_to_deadline <= r.within_days;
}

bool overspend(const config::RuleConfig&, const engine::Snapshot&, const LineEval& l) {
  return l.amounts.paid.fen > 0 && l.amounts.paid > l.amounts.adjusted;
}

}  // namespace

void refresh_figures(const engine::Snapshot& snap, const std::string& project_code,
                     std::map<std::string, std::string>& annotations) {
  if (const LineEval* l = snap.find_line(project_code)) line_figures(snap, *l, annotations);
}

std::string fingerprint(std::string_view rule, std::string_view subject) {
  std::uint64_t h = 1469598103934665603ull;
  auto mix = [&](std::string_view s) {
    for (unsigned char ch : s) {
      h ^= ch;
      h *= 1099511628211ull;
    }
  };
  mix(rule);
  mix(std::string_view("\x1f", 1));
  mix(subject);
  static const char* hex = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, h >>= 4) out[static_cast<std::size_t>(i)] = hex[h & 0xf];
  return out;
}

std::string line_fingerprint(std::string_view rule, int fiscal_year, std::string_view subject) {
  return fingerprint(rule, std::to_string(fiscal_year) + "/" + std::string(subject));
}

Severity parse_severity(std::string_view s) {
  return config::from_string<Severity>(s).value_or(Severity::warning);
}

namespace {

using LineCondition = bool (*)(const config::RuleConfig&, const engine::Snapshot&, const LineEval&);

// The condition of a rule over one budget line; null for the kinds that watch something else.
LineCondition line_condition(config::RuleKind k) {
  switch (k) {
    case config::RuleKind::below_threshold:
      return below_threshold;
    case config::RuleKind::pace_below:
      return pace_below;
    case config::RuleKind::no_spending:
      return no_spending;
    case config::RuleKind::deadline_near:
      return deadline_near;
    case config::RuleKind::overspend:
      return overspend;
    default:
      return nullptr;
  }
}

}  // namespace

std::vector<Candidate> evaluate_rules(const engine::Snapshot& snap,
                                      const std::vector<config::RuleConfig>& rules,
                                      const RuleContext& ctx) {
  std::vector<Candidate> out;
  for (const config::RuleConfig& r : rules) {
    switch (r.kind) {
    case config::RuleKind::stale_source: {
      for (const SourceFreshness& src : ctx.sources) {
        const std::int64_t since = src.last_file_at.value_or(src.watched_since);
        if (ctx.now - since < r.stale_after.count()) continue;
        Candidate c;
        c.rule = r.name;
        c.kind = to_string(r.kind);
        c.severity = r.severity;
        c.pending_for = r.pending_for;
        c.subject = "source:" + src.name;
        c.fingerprint = fingerprint(r.name, c.subject);
        c.labels = {{"alertname", r.name}, {"severity", std::string(to_string(r.severity))},
                    {"rule_kind", std::string(to_string(r.kind))},
                    {"subject", c.subject},  {"source", src.name}};
        for (const auto& [k, v] : r.labels) c.labels[k] = v;
        c.annotations["as_of"] = engine::to_iso(snap.as_of);
        c.annotations["stale_hours"] = std::to_string((ctx.now - since) / 3600);
        c.annotations["last_file_at"] =
            src.last_file_at ? std::to_string(*src.last_file_at) : std::string("never");
        out.push_back(std::move(c));
      }
      continue;
    }
    case config::RuleKind::ingest_failed: {
      // One alert per failed file (source and name) while its failure is at most within_days old; it
      // resolves when that window has passed (a failure stays a fact: a corrected file does not undo it).
      for (const FailedIngest& f : ctx.failed_ingests) {
        if (f.failed_at > ctx.now || ctx.now - f.failed_at > std::int64_t{r.within_days} * 86400) continue;
        Candidate c;
        c.rule = r.name;
        c.kind = to_string(r.kind);
        c.severity = r.severity;
        c.pending_for = r.pending_for;
        c.subject = "file:" + f.source + "/" + f.name;
        c.fingerprint = fingerprint(r.name, c.subject);
        c.labels = {{"alertname", r.name}, {"severity", std::string(to_string(r.severity))},
                    {"rule_kind", std::string(to_string(r.kind))},
                    {"subject", c.subject},  {"source", f.source},     {"file", f.name}};
        for (const auto& [k, v] : r.labels) c.labels[k] = v;
        c.annotations["as_of"] = engine::to_iso(snap.as_of);
        c.annotations["error"] = f.error;
        c.annotations["failed_at"] =
            engine::format_rfc3339_utc(std::chrono::sys_seconds{std::chrono::seconds{f.failed_at}});
        out.push_back(std::move(c));
      }
      continue;
    }
    case config::RuleKind::indicator_overdue:
    case config::RuleKind::indicator_behind: {
      if (ctx.indicators == nullptr) continue;
      const auto want = r.kind == config::RuleKind::indicator_overdue ? engine::IndicatorStatus::overdue
                                                      : engine::IndicatorStatus::behind;
      for (const engine::IndicatorEval& e : *ctx.indicators) {
        if (e.status != want) continue;
        if (!r.units.empty() && std::find(r.units.begin(), r.units.end(), e.unit_code) == r.units.end()) continue;
        Candidate c;
        c.rule = r.name;
        c.kind = to_string(r.kind);
        c.severity = r.severity;
        c.pending_for = r.pending_for;
        c.subject = e.indicator.project_code + "#" + std::to_string(e.indicator.seq);
        c.fingerprint = line_fingerprint(r.name, snap.fiscal_year.year(), c.subject);
        c.labels = {{"alertname", r.name},
                    {"severity", std::string(to_string(r.severity))},
                    {"rule_kind", std::string(to_string(r.kind))},
                    {"subject", c.subject},
                    {"project_code", e.indicator.project_code},
                    {"indicator", e.indicator.name},
                    {"unit", e.unit_code},
                    {"unit_name", e.unit_name},
                    {"fiscal_year", std::to_string(snap.fiscal_year.year())}};
        if (const LineEval* l = snap.find_line(e.indicator.project_code)) {
          c.labels["project_name"] = l->line.name;
          c.labels["owner"] = l->line.owner;
          c.labels["owner_email"] = l->line.owner_email;
          c.labels["line_kind"] = engine::to_string(l->line.kind);
          c.labels["department"] = l->line.department_code;
          c.labels["department_name"] = l->line.department_name;
        }
        for (const auto& [k, v] : r.labels) c.labels[k] = v;
        c.annotations = {{"as_of", engine::to_iso(snap.as_of)},
                         {"target", e.indicator.target_raw},
                         {"actual", e.latest ? e.latest->value : std::string()},
                         {"due", engine::to_iso(e.due)},
                         {"status", engine::to_string(e.status)},
                         {"reason", e.reason},
                         {"reason_id", e.reason_id}};
        // The reason's values, so that a message says it in its own language (alerts/render.cpp).
        for (const auto& [k, v] : e.reason_args) c.annotations["reason_arg_" + k] = v;
        out.push_back(std::move(c));
      }
      continue;
    }
    case config::RuleKind::budget_revised: {
      for (const BudgetRevision& rev : ctx.revisions) {
        if (rev.recorded_at > ctx.now || ctx.now - rev.recorded_at > std::int64_t{r.within_days} * 86400) continue;
        // |after − before| ≥ min_change × before, exactly in fen (a line from nothing to something counts).
        const std::int64_t before = rev.initial_before_fen;
        const std::int64_t change = rev.initial_after_fen - before;
        const std::int64_t abs_change = change < 0 ? -change : change;
        const std::int64_t abs_before = before < 0 ? -before : before;
        if (abs_change == 0) continue;
        if (abs_before != 0 && static_cast<__int128>(abs_change) * 10000 <
                                   static_cast<__int128>(abs_before) * r.min_change_bp)
          continue;
        // Another year's line of the same code is another line (issue 14).
        if (rev.fiscal_year != 0 && rev.fiscal_year != snap.fiscal_year.year()) continue;
        const LineEval* l = snap.find_line(rev.code);
        if (l == nullptr || !selected(r, *l)) continue;
        if (r.min_unspent_fen > 0 && unspent(*l).fen < r.min_unspent_fen) continue;
        Candidate c = line_candidate(r, snap, *l);
        c.annotations["initial_before_fen"] = std::to_string(before);
        c.annotations["initial_after_fen"] = std::to_string(rev.initial_after_fen);
        c.annotations["initial_before_yuan"] = engine::format_yuan(engine::Money{before});
        c.annotations["initial_after_yuan"] = engine::format_yuan(engine::Money{rev.initial_after_fen});
        c.annotations["change_pct"] =
            abs_before == 0 ? std::string("-") : pct(*Ratio::of(change, before));
        c.annotations["revision_version"] = std::to_string(rev.version);
        c.annotations["revision_file"] = rev.file;
        c.annotations["revision_source"] = rev.source;
        c.annotations["revised_at"] = std::to_string(rev.recorded_at);
        out.push_back(std::move(c));
      }
      continue;
    }
    case config::RuleKind::below_threshold:
    case config::RuleKind::pace_below:
    case config::RuleKind::no_spending:
    case config::RuleKind::deadline_near:
    case config::RuleKind::overspend:
      break;
    }
    const LineCondition condition = line_condition(r.kind);
    if (condition == nullptr) continue;  // not about lines: handled above
    for (const LineEval& l : snap.lines) {
      if (!selected(r, l) || !condition(r, snap, l)) continue;
      if (r.min_unspent_fen > 0 && unspent(l).fen < r.min_unspent_fen) continue;
      Candidate c = line_candidate(r, snap, l);
      if (condition == no_spending) c.annotations["spend_by"] = engine::to_iso(spend_by(r, snap, l));
      out.push_back(std::move(c));
    }
  }
  return out;
}

}  // namespace bw::alerts
