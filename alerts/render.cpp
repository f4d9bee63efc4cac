#include "alerts/render.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <set>

#include <boost/json.hpp>

#include "engine/messages.h"
#include "engine/text.h"
#include "engine/utf8.h"

namespace bw::alerts {
namespace {

namespace json = boost::json;

using engine::Lang;

// A fixed text of the messages: the catalogue's "mail.<id>" (engine/messages.cpp), filled with
// values.
std::string say(std::string_view id, Lang l,
                const std::map<std::string, std::string>& values = {}) {
  return engine::format_message("mail." + std::string(id), l, values);
}

// An alert's labels and annotations, the values of its sentences.
std::map<std::string, std::string> values_of(const AlertState& a) {
  auto values = a.annotations;
  for (const auto& [k, v] : a.labels) values.emplace(k, v);
  return values;
}

std::string value(const AlertState& a, const std::string& key) {
  if (const auto it = a.labels.find(key); it != a.labels.end()) return it->second;
  if (const auto it = a.annotations.find(key); it != a.annotations.end()) return it->second;
  return {};
}

// An indicator's reason in the message's language: from its message id and values (annotations
// reason_id and reason_arg_*), else the English reason of an alert stored before they were kept.
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

bool is_indicator(const AlertState& a) { return a.labels.count("indicator") > 0; }

// One sentence per rule kind (the catalogue's alert.condition.<kind>): the condition that holds,
// and the severity in words ("执行率低于 80.00%（警告）"). Rule names and codes stay in the labels
// and JSON.
std::string rule_text(Lang l, const AlertState& a) {
  const std::string kind = kind_of(a);
  const std::string id = "alert.condition." + kind;
  auto values = values_of(a);
  values["reason_text"] = reason_text(l, a);
  // A no_spending alert stored before `spend_by` was kept: the day it was evaluated.
  if (!values.count("spend_by")) values["spend_by"] = value(a, "as_of");
  std::string s = engine::message(id, l) == id ? kind : engine::format_message(id, l, values);
  const std::string severity = "severity." + std::string(to_string(a.severity));
  s += engine::format_message("alert.severity_note", l,
                              {{"severity", std::string(engine::message(severity, l))}});
  return s;
}

// What a rule watches, in words (the catalogue's rule_kind.<kind>: "执行率低于 80.00%",
// "尚未支出"), for the recovered list; the rule's name when its kind has no entry. An indicator's
// rule names the indicator.
std::string rule_name(Lang l, const AlertState& a) {
  const std::string id = "rule_kind." + kind_of(a);
  std::string name =
      engine::message(id, l) == id ? a.rule : engine::format_message(id, l, values_of(a));
  if (is_indicator(a))
    name = say("indicator_rule", l, {{"rule", name}, {"indicator", a.labels.at("indicator")}});
  return name;
}

// The figures of a line alert: execution, expected progress and the gap in words, unspent, the
// deadline.
std::map<std::string, std::string> figures(Lang l, const AlertState& a) {
  std::map<std::string, std::string> v = values_of(a);
  for (const char* k : {"execution_pct", "expected_pct"})
    if (!v.count(k)) v[k] = "-";
  const std::string gap = v.count("gap_pp") ? v["gap_pp"] : "0.00";
  if (!gap.empty() && gap[0] == '-') {
    v["gap_abs"] = gap.substr(1);
    v["gap_text"] = say("gap_ahead", l, v);
  } else {
    v["gap_pp"] = gap;
    v["gap_text"] = say("gap_behind", l, v);
  }
  const int days = v.count("days_left") ? std::atoi(v["days_left"].c_str()) : 0;
  if (days < 0) {
    v["days_over"] = std::to_string(-days);
    v["deadline_text"] = say("deadline_passed", l, v);
  } else {
    v["days_left"] = std::to_string(days);
    v["deadline_text"] = say("deadline_left", l, v);
  }
  return v;
}

// RFC 3986 unreserved characters stay, everything else (UTF-8 bytes included) is %XX.
std::string url_part(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 0xf];
    }
  }
  return out;
}

// The project's links: its HTML page (what a person opens) and its JSON in the API (for machines),
// of the alert's fiscal year. None for alerts without a project.
struct Links {
  std::string page;
  std::string api;
};
Links links_of(const std::string& base, const AlertState& a) {
  const auto code = a.labels.find("project_code");
  if (code == a.labels.end() || code->second.empty()) return {};
  std::string query;
  if (const auto y = a.labels.find("fiscal_year"); y != a.labels.end() && !y->second.empty())
    query = "?fiscal_year=" + url_part(y->second);
  return {base + "/projects/" + url_part(code->second) + query,
          base + "/api/v1/projects/" + url_part(code->second) + query};
}

