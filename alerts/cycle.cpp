#include "alerts/cycle.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <optional>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include <boost/json.hpp>

#include "alerts/render.h"
#include "engine/utf8.h"
#include "config/matcher.h"
#include "store/inputs.h"
#include "store/revisions.h"

namespace bw::alerts {
namespace {

namespace json = boost::json;

std::string map_json(const std::map<std::string, std::string>& m) {
  json::object o;
  for (const auto& [k, v] : m) o[k] = v;
  return json::serialize(o);
}

std::map<std::string, std::string> json_map(std::string_view text) {
  std::map<std::string, std::string> m;
  boost::system::error_code ec;
  const json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return m;
  for (const auto& [k, x] : v.as_object())
    if (x.is_string()) m[std::string(k)] = std::string(x.as_string());
  return m;
}

const config::ReceiverConfig* find_receiver(const config::AlertsConfig& cfg, const std::string& name) {
  for (const auto& r : cfg.receivers)
    if (r.name == name) return &r;
  return nullptr;
}

// Warnings of a subject are inhibited while a critical alert on the same subject fires.
std::unordered_set<std::string> inhibited_set(const std::vector<AlertState>& alerts, bool enabled) {
  std::unordered_set<std::string> out;
  if (!enabled) return out;
  std::unordered_set<std::string> critical_subjects;
  for (const auto& a : alerts) {
    if (a.state == State::firing && a.severity == Severity::critical && a.labels.count("subject"))
      critical_subjects.insert(a.labels.at("subject"));
  }
  for (const auto& a : alerts) {
    if (a.severity != Severity::critical && a.labels.count("subject") &&
        critical_subjects.count(a.labels.at("subject")))
      out.insert(a.fingerprint);
  }
  return out;
}

struct Group {
  std::string receiver;
  std::string key;
  std::size_t route = 0;
  std::map<std::string, std::string> labels;
  std::vector<const AlertState*> firing;
  std::vector<const AlertState*> resolved;
  std::set<std::string> members;  // told before
};

// The fiscal year of a stored alert: its `fiscal_year` label; for a line or indicator alert stored
// before fiscal years (no label), the year of its `as_of` annotation, else `fy`'s; none for alerts
// without a year (sources, failed files).
std::optional<int> alert_year(const AlertState& a, const engine::FiscalYear& fy) {
  if (const auto it = a.labels.find("fiscal_year"); it != a.labels.end()) {
    int y = 0;
    const std::string& v = it->second;
    const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), y);
    if (ec != std::errc{} || p != v.data() + v.size()) return std::nullopt;
    return y;
  }
  if (!a.labels.count("project_code")) return std::nullopt;
  if (const auto it = a.annotations.find("as_of"); it != a.annotations.end()) {
    if (const auto d = engine::parse_date(it->second))
      return engine::FiscalYear::containing(*d, fy.start_month()).year();
  }
  return fy.year();
}

// 16 hex digits (FNV-1a 64) of a group key: ASCII for headers and Message-IDs whatever the key's
// characters (owner names are Chinese).
std::string group_hash(const std::string& s) { return fingerprint(s, ""); }

}  // namespace

AlertState from_row(const store::AlertRow& r) {
  AlertState a;
  a.fingerprint = r.fingerprint;
  a.rule = r.rule;
  a.severity = parse_severity(r.severity);
  a.state = parse_state(r.state).value_or(State::pending);
  a.labels = json_map(r.labels);
  a.annotations = json_map(r.annotations);
  a.active_since = r.active_since;
  a.fired_at = r.fired_at;
  a.resolved_at = r.resolved_at;
  a.updated_at = r.updated_at;
  a.episode = r.episode;
  return a;
}

store::AlertRow to_row(const AlertState& a) {
  store::AlertRow r;
  r.fingerprint = a.fingerprint;
  r.rule = a.rule;
  r.severity = std::string(to_string(a.severity));
  r.state = std::string(to_string(a.state));
  r.labels = map_json(a.labels);
  r.annotations = map_json(a.annotations);
  r.active_since = a.active_since;
  r.fired_at = a.fired_at;
  r.resolved_at = a.resolved_at;
  r.updated_at = a.updated_at;
  r.episode = a.episode;
  return r;
}

std::string matchers_json(const std::vector<config::MatcherConfig>& ms) {
  json::array a;
  for (const auto& m : ms) {
    a.push_back(json::object{{"name", m.name}, {"op", std::string(to_string(m.op))}, {"value", m.value}});
  }
  return json::serialize(a);
}

