// Issue 17, "E-mails and robot messages": one entry per project with its indicators under it, the title
// counting the projects listed, a project needing attention never also listed as recovered, the bureau
// greeted as the bureau, an HTML alternative with the same content, and links to the project's HTML page.
// Golden texts in zh-CN and English.
#include <gtest/gtest.h>

#include <iostream>
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
  a.labels = {{"rule_kind", std::move(kind)}, {"subject", code},         {"project_code", code},
              {"project_name", std::move(name)}, {"unit_name", "广州市荔湾区科技工业和信息化局"},
              {"owner", "罗伟明"},               {"fiscal_year", "2021"}};
  a.annotations = {{"as_of", "2021-09-30"},     {"threshold_pct", "60.00"}, {"execution_pct", "36.90"},
                   {"expected_pct", "75.07"},   {"gap_pp", "38.17"},        {"unspent_wan", "6.31"},
                   {"deadline", "2021-12-31"},  {"days_left", "92"},        {"spend_by", "2021-06-30"}};
  return a;
}

AlertState indicator_alert(std::string code, std::string name, std::string indicator, std::string target,
                           std::string actual) {
  AlertState a;
  a.rule = "indicator_overdue";
  a.fingerprint = a.rule + "/" + code + "#1";
  a.severity = Severity::warning;
  a.state = State::firing;
  a.labels = {{"rule_kind", "indicator_overdue"}, {"subject", code + "#1"}, {"project_code", code},
              {"project_name", std::move(name)},  {"indicator", std::move(indicator)},
              {"unit_name", "广州市荔湾区科技工业和信息化局"}, {"fiscal_year", "2021"}};
  a.annotations = {{"as_of", "2021-09-30"}, {"target", std::move(target)}, {"actual", std::move(actual)},
                   {"due", "2021-09-30"},   {"reason_id", "indicator.reason.none_by"},
                   {"reason_arg_due", "2021-09-30"}};
  return a;
}

// 罗伟明's message on 2021-09-30: P06 below 60% (its "nothing paid by June" cleared by a late June
// export) with an indicator not reported; P22 with an indicator only; P23 recovered.
struct Scenario {
  AlertState p06 = line_alert("q3_below_60", "below_threshold", "LW2021-P06", "交通战备工作经费");
  AlertState p06_none = line_alert("nothing_paid_by_june", "no_spending", "LW2021-P06", "交通战备工作经费");
  AlertState p06_ind = indicator_alert("LW2021-P06", "交通战备工作经费", "完成战备演练", "第三季度前", "");
  AlertState p22_ind = indicator_alert("LW2021-P22", "企业服务<专项>&培训", "服务企业数量", "200", "185");
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

TEST(MailGrouping, golden_zh) {
  const Scenario s;
  const Notification n = render(s.input("zh-CN"));
  std::cout << n.title << "\n" << n.text << "\n" << n.markdown << "\n" << n.html << "\n";
}

TEST(MailGrouping, golden_en) {
  const Scenario s;
  const Notification n = render(s.input("en"));
  std::cout << n.title << "\n" << n.text << "\n" << n.markdown << "\n";
}

}  // namespace
}  // namespace bw::alerts