AlertItem item(const AlertState& a, Status status, const Links& links) {
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
  it.url = links.page;
  it.api_url = links.api;
  return it;
}

// What a message lists once: a project (its line alerts and its indicators' alerts), or a source or
// file.
struct Subject {
  std::string key;
  bool project = false;
  std::vector<const AlertState*> firing;
  std::vector<const AlertState*> resolved;
};

// The alerts grouped by project (label project_code: a line's alerts and its indicators' together),
// else by subject (a source, a failed file), in the order subjects first appear, firing before
// resolved.
std::vector<Subject> by_subject(const RenderInput& in) {
  std::vector<Subject> out;
  std::map<std::string, std::size_t> index;
  auto add = [&](const AlertState* a, bool firing) {
    const std::string code = value(*a, "project_code");
    const std::string key = !code.empty()                ? "project:" + code
                            : a->labels.count("subject") ? a->labels.at("subject")
                                                         : a->fingerprint;
    const auto [it, added] = index.emplace(key, out.size());
    if (added) out.push_back(Subject{key, !code.empty(), {}, {}});
    (firing ? out[it->second].firing : out[it->second].resolved).push_back(a);
  };
  for (const AlertState* a : in.firing) add(a, true);
  for (const AlertState* a : in.resolved) add(a, false);
  return out;
}

// One numbered entry of a message: a heading, the lines under it (level 1: under the line before),
// and the project's link.
struct Line {
  int level = 0;
  std::string text;
  bool alert = false;  // the conditions: shown in red in HTML
};
struct Entry {
  std::string heading;
  std::vector<Line> lines;
  std::string url;
};

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

// "道路养护（P1）", with the name from any of the project's alerts (an indicator's may lack it).
std::string project_heading(Lang l, const Subject& s) {
  std::string name, code;
  for (const auto* list : {&s.firing, &s.resolved}) {
    for (const AlertState* a : *list) {
      if (code.empty()) code = value(*a, "project_code");
      if (name.empty()) name = value(*a, "project_name");
    }
  }
  return say("project", l, {{"project_name", name.empty() ? code : name}, {"project_code", code}});
}

Entry attention_entry(const RenderInput& in, Lang l, const Subject& s) {
  Entry e;
  if (!s.project) {
    std::vector<std::string> conditions;
    for (const AlertState* a : s.firing) conditions.push_back(rule_text(l, *a));
    e.heading = join(conditions, say("list_separator", l));
    return e;
  }
  e.heading = project_heading(l, s);
  std::string unit;
  for (const AlertState* a : s.firing)
    if (unit.empty()) unit = value(*a, "unit_name");
  if (!unit.empty()) e.lines.push_back({0, say("unit", l, {{"unit_name", unit}})});
  std::vector<std::string> conditions;
  const AlertState* line_alert = nullptr;
  for (const AlertState* a : s.firing) {
    if (is_indicator(*a)) continue;
    if (line_alert == nullptr) line_alert = a;
    conditions.push_back(rule_text(l, *a));
  }
  if (line_alert != nullptr) {
    e.lines.push_back(
        {0, say("alert", l, {{"rule_text", join(conditions, say("list_separator", l))}}), true});
    const auto v = figures(l, *line_alert);
    e.lines.push_back({0, say("figures", l, v)});
    e.lines.push_back({0, say("unspent", l, v)});
  }
  // Each indicator under its project: the condition, then its target, actual (or "not reported")
  // and due.
  for (const AlertState* a : s.firing) {
    if (!is_indicator(*a)) continue;
    e.lines.push_back({0, rule_text(l, *a), true});
    const std::string actual = value(*a, "actual");
    e.lines.push_back({1, say("indicator_facts", l,
                              {{"target", value(*a, "target")},
                               {"actual", actual.empty() ? say("not_reported", l) : actual},
                               {"due", value(*a, "due")}})});
  }
  // Rules of this project that cleared meanwhile: said here, not in the recovered list.
  if (!s.resolved.empty()) {
    std::vector<std::string> names;
    for (const AlertState* a : s.resolved) names.push_back(rule_name(l, *a));
    e.lines.push_back(
        {0, say("cleared_within", l, {{"rules", join(names, say("name_separator", l))}})});
  }
  e.url = links_of(in.external_url, *s.firing.front()).page;
  return e;
}

