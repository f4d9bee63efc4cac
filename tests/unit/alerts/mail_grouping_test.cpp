// Issue 17, "E-mails and robot messages": one entry per project with its indicators under it, the
// title counting the projects listed, a project needing attention never also listed as recovered,
// the bureau greeted as the bureau, an HTML alternative with the same content, and links to the
// project's HTML page. Golden texts in zh-CN and English.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "alerts/notification.h"
#include "alerts/render.h"

namespace bw::alerts {
namespace {

AlertState line_alert(std::string rule, std::string kind, std::string code, std::string name) {
  AlertState a;
  a.rule = std::move(rule);
  a.fingerprint = a.rule + "/" + code;
  a.severity = Severity::warning;
  a.state = State::firing;
  a.labels = {{"rule_kind", std::move(kind)},
              {"subject", code},
              {"project_code", code},
              {"project_name", std::move(name)},
              {"unit_name", "广州市荔湾区科技工业和信息化局"},
              {"owner", "罗伟明"},
              {"fiscal_year", "2021"}};
  a.annotations = {
      {"as_of", "2021-09-30"},    {"threshold_pct", "60.00"}, {"execution_pct", "36.90"},
      {"expected_pct", "75.07"},  {"gap_pp", "38.17"},        {"unspent_wan", "6.31"},
      {"deadline", "2021-12-31"}, {"days_left", "92"},        {"spend_by", "2021-06-30"}};
  return a;
}

AlertState indicator_alert(std::string code, std::string name, std::string indicator,
                           std::string target, std::string actual) {
  AlertState a;
  a.rule = "indicator_overdue";
  a.fingerprint = a.rule + "/" + code + "#1";
  a.severity = Severity::warning;
  a.state = State::firing;
  a.labels = {{"rule_kind", "indicator_overdue"},
              {"subject", code + "#1"},
              {"project_code", code},
              {"project_name", std::move(name)},
              {"indicator", std::move(indicator)},
              {"unit_name", "广州市荔湾区科技工业和信息化局"},
              {"fiscal_year", "2021"}};
  a.annotations = {{"as_of", "2021-09-30"},
                   {"target", std::move(target)},
                   {"actual", std::move(actual)},
                   {"due", "2021-09-30"},
                   {"reason_id", "indicator.reason.none_by"},
                   {"reason_arg_due", "2021-09-30"}};
  return a;
}

// 罗伟明's message on 2021-09-30: P06 below 60% (its "nothing paid by June" cleared by a late June
// export) with an indicator not reported; P22 with an indicator only; P23 recovered.
struct Scenario {
  AlertState p06 = line_alert("q3_below_60", "below_threshold", "LW2021-P06", "交通战备工作经费");
  AlertState p06_none =
      line_alert("nothing_paid_by_june", "no_spending", "LW2021-P06", "交通战备工作经费");
  AlertState p06_ind =
      indicator_alert("LW2021-P06", "交通战备工作经费", "完成战备演练", "第三季度前", "");
  AlertState p22_ind =
      indicator_alert("LW2021-P22", "企业服务<专项>&培训", "服务企业数量", "200", "185");
  AlertState p23 = line_alert("q3_below_60", "below_threshold", "LW2021-P23", "工业设计周活动经费");
  Scenario() {
    p06_none.state = p23.state = State::resolved;
    p22_ind.annotations["reason_id"] = "indicator.reason.misses_after";
    p22_ind.annotations["reason_arg_actual"] = "185";
    p22_ind.annotations["reason_arg_target"] = "200";
    p23.annotations["execution_pct"] = "62.50";
  }
  RenderInput input(std::string lang) const {
    RenderInput in;
    in.language = std::move(lang);
    in.external_url = "http://127.0.0.1:9464";
    in.as_of = "2021-09-30";
    in.group_key = "owner=罗伟明";
    in.group_labels = {{"owner", "罗伟明"}};
    in.firing = {&p06, &p06_ind, &p22_ind};
    in.resolved = {&p06_none, &p23};
    return in;
  }
};

// Every line of the text, without its indentation and number, is in the HTML part (escaped); the
// links are anchors there.
void expect_same_content(const Notification& n) {
  std::size_t start = 0;
  while (start < n.text.size()) {
    std::size_t end = n.text.find('\n', start);
    if (end == std::string::npos) end = n.text.size();
    std::string line = n.text.substr(start, end - start);
    start = end + 1;
    line.erase(0, line.find_first_not_of(' '));
    if (line.empty()) continue;
    if (const auto dot = line.find(". ");
        dot != std::string::npos && dot <= 3 && line.find_first_not_of("0123456789") == dot)
      line.erase(0, dot + 2);
    const auto url = line.find("http://");
    if (url != std::string::npos) {
      const std::string link = line.substr(url);
      EXPECT_NE(n.html.find("<a href=\"" + link + "\""), std::string::npos) << link;
      continue;
    }
    std::string escaped;
    for (char c : line) {
      switch (c) {
        case '&':
          escaped += "&amp;";
          break;
        case '<':
          escaped += "&lt;";
          break;
        case '>':
          escaped += "&gt;";
          break;
        case '"':
          escaped += "&quot;";
          break;
        case '\'':
          escaped += "&#39;";
          break;
        default:
          escaped += c;
      }
    }
    EXPECT_NE(n.html.find(escaped), std::string::npos) << escaped << "\n" << n.html;
  }
}

TEST(MailGrouping, golden_zh) {
  const Scenario s;
  const Notification n = render(s.input("zh-CN"));
  EXPECT_EQ(n.title, "【预算执行预警】罗伟明：2 个项目需关注，1 个项目已恢复（截至 2021-09-30）");
  EXPECT_EQ(
      n.text,
      "罗伟明，您好：\n"
      "\n"
      "截至 2021-09-30，以下项目的预算执行需要关注：\n"
      "\n"
      "1. 交通战备工作经费（LW2021-P06）\n"
      "   单位：广州市荔湾区科技工业和信息化局\n"
      "   预警：执行率低于 60.00%（警告）\n"
      "   执行率 36.90%，序时进度 75.07%，低于序时进度 38.17 个百分点\n"
      "   未支出 6.31 万元；完成时限 2021-12-31（剩余 92 天）\n"
      "   绩效指标「完成战备演练」逾期未达成：截至完成时限 2021-09-30 未填报实际完成值（警告）\n"
      "      指标值 第三季度前；实际完成值 未填报；完成时限 2021-09-30\n"
      "   其中 尚未支出 已解除\n"
      "   详情：http://127.0.0.1:9464/projects/LW2021-P06?fiscal_year=2021\n"
      "\n"
      "2. 企业服务<专项>&培训（LW2021-P22）\n"
      "   单位：广州市荔湾区科技工业和信息化局\n"
      "   绩效指标「服务企业数量」逾期未达成：实际完成值 185，完成时限 2021-09-30 "
      "已过仍未达到指标值 200（警告）\n"
      "      指标值 200；实际完成值 185；完成时限 2021-09-30\n"
      "   详情：http://127.0.0.1:9464/projects/LW2021-P22?fiscal_year=2021\n"
      "\n"
      "以下项目已恢复，不再满足预警条件：\n"
      "\n"
      "1. 工业设计周活动经费（LW2021-P23）：执行率 62.50%（执行率低于 60.00% 已解除）\n"
      "\n"
      "—— budgetwatch 预算执行监控\n");
  // The robots' Markdown: the same entries, the project in bold, its lines as a list under it.
  EXPECT_NE(n.markdown.find("1. **交通战备工作经费（LW2021-P06）**\n"
                            "    - 单位：广州市荔湾区科技工业和信息化局\n"),
            std::string::npos)
      << n.markdown;
  EXPECT_NE(
      n.markdown.find("        - 指标值 第三季度前；实际完成值 未填报；完成时限 2021-09-30\n"
                      "    - 其中 尚未支出 已解除\n"
                      "    - 详情：[http://127.0.0.1:9464/projects/LW2021-P06?fiscal_year=2021]"
                      "(http://127.0.0.1:9464/projects/LW2021-P06?fiscal_year=2021)\n"),
      std::string::npos)
      << n.markdown;
  // The HTML part: the same content, escaped, no external resources.
  expect_same_content(n);
  EXPECT_TRUE(n.html.starts_with("<!DOCTYPE html>\n<html lang=\"zh-CN\">")) << n.html;
  EXPECT_NE(n.html.find("<strong>企业服务&lt;专项&gt;&amp;培训（LW2021-P22）</strong>"),
            std::string::npos);
  EXPECT_EQ(n.html.find("<专项>"), std::string::npos) << "unescaped";
  for (const char* external : {"<script", "<link", "src=", "url("})
    EXPECT_EQ(n.html.find(external), std::string::npos);
  // Every alert for machines, with the page and the JSON.
  ASSERT_EQ(n.alerts.size(), 5u);
  EXPECT_EQ(n.alerts[0].url, "http://127.0.0.1:9464/projects/LW2021-P06?fiscal_year=2021");
  EXPECT_EQ(n.alerts[0].api_url,
            "http://127.0.0.1:9464/api/v1/projects/LW2021-P06?fiscal_year=2021");
  EXPECT_EQ(n.alerts[3].status, Status::resolved);
  EXPECT_EQ(n.text.find("/api/v1/"), std::string::npos);
}

TEST(MailGrouping, golden_en) {
  const Scenario s;
  const Notification n = render(s.input("en"));
  EXPECT_EQ(
      n.title,
      "[Budget execution alert] 罗伟明: 2 project(s) need attention, 1 project(s) recovered (as of "
      "2021-09-30)");
  EXPECT_EQ(
      n.text,
      "Dear 罗伟明,\n"
      "\n"
      "As of 2021-09-30, the budget execution of these projects needs attention:\n"
      "\n"
      "1. 交通战备工作经费 (LW2021-P06)\n"
      "   Unit: 广州市荔湾区科技工业和信息化局\n"
      "   Alert: execution below 60.00% (warning)\n"
      "   Execution 36.90%, expected progress 75.07%, 38.17 percentage points behind the expected "
      "progress\n"
      "   Unspent 6.31 10k yuan; deadline 2021-12-31 (92 days left)\n"
      "   indicator '完成战备演练' not met in time: no actual value by 2021-09-30 (warning)\n"
      "      Target 第三季度前; actual not reported; due 2021-09-30\n"
      "   Cleared meanwhile: nothing paid\n"
      "   Details: http://127.0.0.1:9464/projects/LW2021-P06?fiscal_year=2021\n"
      "\n"
      "2. 企业服务<专项>&培训 (LW2021-P22)\n"
      "   Unit: 广州市荔湾区科技工业和信息化局\n"
      "   indicator '服务企业数量' not met in time: actual 185 misses 200 after 2021-09-30 "
      "(warning)\n"
      "      Target 200; actual 185; due 2021-09-30\n"
      "   Details: http://127.0.0.1:9464/projects/LW2021-P22?fiscal_year=2021\n"
      "\n"
      "These projects recovered and no longer meet the alert condition:\n"
      "\n"
      "1. 工业设计周活动经费 (LW2021-P23): execution 62.50% (execution below 60.00% cleared)\n"
      "\n"
      "-- budgetwatch, budget execution monitoring\n");
  expect_same_content(n);
  EXPECT_TRUE(n.html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">")) << n.html;
}

// Only resolved: the recovered title; a project whose every alert resolved is listed once, as
// recovered.
TEST(MailGrouping, a_project_is_recovered_only_when_nothing_of_it_fires) {
  const Scenario s;
  RenderInput in = s.input("zh-CN");
  in.firing = {};
  in.resolved = {&s.p06_none, &s.p23};
  const Notification n = render(in);
  EXPECT_EQ(n.title, "【预算执行预警·已恢复】罗伟明：2 个项目已恢复（截至 2021-09-30）");
  EXPECT_NE(n.text.find(
                "1. 交通战备工作经费（LW2021-P06）：执行率 36.90%（尚未支出 已解除）\n"
                "2. 工业设计周活动经费（LW2021-P23）：执行率 62.50%（执行率低于 60.00% 已解除）\n"),
            std::string::npos)
      << n.text;
  // P06 firing again (its indicator): it leaves the recovered list for the attention list.
  in.firing = {&s.p06_ind};
  const Notification m = render(in);
  EXPECT_EQ(m.title, "【预算执行预警】罗伟明：1 个项目需关注，1 个项目已恢复（截至 2021-09-30）");
  EXPECT_EQ(m.text.find("LW2021-P06）："), std::string::npos) << m.text;
  EXPECT_NE(m.text.find("   其中 尚未支出 已解除\n"), std::string::npos) << m.text;
}

// The bureau's escalation greets the bureau (the receiver's addressee); the subject names the unit.
TEST(MailGrouping, the_bureau_is_greeted_as_the_bureau) {
  const Scenario s;
  RenderInput in = s.input("zh-CN");
  in.group_labels = {{"unit_name", "广州市荔湾区科技工业和信息化局"}};
  in.addressee = "区财政局";
  in.firing = {&s.p06};
  in.resolved = {};
  const Notification n = render(in);
  EXPECT_EQ(n.title,
            "【预算执行预警】广州市荔湾区科技工业和信息化局：1 个项目需关注（截至 2021-09-30）");
  EXPECT_TRUE(n.text.starts_with("区财政局：\n\n")) << n.text;
  EXPECT_NE(n.html.find("<p>区财政局：</p>"), std::string::npos);
  in.addressee.clear();
  EXPECT_TRUE(render(in).text.starts_with("广州市荔湾区科技工业和信息化局，您好：\n"))
      << render(in).text;
  in.language = "en";
  in.addressee = "District Finance Bureau";
  EXPECT_TRUE(render(in).text.starts_with("To District Finance Bureau:\n")) << render(in).text;
}

// A project name from the register is text in the robots' Markdown: no link, no tag, no emphasis of
// its own (WeCom renders <font>, every vendor renders [text](url) and **), and it reads the same
// with full-width marks.
TEST(MailGrouping, register_text_opens_no_markup_in_markdown) {
  const Scenario s;
  AlertState hostile = line_alert("q3_below_60", "below_threshold", "LW2021-P30",
                                  "[点我](http://evil.example)<font color=\"red\">*急*</font>`x`");
  RenderInput in = s.input("zh-CN");
  in.firing = {&hostile};
  in.resolved = {};
  const Notification n = render(in);
  EXPECT_EQ(n.markdown.find("](http://evil"), std::string::npos) << n.markdown;
  EXPECT_EQ(n.markdown.find("<font"), std::string::npos) << n.markdown;
  EXPECT_EQ(n.markdown.find("*急*"), std::string::npos) << n.markdown;
  EXPECT_EQ(n.markdown.find('`'), std::string::npos) << n.markdown;
  EXPECT_NE(n.markdown.find("1. **［点我］(http://evil.example)＜font "
                            "color=\"red\"＞＊急＊＜/font＞｀x｀（LW2021-P30）**\n"),
            std::string::npos)
      << n.markdown;
  // The plain text keeps the name as registered.
  EXPECT_NE(n.text.find(
                "1. [点我](http://evil.example)<font color=\"red\">*急*</font>`x`（LW2021-P30）\n"),
            std::string::npos)
      << n.text;
}

// A source or a refused file is an entry of its own, and the subject counts "items", not projects.
TEST(MailGrouping, sources_are_counted_as_items) {
  const Scenario s;
  AlertState stale;
  stale.rule = "stale";
  stale.fingerprint = "stale/source:treasury";
  stale.state = State::firing;
  stale.labels = {
      {"rule_kind", "stale_source"}, {"subject", "source:treasury"}, {"source", "treasury"}};
  stale.annotations = {{"stale_hours", "170"}};
  RenderInput in = s.input("zh-CN");
  in.firing = {&s.p06, &stale};
  in.resolved = {};
  const Notification n = render(in);
  EXPECT_EQ(n.title, "【预算执行预警】罗伟明：2 项需关注（截至 2021-09-30）");
  EXPECT_NE(n.text.find("\n2. 数据源 treasury 已 170 小时没有新的导出文件（警告）\n"),
            std::string::npos)
      << n.text;
  EXPECT_EQ(n.alerts[1].url, "");
}

}  // namespace
}  // namespace bw::alerts
