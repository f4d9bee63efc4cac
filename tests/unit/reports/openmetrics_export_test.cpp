#include "reports/openmetrics_export.h"

#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace bw::reports {
namespace {

using engine::make_date;

engine::BudgetLine line(std::string code, std::string name, std::string unit,
                        std::int64_t initial_yuan) {
  engine::BudgetLine l;
  l.code = std::move(code);
  l.name = std::move(name);
  l.unit_code = std::move(unit);
  l.unit_name = "unit " + l.unit_code;
  l.kind = engine::LineKind::project;
  l.initial = engine::Money::from_yuan(initial_yuan);
  return l;
}

engine::PaymentSeries paid(std::string unit, std::string code, int month, std::int64_t yuan) {
  engine::PaymentSeries p;
  p.unit_code = std::move(unit);
  p.project_code = std::move(code);
  p.month_paid[static_cast<std::size_t>(month)] = engine::Money::from_yuan(yuan);
  p.month_count[static_cast<std::size_t>(month)] = 1;
  return p;
}

// Two project lines of one unit; P1 is paid 100 in January and 300 in March, P2 (a name that needs
// escaping) 50 in February.
std::vector<engine::Snapshot> snapshots(const std::vector<engine::CivilDate>& dates) {
  engine::Inputs in;
  in.fiscal_year = engine::FiscalYear(2021, 1);
  in.lines = {line("P1", "道路养护", "U1", 1000), line("P2", "say \"hi\" \\ twice", "U1", 500)};
  in.payments = {paid("U1", "P1", 0, 100), paid("U1", "P2", 1, 50), paid("U1", "P1", 2, 300)};
  std::vector<engine::Snapshot> out;
  for (const engine::CivilDate d : dates) {
    engine::Inputs upto = in;
    // The store hands the engine only payments up to the as-of date (store/inputs.h).
    for (auto& p : upto.payments) {
      for (unsigned m = static_cast<unsigned>(d.month()); m < 12; ++m) p.month_paid[m] = {};
    }
    out.push_back(engine::evaluate(upto, d, engine::Policy{}));
  }
  return out;
}

std::string render(const std::vector<engine::Snapshot>& s, OpenMetricsOptions o = {}) {
  std::ostringstream out;
  write_openmetrics(out, s, o);
  return out.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

TEST(OpenMetricsExportTest, month_ends_between_keeps_whole_months_in_range) {
  const auto m = month_ends_between(make_date(2021, 1, 15), make_date(2021, 3, 31));
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[0], make_date(2021, 1, 31));
  EXPECT_EQ(m[1], make_date(2021, 2, 28));
  EXPECT_EQ(m[2], make_date(2021, 3, 31));
  EXPECT_EQ(month_ends_between(make_date(2021, 1, 1), make_date(2021, 1, 30)).size(), 0u);
  EXPECT_EQ(month_ends_between(make_date(2021, 1, 1), make_date(2021, 12, 31)).size(), 12u);
  EXPECT_EQ(month_ends_between(make_date(2024, 2, 29), make_date(2024, 2, 29)),
            std::vector<engine::CivilDate>{make_date(2024, 2, 29)});
}

TEST(OpenMetricsExportTest, samples_are_stamped_235959_local_time) {
  // 2021-10-31 23:59:59 in Asia/Shanghai (UTC+8) = 2021-10-31T15:59:59Z.
  EXPECT_EQ(sample_timestamp(make_date(2021, 10, 31), {}), 1635695999);
  OpenMetricsOptions utc;
  utc.midnight_utc = [](engine::CivilDate d) {
    return static_cast<std::int64_t>(std::chrono::sys_days{d}.time_since_epoch().count()) * 86400;
  };
  EXPECT_EQ(sample_timestamp(make_date(2021, 10, 31), utc), 1635724799);
}

TEST(OpenMetricsExportTest, writes_month_end_series_with_timestamps_and_eof) {
  const std::string text =
      render(snapshots({make_date(2021, 1, 31), make_date(2021, 2, 28), make_date(2021, 3, 31)}));
  ASSERT_GE(text.size(), 6u);
  EXPECT_EQ(text.substr(text.size() - 6), "# EOF\n");
  const std::int64_t jan = sample_timestamp(make_date(2021, 1, 31), {});
  const std::int64_t mar = sample_timestamp(make_date(2021, 3, 31), {});
  EXPECT_NE(
      text.find("budgetwatch_project_paid_yuan{project=\"P1\",unit=\"U1\",department=\"\"} 100 " +
                std::to_string(jan) + "\n"),
      std::string::npos);
  EXPECT_NE(
      text.find("budgetwatch_project_paid_yuan{project=\"P1\",unit=\"U1\",department=\"\"} 400 " +
                std::to_string(mar) + "\n"),
      std::string::npos);
  EXPECT_NE(text.find("budgetwatch_department_paid_yuan{department=\"\"} 450 " +
                      std::to_string(mar) + "\n"),
            std::string::npos);
  EXPECT_NE(text.find("budgetwatch_department_execution_ratio{department=\"\"} 0.3 " +
                      std::to_string(mar) + "\n"),
            std::string::npos);
  EXPECT_NE(
      text.find("budgetwatch_unit_projects{unit=\"U1\",department=\"\",band=\"below_50\"} 2 " +
                std::to_string(mar) + "\n"),
      std::string::npos);
  // Names and owners live in the _info series, escaped as OpenMetrics wants.
  EXPECT_NE(
      text.find(
          "budgetwatch_project_info{project=\"P2\",unit=\"U1\",department=\"\","
          "name=\"say \\\"hi\\\" \\\\ twice\",kind=\"project\",owner=\"\",department_name=\"\","
          "fiscal_year=\"2021\",source=\"initial\",carry_age=\"0\"} 1 " +
          std::to_string(jan) + "\n"),
      std::string::npos);
}

TEST(OpenMetricsExportTest, families_are_declared_once_and_series_are_in_time_order) {
  const std::string text =
      render(snapshots({make_date(2021, 1, 31), make_date(2021, 2, 28), make_date(2021, 3, 31)}));
  std::map<std::string, int> types;
  std::map<std::string, std::int64_t> last_ts;  // series → last timestamp
  std::string current_family;
  std::vector<std::string> closed;  // families whose samples are over
  for (const std::string& l : lines_of(text)) {
    if (l.rfind("# TYPE ", 0) == 0) {
      const std::string name = l.substr(7, l.find(' ', 7) - 7);
      ++types[name];
      if (!current_family.empty()) closed.push_back(current_family);
      current_family = name;
      EXPECT_EQ(l, "# TYPE " + name + " gauge");
      continue;
    }
    if (l.empty() || l[0] == '#') continue;
    const std::size_t value_end = l.rfind(' ');
    const std::string series = l.substr(0, l.rfind(' ', value_end - 1));
    const std::string name = series.substr(0, series.find('{'));
    EXPECT_EQ(name, current_family) << l;
    const std::int64_t ts = std::stoll(l.substr(value_end + 1));
    auto it = last_ts.find(series);
    if (it != last_ts.end()) {
      EXPECT_LT(it->second, ts) << l;
    }
    last_ts[series] = ts;
  }
  for (const auto& [name, n] : types) EXPECT_EQ(n, 1) << name;
  EXPECT_EQ(types.count("budgetwatch_project_execution_ratio"), 1u);
  EXPECT_EQ(types.count("budgetwatch_unit_expected_ratio"), 1u);
  EXPECT_EQ(types.count("budgetwatch_department_adjusted_budget_yuan"), 1u);
  EXPECT_EQ(last_ts.count("budgetwatch_department_execution_ratio{department=\"\"}"), 1u);
}

TEST(OpenMetricsExportTest, project_series_filter_as_the_metrics_config) {
  const auto s = snapshots({make_date(2021, 3, 31)});
  OpenMetricsOptions none;
  none.project_series = ProjectSeriesFilter::none;
  const std::string text = render(s, none);
  EXPECT_EQ(text.find("budgetwatch_project_paid_yuan{"), std::string::npos);
  EXPECT_NE(text.find("budgetwatch_unit_paid_yuan{unit=\"U1\",department=\"\"} 450 "),
            std::string::npos);
}

// Every sample line of the text, with its labels as a map (the values unescaped only for \", \\).
std::vector<std::pair<std::string, std::map<std::string, std::string>>> samples_of(
    const std::string& text) {
  std::vector<std::pair<std::string, std::map<std::string, std::string>>> out;
  for (const std::string& l : lines_of(text)) {
    if (l.empty() || l[0] == '#') continue;
    const std::size_t brace = l.find('{');
    const std::size_t space = l.find(' ');
    std::map<std::string, std::string> labels;
    if (brace != std::string::npos && brace < space) {
      std::size_t i = brace + 1;
      while (l[i] != '}') {
        const std::size_t eq = l.find("=\"", i);
        const std::string name = l.substr(i, eq - i);
        std::string value;
        for (i = eq + 2; l[i] != '"'; ++i) value += l[i] == '\\' ? l[++i] : l[i];
        labels[name] = value;
        ++i;
        if (l[i] == ',') ++i;
      }
    }
    out.emplace_back(l.substr(0, std::min(brace, space)), std::move(labels));
  }
  return out;
}

TEST(OpenMetricsExportTest, extra_labels_are_on_every_series) {
  OpenMetricsOptions o;
  o.extra_labels = {
      {"job", "budgetwatch"}, {"instance", "bw-host:9464"}, {"site", "荔湾 \"demo\""}};
  const auto s = snapshots({make_date(2021, 1, 31), make_date(2021, 3, 31)});
  const std::string text = render(s, o);
  const auto samples = samples_of(text);
  ASSERT_GT(samples.size(), 50u);
  for (const auto& [name, labels] : samples) {
    EXPECT_EQ(labels.count("job") ? labels.at("job") : "", "budgetwatch") << name;
    EXPECT_EQ(labels.count("instance") ? labels.at("instance") : "", "bw-host:9464") << name;
    EXPECT_EQ(labels.count("site") ? labels.at("site") : "", "荔湾 \"demo\"") << name;
  }
  const std::string mar = std::to_string(sample_timestamp(make_date(2021, 3, 31), {}));
  // After the series' own labels; a series without labels gets them alone.
  EXPECT_NE(text.find("budgetwatch_project_paid_yuan{project=\"P1\",unit=\"U1\",department=\"\","
                      "job=\"budgetwatch\","
                      "instance=\"bw-host:9464\",site=\"荔湾 \\\"demo\\\"\"} 400 " +
                      mar + "\n"),
            std::string::npos);
  EXPECT_NE(text.find("budgetwatch_department_paid_yuan{department=\"\",job=\"budgetwatch\","
                      "instance=\"bw-host:9464\","
                      "site=\"荔湾 \\\"demo\\\"\"} 450 " +
                      mar + "\n"),
            std::string::npos);
  // The same series and values as without the labels, one sample per series and month.
  const auto plain = samples_of(render(s));
  ASSERT_EQ(plain.size(), samples.size());
  for (std::size_t i = 0; i < plain.size(); ++i) {
    auto with = samples[i].second;
    with.erase("job");
    with.erase("instance");
    with.erase("site");
    EXPECT_EQ(samples[i].first, plain[i].first);
    EXPECT_EQ(with, plain[i].second) << plain[i].first;
  }
}

TEST(OpenMetricsExportTest, extra_labels_must_be_new_valid_names_with_values) {
  EXPECT_EQ(extra_labels_error({}), "");
  EXPECT_EQ(extra_labels_error({{"job", "budgetwatch"}, {"instance", "h:9464"}, {"_x1", "v"}}), "");
  EXPECT_NE(extra_labels_error({{"1job", "x"}}).find("not a Prometheus label name"),
            std::string::npos);
  EXPECT_NE(extra_labels_error({{"jo-b", "x"}}).find("not a Prometheus label name"),
            std::string::npos);
  EXPECT_NE(extra_labels_error({{"", "x"}}).find("not a Prometheus label name"), std::string::npos);
  EXPECT_NE(extra_labels_error({{"__name__", "x"}}).find("reserved"), std::string::npos);
  for (const char* own : {"project", "unit", "department", "name", "kind", "owner",
                          "department_name", "fiscal_year", "band", "component", "reason"}) {
    EXPECT_NE(extra_labels_error({{own, "x"}}).find("already a label"), std::string::npos) << own;
  }
  EXPECT_NE(extra_labels_error({{"job", "a"}, {"job", "b"}}).find("twice"), std::string::npos);
  EXPECT_NE(extra_labels_error({{"job", ""}}).find("empty value"), std::string::npos);
  OpenMetricsOptions o;
  o.extra_labels = {{"unit", "x"}};
  std::ostringstream out;
  EXPECT_THROW(write_openmetrics(out, snapshots({make_date(2021, 1, 31)}), o),
               std::invalid_argument);
  EXPECT_EQ(out.str(), "");
}

TEST(OpenMetricsExportTest, snapshots_out_of_order_are_refused) {
  const auto s = snapshots({make_date(2021, 2, 28), make_date(2021, 1, 31)});
  std::ostringstream out;
  EXPECT_THROW(write_openmetrics(out, s, {}), std::invalid_argument);
}

}  // namespace
}  // namespace bw::reports