std::string recovered_line(Lang l, const Subject& s) {
  if (!s.project) return rule_text(l, *s.resolved.front());
  std::vector<std::string> names;
  const AlertState* line_alert = nullptr;
  for (const AlertState* a : s.resolved) {
    names.push_back(rule_name(l, *a));
    if (line_alert == nullptr && !is_indicator(*a) && a->annotations.count("execution_pct"))
      line_alert = a;
  }
  std::map<std::string, std::string> v =
      line_alert ? values_of(*line_alert) : values_of(*s.resolved.front());
  v["rules"] = join(names, say("name_separator", l));
  v["project_name"] = value(*s.resolved.front(), "project_name");
  if (v["project_name"].empty()) v["project_name"] = value(*s.resolved.front(), "project_code");
  v["project_code"] = value(*s.resolved.front(), "project_code");
  return say(line_alert ? "resolved_item" : "resolved_item_plain", l, v);
}

// Text from the register or the catalogue in the robots' Markdown: the characters that would open
// markup (an HTML tag the vendors render, such as WeCom's <font>, a link, emphasis, code) become
// their full-width forms, which read the same in Chinese text, so a project named
// "[点我](http://…)" stays text.
std::string markdown_text(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 16);
  for (char c : s) {
    switch (c) {
      case '<':
        out += "\xef\xbc\x9c";
        break;  // ＜
      case '>':
        out += "\xef\xbc\x9e";
        break;  // ＞
      case '[':
        out += "\xef\xbc\xbb";
        break;  // ［
      case ']':
        out += "\xef\xbc\xbd";
        break;  // ］
      case '*':
        out += "\xef\xbc\x8a";
        break;  // ＊
      case '`':
        out += "\xef\xbd\x80";
        break;  // ｀
      default:
        out += c;
    }
  }
  return out;
}