std::vector<config::MatcherConfig> matchers_from_json(std::string_view text) {
  std::vector<config::MatcherConfig> out;
  boost::system::error_code ec;
  const json::value v = json::parse(text, ec);
  if (ec || !v.is_array()) return out;
  for (const auto& x : v.as_array()) {
    if (!x.is_object()) continue;
    const auto& o = x.as_object();
    config::MatcherConfig m;
    auto s = [&](const char* k) {
      const auto* p = o.if_contains(k);
      return p && p->is_string() ? std::string(p->as_string()) : std::string();
    };
    m.name = s("name");
    m.value = s("value");
    m.op = config::parse_op(s("op")).value_or(config::MatcherConfig::Op::eq);
    // Compiled once per read; a pattern RE2 refuses (stored by an older version) keeps no program and
    // then matches nothing (config::matches_value).
    if (auto c = config::make_matcher(m.name, m.op, m.value)) m = std::move(*c);
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<Silence> read_silences(store::Database& db) {
  std::vector<Silence> out;
  for (const auto& r : store::load_silences(db)) {
    out.push_back(Silence{r.id, matchers_from_json(r.matchers), r.created_by, r.comment, r.starts_at,
                          r.ends_at, r.created_at});
  }
  return out;
}

std::vector<BudgetRevision> load_revisions(store::Database& db, const config::AlertsConfig& cfg, std::int64_t now) {
  int days = -1;
  for (const config::RuleConfig& r : cfg.rules) {
    if (r.kind == config::RuleKind::budget_revised) days = std::max(days, r.within_days);
  }
  std::vector<BudgetRevision> out;
  if (days < 0) return out;
  // UTC ISO 8601 of now − days (recorded_at is stored so; text order is time order).
  auto iso = [](std::int64_t t) { return engine::format_rfc3339_utc(std::chrono::sys_seconds{std::chrono::seconds{t}}); };
  auto unix_of = [](const std::string& s) -> std::int64_t {
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
    if (std::sscanf(s.c_str(), "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &se) != 6) return 0;
    const auto day = std::chrono::sys_days{std::chrono::year{y} / mo / d};
    return day.time_since_epoch().count() * 86400 + h * 3600 + mi * 60 + se;
  };
  for (const store::RecentRevision& r : store::recent_revisions(db, iso(now - std::int64_t{days} * 86400))) {
    BudgetRevision b;
    b.code = r.code;
    b.version = r.version;
    b.initial_before_fen = r.initial_before.fen;
    b.initial_after_fen = r.initial_after.fen;
    b.recorded_at = unix_of(r.recorded_at);
    b.file = r.file_name;
    b.source = r.source;
    b.fiscal_year = r.fiscal_year;
    out.push_back(std::move(b));
  }
  return out;
}

std::vector<FailedIngest> load_failed_ingests(store::Database& db, const config::AlertsConfig& cfg,
                                              std::int64_t now) {
  int days = -1;
  for (const config::RuleConfig& r : cfg.rules) {
    if (r.kind == config::RuleKind::ingest_failed) days = std::max(days, r.within_days);
  }
  std::vector<FailedIngest> out;
  if (days < 0) return out;
  for (const store::FailedFile& f : store::list_failed_files(db, 200)) {
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
    if (std::sscanf(f.failed_at.c_str(), "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &se) != 6) continue;
    const auto day = std::chrono::sys_days{std::chrono::year{y} / mo / d};
    const std::int64_t at = day.time_since_epoch().count() * 86400 + h * 3600 + mi * 60 + se;
    if (now - at > std::int64_t{days} * 86400) continue;
    out.push_back(FailedIngest{f.name, f.source, f.error, at});
  }
  return out;
}

CycleState load_cycle_state(store::Database& db) {
  CycleState st;
  for (const auto& r : store::load_alerts(db)) st.alerts.push_back(from_row(r));
  st.silences = read_silences(db);
  st.groups = store::load_groups(db);
  st.members = store::all_group_members(db);
  return st;
}

CyclePlan plan_cycle(const engine::Snapshot& snap, const CycleState& state,
                     const config::AlertsConfig& cfg, const CycleContext& ctx) {
  CyclePlan plan;
  CycleReport& report = plan.report;
  plan.members_added_at = ctx.now;
  RuleContext rctx;
  rctx.now = ctx.now;
  rctx.sources = ctx.sources;
  rctx.revisions = ctx.revisions;
  rctx.failed_ingests = ctx.failed_ingests;
  rctx.indicators = ctx.indicators;
  const std::vector<Candidate> candidates = evaluate_rules(snap, cfg.rules, rctx);

  // The year boundary: the evaluated year's alerts (and those without a year) go through the state
  // machine; another year's are closed quietly below. Line alerts stored before fiscal years are
  // re-keyed to their year first (their memberships with them).
  const int year = snap.fiscal_year.year();
  std::vector<AlertState> current;
  std::vector<AlertState> other_year;
  std::unordered_map<std::string, std::string> renamed;
  for (AlertState a : state.alerts) {
    const std::optional<int> y = alert_year(a, snap.fiscal_year);
    if (y && !a.labels.count("fiscal_year")) {
      const auto subject = a.labels.count("subject") ? a.labels.at("subject") : a.labels.at("project_code");
      const std::string fp = line_fingerprint(a.rule, *y, subject);
      plan.renamed.emplace_back(a.fingerprint, fp);
      renamed[a.fingerprint] = fp;
      a.fingerprint = fp;
      a.labels["fiscal_year"] = std::to_string(*y);
    }
    (y && *y != year ? other_year : current).push_back(std::move(a));
  }
  std::vector<store::MemberRow> state_members = state.members;
  for (store::MemberRow& m : state_members) {
    if (const auto it = renamed.find(m.fingerprint); it != renamed.end()) m.fingerprint = it->second;
  }
  std::vector<AlertState> closed;
  for (AlertState& a : other_year) {
    switch (a.state) {
      case State::pending:  // never told: forgotten
        plan.deleted.push_back(a.fingerprint);
        break;
      case State::firing:
        a.state = State::resolved;
        a.resolved_at = ctx.now;
        a.updated_at = ctx.now;
        a.annotations["closed"] = "year_closed";
        ++report.year_closed;
        closed.push_back(std::move(a));
        break;
      case State::resolved:
        if (ctx.now - a.resolved_at.value_or(a.updated_at) > cfg.resolved_retention.count()) {
          plan.deleted.push_back(a.fingerprint);
        } else {
          closed.push_back(std::move(a));
        }
        break;
    }
  }
  report.resolved += static_cast<int>(closed.size());

  StepResult st = step(current, candidates, ctx.now, cfg.resolved_retention);
  for (AlertState& a : st.alerts) {
    if (a.state == State::resolved && a.resolved_at == ctx.now && a.labels.count("project_code"))
      refresh_figures(snap, a.labels.at("project_code"), a.annotations);
  }
  report.fired_now = static_cast<int>(st.fired.size());
  report.resolved_now = static_cast<int>(st.resolved.size());
  // The groups below point into st.alerts: it moves into the plan only at the end.
  plan.deleted.insert(plan.deleted.end(), st.deleted.begin(), st.deleted.end());

  const std::vector<Silence>& silences = state.silences;
  const auto inhibited = inhibited_set(st.alerts, cfg.inhibit_warning_by_critical);
  std::unordered_map<std::string, const AlertState*> by_fp;
  for (const AlertState& a : st.alerts) {
    by_fp[a.fingerprint] = &a;
    if (a.state == State::pending) ++report.pending;
    if (a.state == State::firing) ++report.firing;
    if (a.state == State::resolved) ++report.resolved;
  }

  // Groups: firing alerts by route → receiver → group key; and the groups told about alerts that no
  // longer fire (their resolved message). The closed alerts of another year are not among them: their
  // memberships are cleared quietly, as a forgotten alert's.
  std::map<std::pair<std::string, std::string>, Group> groups;
  for (const AlertState& a : st.alerts) {
    if (a.state != State::firing) continue;
    if (std::any_of(silences.begin(), silences.end(),
                    [&](const Silence& s) { return s.silences(a.labels, ctx.now); })) {
      ++report.silenced;
      continue;
    }
    if (inhibited.count(a.fingerprint)) {
      ++report.inhibited;
      continue;
    }
    for (std::size_t ri : route(cfg.routes, a.labels)) {
      const config::RouteConfig& rt = cfg.routes[ri];
      const std::string key = group_key(rt.group_by, a.labels);
      for (const std::string& rcv : rt.receivers) {
        Group& g = groups[{rcv, key}];
        if (g.receiver.empty()) {
          g.receiver = rcv;
          g.key = key;
          g.route = ri;
          for (const auto& l : rt.group_by) g.labels[l] = a.labels.count(l) ? a.labels.at(l) : "";
        }
        if (std::find(g.firing.begin(), g.firing.end(), &a) == g.firing.end()) g.firing.push_back(&a);
      }
    }
  }
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> members;
  for (const auto& m : state_members) members[{m.receiver, m.group_key}].push_back(m.fingerprint);
  for (const auto& [gk, fps] : members) {
    Group& g = groups[gk];
    if (g.receiver.empty()) {
      g.receiver = gk.first;
      g.key = gk.second;
      g.route = cfg.routes.size();  // unknown until matched below
    }
    for (const std::string& fp : fps) {
      g.members.insert(fp);
      const auto it = by_fp.find(fp);
      if (it == by_fp.end()) {
        // Forgotten (retention over) or removed: clear the membership quietly.
        plan.members_removed.push_back(store::MemberRow{gk.first, gk.second, fp});
        continue;
      }
      if (it->second->state == State::resolved) g.resolved.push_back(it->second);
    }
  }
  std::map<std::pair<std::string, std::string>, const store::GroupRow*> told;
  for (const store::GroupRow& r : state.groups) told[{r.receiver, r.group_key}] = &r;

  for (auto& [gk, g] : groups) {
    if (g.firing.empty() && g.resolved.empty()) continue;
    const config::ReceiverConfig* rc = find_receiver(cfg, g.receiver);
    if (rc == nullptr) continue;  // receiver removed from config: its memberships wait
    // The route of a resolved-only group: the one its alerts took (labels of the first).
    if (g.route >= cfg.routes.size()) {
      const auto& labels = (g.firing.empty() ? g.resolved.front() : g.firing.front())->labels;
      const auto rs = route(cfg.routes, labels);
      g.route = rs.empty() ? cfg.routes.size() : rs.front();
      if (g.labels.empty() && g.route < cfg.routes.size()) {
        for (const auto& l : cfg.routes[g.route].group_by) g.labels[l] = labels.count(l) ? labels.at(l) : "";
      }
    }
    const config::RouteConfig* rt = g.route < cfg.routes.size() ? &cfg.routes[g.route] : nullptr;
    const auto told_it = told.find(gk);
    const store::GroupRow* last = told_it == told.end() ? nullptr : told_it->second;
    bool news = !g.resolved.empty();
    for (const AlertState* a : g.firing) news = news || !g.members.count(a->fingerprint);
    const auto repeat = rt ? rt->repeat_interval.count() : std::int64_t{86400};
    const bool repeat_due = !g.firing.empty() && (!last || ctx.now - last->last_sent_at >= repeat);
    if (!news && !repeat_due) continue;
    if (rt && muted(cfg.time_intervals, rt->mute_time_intervals, ctx.local)) continue;

    auto by_code = [](const AlertState* a, const AlertState* b) {
      const auto code = [](const AlertState* x) {
        return x->labels.count("subject") ? x->labels.at("subject") : x->fingerprint;
      };
      return std::pair(code(a), a->rule) < std::pair(code(b), b->rule);
    };
    std::sort(g.firing.begin(), g.firing.end(), by_code);
    std::sort(g.resolved.begin(), g.resolved.end(), by_code);

    RenderInput in;
    in.language = ctx.language;
    in.external_url = ctx.external_url;
    in.addressee = rc->addressee;
    in.as_of = engine::to_iso(snap.as_of);
    in.group_key = g.key;
    in.group_labels = g.labels;
    in.firing = g.firing;
    in.resolved = g.resolved;
    Notification n = render(in);
    // The idempotency key is "<receiver>/<hash of the group key>/<sequence>", one per message, not
    // DESIGN §8's per-alert (fingerprint, state, sequence): a message lists a whole group (an owner's
    // projects, firing and resolved), so the key names that message. The sequence counts the group's
    // messages; it is stored in alert_groups in this transaction, with the outbox row, so it never
    // repeats (unique per evaluation and message, also after a restart, a crash or a reload), and a
    // re-send after a crash reads the key from the row (stable across restarts). Receivers see it as
    // Idempotency-Key / X-Budgetwatch-Idempotency-Key and in the email Message-ID. The alerts a
    // message carries keep their own fingerprint, status, startsAt and endsAt in the payload.
    const std::int64_t seq = (last ? last->sequence : 0) + 1;
    n.receiver = g.receiver;
    n.idempotency_key = g.receiver + "/" + group_hash(g.key) + "/" + std::to_string(seq);
    // Recipients and mentions from the register (owner) and the receiver's config.
    std::set<std::string> to(rc->to.begin(), rc->to.end());
    std::set<std::string> mobiles(rc->at_mobiles.begin(), rc->at_mobiles.end());
    for (const auto* list : {&g.firing, &g.resolved}) {
      for (const AlertState* a : *list) {
        if (rc->to_owner && a->labels.count("owner_email") && !a->labels.at("owner_email").empty())
          to.insert(a->labels.at("owner_email"));
        if (a->labels.count("owner")) {
          if (auto m = rc->owner_mobiles.find(a->labels.at("owner")); m != rc->owner_mobiles.end())
            mobiles.insert(m->second);
        }
      }
    }
    n.recipients.assign(to.begin(), to.end());
    n.mention_mobiles.assign(mobiles.begin(), mobiles.end());
    if (rc->kind == config::ReceiverKind::email && n.recipients.empty()) continue;  // nobody to write to (no owner address)

    store::OutboxRow row;
    row.idempotency_key = n.idempotency_key;
    row.receiver = g.receiver;
    row.group_key = g.key;
    row.status = std::string(to_string(n.status));
    row.title = n.title;
    row.payload = to_json(n);
    row.alert_count = static_cast<std::int64_t>(n.alerts.size());
    row.created_at = ctx.queued_at > 0 ? ctx.queued_at : ctx.now;
    row.next_attempt_at = row.created_at;
    plan.outbox.push_back(std::move(row));
    plan.groups.push_back(store::GroupRow{g.receiver, g.key, ctx.now, seq});
    for (const AlertState* a : g.firing)
      plan.members_added.push_back(store::MemberRow{g.receiver, g.key, a->fingerprint});
    for (const AlertState* a : g.resolved)
      plan.members_removed.push_back(store::MemberRow{g.receiver, g.key, a->fingerprint});
  }
  report.messages = static_cast<int>(plan.outbox.size());
  plan.alerts = std::move(st.alerts);
  for (AlertState& a : closed) plan.alerts.push_back(std::move(a));
  return plan;
}

int apply_plan(store::Transaction& /*tx: the caller's, held open while this writes*/,
               store::Database& db, const CyclePlan& plan) {
  for (const auto& [from, to] : plan.renamed) store::rename_alert(db, from, to);
  for (const AlertState& a : plan.alerts) store::upsert_alert(db, to_row(a));
  for (const std::string& fp : plan.deleted) store::delete_alert(db, fp);
  int inserted = 0;
  for (const store::OutboxRow& row : plan.outbox) {
    if (store::enqueue(db, row)) ++inserted;
  }
  for (const store::GroupRow& g : plan.groups) store::upsert_group(db, g);
  for (const store::MemberRow& m : plan.members_added)
    store::add_group_member(db, m.receiver, m.group_key, m.fingerprint, plan.members_added_at);
  for (const store::MemberRow& m : plan.members_removed)
    store::remove_group_member(db, m.receiver, m.group_key, m.fingerprint);
  return inserted;
}

CycleReport run_cycle(store::Database& db, const engine::Snapshot& snap,
                      const config::AlertsConfig& cfg, const CycleContext& ctx) {
  // BEGIN IMMEDIATE before the reads: the plan is made from the state it replaces, with no writer
  // between.
  store::Transaction tx(db);
  if (ctx.fence) ctx.fence(db);
  const CycleState state = load_cycle_state(db);
  CyclePlan plan = plan_cycle(snap, state, cfg, ctx);
  plan.report.messages = apply_plan(tx, db, plan);
  tx.commit();
  return plan.report;
}

std::vector<AlertView> list_alerts(store::Database& db, const config::AlertsConfig& cfg, std::int64_t now) {
  std::vector<AlertState> alerts;
  for (const auto& r : store::load_alerts(db)) alerts.push_back(from_row(r));
  const auto silences = read_silences(db);
  const auto inhibited = inhibited_set(alerts, cfg.inhibit_warning_by_critical);
  std::vector<AlertView> out;
  for (auto& a : alerts) {
    AlertView v;
    v.silenced = std::any_of(silences.begin(), silences.end(),
                             [&](const Silence& s) { return s.silences(a.labels, now); });
    v.inhibited = inhibited.count(a.fingerprint) > 0;
    v.alert = std::move(a);
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace bw::alerts
