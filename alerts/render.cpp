#include "alerts/render.h"

#include <algorithm>
#include <chrono>
#include <set>

#include <boost/json.hpp>

#include "engine/messages.h"
#include "engine/utf8.h"

namespace bw::alerts {
namespace {

namespace json = boost::json;

struct Texts {
  const char* title_firing;
  const char* title_resolved;
  const char* greeting;
  const char* intro;
  const char* item;
  const char* gap_behind;
  const char* gap_ahead;
  const char* deadline_left;
  const char* deadline_passed;
  const char* link;
  const char* resolved_header;
  const char* resolved_item;
  const char* footer;
};

const Texts zh = {
    "【预算执行预警】{who}：{n} 个项目需关注（截至 {as_of}）",
    "【预算执行预警·已恢复】{who}：{n} 个项目已恢复（截至 {as_of}）",
    "{who}，您好：",
    "截至 {as_of}，以下项目的预算执行需要关注：",
    "{project_name}（{project_code}）\n   单位：{unit_name}\n   预警：{rule_text}\n   执行率 {execution_pct}%，"
    "序时进度 {expected_pct}%，{gap_text}\n   未支出 {unspent_wan} 万元；完成时限 {deadline}（{deadline_text}）",
    "低于序时进度 {gap_pp} 个百分点",
    "高于序时进度 {gap_abs} 个百分点",
    "剩余 {days_left} 天",
    "已逾期 {days_over} 天",
    "   详情：{url}",
    "以下项目已恢复，不再满足预警条件：",
    "{project_name}（{project_code}）：执行率 {execution_pct}%（{rules} 已解除）",
    "—— budgetwatch 预算执行监控",
};

const Texts en = {
    "[Budget execution alert] {who}: {n} project(s) need attention (as of {as_of})",
    "[Budget execution alert, resolved] {who}: {n} project(s) recovered (as of {as_of})",
    "Dear {who},",
    "As of {as_of}, the budget execution of these projects needs attention:",
    "{project_name} ({project_code})\n   Unit: {unit_name}\n   Alert: {rule_text}\n   Execution "
    "{execution_pct}%, expected progress {expected_pct}%, {gap_text}\n   Unspent {unspent_wan} "
    "10k yuan; deadline {deadline} ({deadline_text})",
    "{gap_pp} percentage points behind the expected progress",
    "{gap_abs} percentage points ahead of the expected progress",
    "{days_left} days left",
    "{days_over} days overdue",
    "   Details: {url}",
    "These projects recovered and no longer meet the alert condition:",
    "{project_name} ({project_code}): execution {execution_pct}% ({rules} cleared)",
    "-- budgetwatch, budget execution monitoring",
};

// An alert's labels and annotations, the values of its sentences.
std::map<std::string, std::string> values_of(const AlertState& a) {
  auto values = a.annotations;
  for (const auto& [k, v] : a.labels) values.emplace(k, v);
  return values;
}

// An indicator's reason in the message's language: from its message id and values (annotations reason_id and
// reason_arg_*), else the English reason of an alert stored before they were kept.
std::string reason_text(engine::Lang l, const AlertState& a) {
  const auto id = a.annotations.find("reason_id");
  if (id == a.annotations.end() || id->second.empty()) {
    const auto r = a.annotations.find("reason");
    return r != a.annotations.end() ? r->second : std::string();
  }
  std::map<std::string, std::string> args;
  constexpr std::string_view prefix = "reason_arg_";
  for (const auto& [k, v] : a.annotations)
    if (k.starts_with(prefix)) args[k.substr(prefix.size())] = v;
  return engine::format_message(id->second, l, args);
}

std::string kind_of(const AlertState& a) {
  const auto it = a.labels.find("rule_kind");
  return it != a.labels.end() ? it->second : std::string();
}

// One sentence per rule kind (the catalogue's alert.condition.<kind>): the condition that holds, and the
// severity in words ("执行率低于 80.00%（警告）"). Rule names and codes stay in the labels and JSON.
std::string rule_text(const std::string& lang, const AlertState& a) {
  const engine::Lang l = engine::lang_of(lang);
  const std::string kind = kind_of(a);
  const std::string id = "alert.condition." + kind;
  auto values = values_of(a);
  values["reason_text"] = reason_text(l, a);
  std::string s = engine::message(id, l) == id ? kind : engine::format_message(id, l, values);
  const std::string severity = "severity." + std::string(to_string(a.severity));
  s += engine::format_message("alert.severity_note", l, {{"severity", std::string(engine::message(severity, l))}});
  return s;
}

// What a rule watches, in words (the catalogue's rule_kind.<kind>: "执行率低于 80.00%", "尚未支出"), for the
// recovered list; the rule's name when its kind has no entry.
std::string rule_name(const std::string& lang, const AlertState& a) {
  const engine::Lang l = engine::lang_of(lang);
  const std::string id = "rule_kind." + kind_of(a);
  return engine::message(id, l) == id ? a.rule : engine::format_message(id, l, values_of(a));
}

std::map<std::string, std::string> item_values(const Texts& tx, const std::string& lang,
                                               const std::string& external_url,
                                               const AlertState& a) {
  std::map<std::string, std::string> v = a.annotations;
  for (const auto& [k, x] : a.labels) v[k] = x;
  for (const char* k : {"execution_pct", "expected_pct"})
    if (!v.count(k)) v[k] = "-";
  const std::string gap = v.count("gap_pp") ? v["gap_pp"] : "0.00";
  if (!gap.empty() && gap[0] == '-') {
    v["gap_abs"] = gap.substr(1);
    v["gap_text"] = fill(tx.gap_ahead, v);
  } else {
    v["gap_text"] = fill(tx.gap_behind, v);
  }
  const int days = v.count("days_left") ? std::atoi(v["days_left"].c_str()) : 0;
  if (days < 0) {
    v["days_over"] = std::to_string(-days);
    v["deadline_text"] = fill(tx.deadline_passed, v);
  } else {
    v["deadline_text"] = fill(tx.deadline_left, v);
  }
  v["rule_text"] = rule_text(lang, a);
  if (a.labels.count("project_code"))
    v["url"] = external_url + "/api/v1/projects/" + a.labels.at("project_code");
  return v;
}

AlertItem item(const AlertState& a, Status status, const std::string& url) {
  AlertItem it;
  it.fingerprint = a.fingerprint;
  it.rule = a.rule;
  it.severity = a.severity;
  it.status = status;
  it.labels = a.labels;
  it.labels.erase("owner_email");  // addresses go to recipients, not to third-party receivers
  it.annotations = a.annotations;
  it.starts_at = a.fired_at.value_or(a.active_since);
  it.ends_at = status == Status::resolved ? a.resolved_at.value_or(a.updated_at) : 0;
  it.url = url;
  return it;
}

// Sources and indicators are listed by their rule sentence, not with the money figures of a line.
bool subject_is_source(const AlertState& a) { return a.labels.count("source") > 0 || a.labels.count("indicator") > 0; }

// The alerts grouped by subject (the project, or source / indicator), in the order subjects first appear.
std::vector<std::vector<const AlertState*>> by_subject(const std::vector<const AlertState*>& alerts) {
  std::vector<std::vector<const AlertState*>> out;
  std::map<std::string, std::size_t> index;
  for (const AlertState* a : alerts) {
    const std::string key = a->labels.count("subject") ? a->labels.at("subject") : a->fingerprint;
    const auto [it, added] = index.emplace(key, out.size());
    if (added) out.emplace_back();
    out[it->second].push_back(a);
  }
  return out;
}

}  // namespace

std::string fill(std::string_view tmpl, const std::map<std::string, std::string>& values) {
  std::string out;
  out.reserve(tmpl.size() + 64);
  std::size_t i = 0;
  while (i < tmpl.size()) {
    const auto open = tmpl.find('{', i);
    if (open == std::string_view::npos) break;
    const auto close = tmpl.find('}', open);
    if (close == std::string_view::npos) break;
    out.append(tmpl.substr(i, open - i));
    const std::string key(tmpl.substr(open + 1, close - open - 1));
    const auto it = values.find(key);
    out += it != values.end() ? it->second : std::string(tmpl.substr(open, close - open + 1));
    i = close + 1;
  }
  out.append(tmpl.substr(std::min(i, tmpl.size())));
  return out;
}

std::string rfc3339(std::int64_t t) {
  return engine::format_rfc3339_utc(std::chrono::sys_seconds{std::chrono::seconds{t}});
}

Notification render(const RenderInput& in) {
  const Texts& tx = in.language == "en" ? en : zh;
  Notification n;
  n.group_key = in.group_key;
  n.group_labels = in.group_labels;
  n.external_url = in.external_url;
  n.status = in.firing.empty() ? Status::resolved : Status::firing;

  // Who the message is for: the owner when grouped by owner, else the group's values.
  std::string who;
  if (auto it = in.group_labels.find("owner"); it != in.group_labels.end() && !it->second.empty()) {
    who = it->second;
  } else {
    for (const auto& [k, v] : in.group_labels) who += (who.empty() ? "" : " ") + v;
    if (who.empty()) who = in.language == "en" ? "all" : "各位";
  }
  // One item per project (subject): a project two rules fire for is listed once, with both conditions.
  const auto firing = by_subject(in.firing);
  const auto resolved = by_subject(in.resolved);
  std::map<std::string, std::string> head = {
      {"who", who},
      {"as_of", in.as_of},
      {"n", std::to_string(firing.empty() ? resolved.size() : firing.size())}};
  n.title = fill(in.firing.empty() ? tx.title_resolved : tx.title_firing, head);

  std::string text = fill(tx.greeting, head) + "\n\n";
  std::string md = "### " + n.title + "\n\n" + fill(tx.greeting, head) + "\n\n";
  if (!in.firing.empty()) {
    text += fill(tx.intro, head) + "\n\n";
    md += fill(tx.intro, head) + "\n\n";
    int i = 0;
    for (const auto& alerts : firing) {
      const AlertState* a = alerts.front();
      auto v = item_values(tx, in.language, in.external_url, *a);
      for (std::size_t k = 1; k < alerts.size(); ++k)
        v["rule_text"] += (in.language == "en" ? "; " : "；") + rule_text(in.language, *alerts[k]);
      if (subject_is_source(*a)) {
        text += std::to_string(++i) + ". " + v["rule_text"] + "\n\n";
        md += std::to_string(i) + ". " + v["rule_text"] + "\n";
        continue;
      }
      text += std::to_string(++i) + ". " + fill(tx.item, v) + "\n" + fill(tx.link, v) + "\n\n";
      std::string lines = fill(tx.item, v);
      // Markdown: the project in bold, the detail lines as a list under it.
      const auto nl = lines.find('\n');
      md += std::to_string(i) + ". **" + lines.substr(0, nl) + "**";
      if (nl != std::string::npos) {
        std::string rest = lines.substr(nl + 1);
        std::string out;
        std::size_t p = 0;
        while (p < rest.size()) {
          auto e = rest.find('\n', p);
          if (e == std::string::npos) e = rest.size();
          std::string l = rest.substr(p, e - p);
          l.erase(0, l.find_first_not_of(' '));
          out += "\n    - " + l;
          p = e + 1;
        }
        md += out;
      }
      if (v.count("url")) md += "\n    - [" + v["url"] + "](" + v["url"] + ")";
      md += "\n";
    }
  }
  if (!in.resolved.empty()) {
    text += fill(tx.resolved_header, head) + "\n\n";
    md += "\n" + std::string(fill(tx.resolved_header, head)) + "\n\n";
    int i = 0;
    for (const auto& alerts : resolved) {
      const AlertState* a = alerts.front();
      auto v = item_values(tx, in.language, in.external_url, *a);
      std::string rules;
      for (const AlertState* x : alerts)
        rules += (rules.empty() ? "" : in.language == "en" ? ", " : "、") + rule_name(in.language, *x);
      v["rules"] = rules;
      const std::string line = subject_is_source(*a) ? v["rule_text"] : fill(tx.resolved_item, v);
      text += std::to_string(++i) + ". " + line + "\n";
      md += std::to_string(i) + ". " + line + "\n";
    }
    text += "\n";
  }
  text += tx.footer;
  text += "\n";
  md += "\n" + std::string(tx.footer) + "\n";
  n.text = std::move(text);
  n.markdown = std::move(md);
  for (const AlertState* a : in.firing) {
    std::string url;
    if (a->labels.count("project_code"))
      url = in.external_url + "/api/v1/projects/" + a->labels.at("project_code");
    n.alerts.push_back(item(*a, Status::firing, url));
  }
  for (const AlertState* a : in.resolved) {
    std::string url;
    if (a->labels.count("project_code"))
      url = in.external_url + "/api/v1/projects/" + a->labels.at("project_code");
    n.alerts.push_back(item(*a, Status::resolved, url));
  }
  return n;
}

// ---- payload JSON ----

namespace {

json::object string_map(const std::map<std::string, std::string>& m) {
  json::object o;
  for (const auto& [k, v] : m) o[k] = v;
  return o;
}

std::map<std::string, std::string> to_map(const json::value* v) {
  std::map<std::string, std::string> m;
  if (v == nullptr || !v->is_object()) return m;
  for (const auto& [k, x] : v->as_object())
    if (x.is_string()) m[std::string(k)] = std::string(x.as_string());
  return m;
}

std::vector<std::string> to_strings(const json::value* v) {
  std::vector<std::string> out;
  if (v == nullptr || !v->is_array()) return out;
  for (const auto& x : v->as_array())
    if (x.is_string()) out.emplace_back(x.as_string());
  return out;
}

std::string str(const json::object& o, std::string_view k) {
  const auto* v = o.if_contains(k);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

}  // namespace

std::string to_json(const Notification& n) {
  json::object o;
  o["idempotency_key"] = n.idempotency_key;
  o["receiver"] = n.receiver;
  o["group_key"] = n.group_key;
  o["status"] = to_string(n.status);
  o["title"] = n.title;
  o["text"] = n.text;
  o["markdown"] = n.markdown;
  o["external_url"] = n.external_url;
  o["group_labels"] = string_map(n.group_labels);
  json::array rec(n.recipients.begin(), n.recipients.end());
  o["recipients"] = std::move(rec);
  json::array mob(n.mention_mobiles.begin(), n.mention_mobiles.end());
  o["mention_mobiles"] = std::move(mob);
  json::array alerts;
  for (const AlertItem& a : n.alerts) {
    json::object x;
    x["fingerprint"] = a.fingerprint;
    x["rule"] = a.rule;
    x["severity"] = to_string(a.severity);
    x["status"] = to_string(a.status);
    x["labels"] = string_map(a.labels);
    x["annotations"] = string_map(a.annotations);
    x["starts_at"] = a.starts_at;
    x["ends_at"] = a.ends_at;
    x["url"] = a.url;
    alerts.push_back(std::move(x));
  }
  o["alerts"] = std::move(alerts);
  return json::serialize(o);
}

std::optional<Notification> notification_from_json(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const json::object& o = v.as_object();
  Notification n;
  n.idempotency_key = str(o, "idempotency_key");
  n.receiver = str(o, "receiver");
  n.group_key = str(o, "group_key");
  n.status = str(o, "status") == "resolved" ? Status::resolved : Status::firing;
  n.title = str(o, "title");
  n.text = str(o, "text");
  n.markdown = str(o, "markdown");
  n.external_url = str(o, "external_url");
  n.group_labels = to_map(o.if_contains("group_labels"));
  n.recipients = to_strings(o.if_contains("recipients"));
  n.mention_mobiles = to_strings(o.if_contains("mention_mobiles"));
  if (const auto* a = o.if_contains("alerts"); a && a->is_array()) {
    for (const auto& x : a->as_array()) {
      if (!x.is_object()) continue;
      const auto& xo = x.as_object();
      AlertItem it;
      it.fingerprint = str(xo, "fingerprint");
      it.rule = str(xo, "rule");
      it.severity = config::from_string<Severity>(str(xo, "severity")).value_or(Severity::warning);
      it.status = str(xo, "status") == "resolved" ? Status::resolved : Status::firing;
      it.labels = to_map(xo.if_contains("labels"));
      it.annotations = to_map(xo.if_contains("annotations"));
      if (const auto* s = xo.if_contains("starts_at"); s && s->is_int64()) it.starts_at = s->as_int64();
      if (const auto* e = xo.if_contains("ends_at"); e && e->is_int64()) it.ends_at = e->as_int64();
      it.url = str(xo, "url");
      n.alerts.push_back(std::move(it));
    }
  }
  return n;
}

}  // namespace bw::alerts