// The link line in each format: the catalogue's "详情：{url}" around a plain, Markdown or HTML
// link.
std::string link_text(Lang l, const std::string& url) { return say("link", l, {{"url", url}}); }
std::string link_markdown(Lang l, const std::string& url) {
  return say("link", l, {{"url", "[" + url + "](" + url + ")"}});
}
std::string link_html(Lang l, const std::string& url) {
  const std::string mark = "\x01";
  std::string s = engine::html_escape(say("link", l, {{"url", mark}}));
  const std::string a = "<a href=\"" + engine::html_escape(url) + "\" style=\"color:#1a5fb4\">" +
                        engine::html_escape(url) + "</a>";
  if (const auto p = s.find(mark); p != std::string::npos) s.replace(p, mark.size(), a);
  return s;
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
  const Lang l = engine::lang_of(in.language);
  Notification n;
  n.group_key = in.group_key;
  n.group_labels = in.group_labels;
  n.external_url = in.external_url;
  n.status = in.firing.empty() ? Status::resolved : Status::firing;

  // What the message is about (the subject's name): the owner when grouped by owner, else the
  // group's values. Whom it greets: the receiver's addressee (the bureau) when configured, else the
  // same.
  std::string who;
  if (auto it = in.group_labels.find("owner"); it != in.group_labels.end() && !it->second.empty()) {
    who = it->second;
  } else {
    for (const auto& [k, v] : in.group_labels)
      if (!v.empty()) who += (who.empty() ? "" : " ") + v;
    if (who.empty()) who = say("everyone", l);
  }
  const std::string greeting = in.addressee.empty()
                                   ? say("greeting", l, {{"who", who}})
                                   : say("greeting_addressee", l, {{"who", in.addressee}});

  // One entry per project: its line alerts, its indicators and what cleared meanwhile under it. A
  // project with any alert firing is in the attention list only; the recovered list has the others.
  const std::vector<Subject> subjects = by_subject(in);
  std::vector<Entry> attention;
  std::vector<std::string> recovered;
  int projects = 0, others = 0, recovered_projects = 0, recovered_others = 0;
  for (const Subject& s : subjects) {
    if (!s.firing.empty()) {
      attention.push_back(attention_entry(in, l, s));
      ++(s.project ? projects : others);
    } else {
      recovered.push_back(recovered_line(l, s));
      ++(s.project ? recovered_projects : recovered_others);
    }
  }
  std::vector<std::string> counts;
  if (!attention.empty()) {
    counts.push_back(others == 0
                         ? say("count_projects", l, {{"n", std::to_string(projects)}})
                         : say("count_items", l, {{"n", std::to_string(projects + others)}}));
  }
  if (!recovered.empty()) {
    counts.push_back(
        recovered_others == 0
            ? say("count_projects_recovered", l, {{"n", std::to_string(recovered_projects)}})
            : say("count_items_recovered", l,
                  {{"n", std::to_string(recovered_projects + recovered_others)}}));
  }
  const std::map<std::string, std::string> head = {
      {"who", who}, {"as_of", in.as_of}, {"counts", join(counts, say("count_separator", l))}};
  n.title = say(attention.empty() ? "title_resolved" : "title", l, head);

  const std::string intro = say("intro", l, head);
  const std::string resolved_header = say("resolved_header", l, head);
  const std::string footer = say("footer", l);
  std::string text = greeting + "\n\n";
  std::string md = "### " + markdown_text(n.title) + "\n\n" + markdown_text(greeting) + "\n\n";
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"" + std::string(l == Lang::en ? "en" : "zh-CN") +
      "\">\n<head><meta charset=\"utf-8\"><title>" + engine::html_escape(n.title) +
      "</title></head>\n<body style=\"margin:0;padding:16px;font-family:'Microsoft "
      "YaHei','PingFang SC','Noto Sans CJK SC',sans-serif;font-size:14px;line-height:1.6;"
      "color:#222\">\n<p>" +
      engine::html_escape(greeting) + "</p>\n";
  if (!attention.empty()) {
    text += intro + "\n\n";
    md += markdown_text(intro) + "\n\n";
    html += "<p>" + engine::html_escape(intro) + "</p>\n<ol style=\"padding-left:24px\">\n";
    int i = 0;
    for (const Entry& e : attention) {
      ++i;
      text += std::to_string(i) + ". " + e.heading + "\n";
      md += std::to_string(i) + ". **" + markdown_text(e.heading) + "**\n";
      html +=
          "<li style=\"margin:0 0 12px 0\"><strong>" + engine::html_escape(e.heading) + "</strong>";
      if (!e.lines.empty() || !e.url.empty())
        html += "\n<ul style=\"margin:4px 0;padding-left:0;list-style:none\">\n";
      for (const Line& x : e.lines) {
        text += std::string(x.level == 0 ? 3 : 6, ' ') + x.text + "\n";
        md += std::string(x.level == 0 ? 4 : 8, ' ') + "- " + markdown_text(x.text) + "\n";
        std::string style = x.level == 0 ? "" : "padding-left:2em;color:#555;";
        if (x.alert) style += "color:#b00020;";
        html += "<li" + (style.empty() ? std::string() : " style=\"" + style + "\"") + ">" +
                engine::html_escape(x.text) + "</li>\n";
      }
      if (!e.url.empty()) {
        text += "   " + link_text(l, e.url) + "\n";
        md += "    - " + link_markdown(l, e.url) + "\n";
        html += "<li>" + link_html(l, e.url) + "</li>\n";
      }
      if (!e.lines.empty() || !e.url.empty()) html += "</ul>";
      html += "</li>\n";
      text += "\n";
    }
    html += "</ol>\n";
  }
  if (!recovered.empty()) {
    text += resolved_header + "\n\n";
    md += "\n" + markdown_text(resolved_header) + "\n\n";
    html += "<p>" + engine::html_escape(resolved_header) +
            "</p>\n<ol style=\"padding-left:24px;color:#1b5e20\">\n";
    int i = 0;
    for (const std::string& line : recovered) {
      ++i;
      text += std::to_string(i) + ". " + line + "\n";
      md += std::to_string(i) + ". " + markdown_text(line) + "\n";
      html += "<li>" + engine::html_escape(line) + "</li>\n";
    }
    text += "\n";
    html += "</ol>\n";
  }
  text += footer + "\n";
  md += "\n" + markdown_text(footer) + "\n";
  html += "<p style=\"margin-top:16px;color:#777;font-size:12px\">" + engine::html_escape(footer) +
          "</p>\n</body>\n</html>\n";
  n.text = std::move(text);
  n.markdown = std::move(md);
  n.html = std::move(html);
  for (const AlertState* a : in.firing)
    n.alerts.push_back(item(*a, Status::firing, links_of(in.external_url, *a)));
  for (const AlertState* a : in.resolved)
    n.alerts.push_back(item(*a, Status::resolved, links_of(in.external_url, *a)));
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
  o["html"] = n.html;
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
    x["api_url"] = a.api_url;
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
  n.html = str(o, "html");
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
      if (const auto* s = xo.if_contains("starts_at"); s && s->is_int64())
        it.starts_at = s->as_int64();
      if (const auto* e = xo.if_contains("ends_at"); e && e->is_int64()) it.ends_at = e->as_int64();
      it.url = str(xo, "url");
      it.api_url = str(xo, "api_url");
      n.alerts.push_back(std::move(it));
    }
  }
  return n;
}

}  // namespace bw::alerts
