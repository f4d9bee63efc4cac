#include "daemon/metrics/snapshot_collector.h"

#include <gtest/gtest.h>

#include <array>
#include <map>
#include <sstream>
#include <tuple>

#include <prometheus/text_serializer.h>
#include <zlib.h>

#include "daemon/clock.h"
#include "reports/metric_catalogue.h"

namespace bw::daemon {
namespace {

using engine::make_date;
using engine::Money;

// Two lines of unit U1, 1,000 yuan each.
engine::Inputs two_lines() {
  engine::Inputs in;
  in.fiscal_year = engine::FiscalYear(2021, 1);
  for (auto [code, initial] : {std::pair{"P1", 1000}, std::pair{"P2", 1000}}) {
    engine::BudgetLine l;
    l.code = code;
    l.name = std::string("项目 ") + code;
    l.unit_code = "U1";
    l.initial = Money::from_yuan(initial);
    in.lines.push_back(l);
  }
  return in;
}

std::shared_ptr<const engine::Snapshot> sample() {
  engine::Inputs in = two_lines();
  engine::PaymentSeries p;
  p.unit_code = "U1";
  p.project_code = "P1";
  p.month_paid[2] = Money::from_yuan(900);
  in.payments.push_back(p);
  return std::make_shared<const engine::Snapshot>(
      engine::evaluate(in, make_date(2021, 12, 31), engine::Policy{}));
}

const prometheus::MetricFamily* family(const std::vector<prometheus::MetricFamily>& fs,
                                       const std::string& name) {
  for (const auto& f : fs) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

TEST(SnapshotCollectorTest, exposes_projects_units_and_department) {
  SnapshotCollector c(SnapshotMetricsOptions{});
  EXPECT_TRUE(c.Collect().empty());
  c.publish(sample());
  const auto fs = c.Collect();
  const auto* paid = family(fs, "budgetwatch_project_paid_yuan");
  ASSERT_NE(paid, nullptr);
  ASSERT_EQ(paid->metric.size(), 2u);
  EXPECT_EQ(paid->metric[0].label[0].name, "project");
  EXPECT_DOUBLE_EQ(paid->metric[0].gauge.value, 900.0);
  const auto* info = family(fs, "budgetwatch_project_info");
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->metric[0].label[2].name, "department");
  EXPECT_EQ(info->metric[0].label[3].value, "项目 P1");
  const auto* dept = family(fs, "budgetwatch_department_execution_ratio");
  ASSERT_NE(dept, nullptr);
  // One department (the registers name none): department="", which Prometheus stores as no label.
  ASSERT_EQ(dept->metric.size(), 1u);
  ASSERT_EQ(dept->metric[0].label.size(), 1u);
  EXPECT_EQ(dept->metric[0].label[0].name, "department");
  EXPECT_EQ(dept->metric[0].label[0].value, "");
  EXPECT_DOUBLE_EQ(dept->metric[0].gauge.value, 0.45);
  ASSERT_NE(c.text(), nullptr);
  EXPECT_NE(
      c.text()->find("budgetwatch_unit_projects{unit=\"U1\",department=\"\",band=\"zero\"} 1"),
      std::string::npos);
  EXPECT_NE(c.text()->find("budgetwatch_department_paid_yuan{department=\"\"} 900\n"),
            std::string::npos);
}

// A bureau's database: one series per department, labelled with its code, in the served text too.
TEST(SnapshotCollectorTest, departments_are_labelled_series) {
  engine::Inputs in;
  in.fiscal_year = engine::FiscalYear(2022, 1);
  for (auto [code, unit, department, initial_fen] :
       {std::tuple{"P1", "101001", "101", std::int64_t{100000}},
        std::tuple{"P2", "102001", "102", std::int64_t{300000}}}) {
    engine::BudgetLine l;
    l.code = code;
    l.unit_code = unit;
    l.department_code = department;
    l.department_name = std::string("部门 ") + department;
    l.initial = Money{initial_fen};
    in.lines.push_back(l);
  }
  engine::PaymentSeries p;
  p.unit_code = "102001";
  p.project_code = "P2";
  p.month_paid[0] = Money{12345};
  in.payments.push_back(p);
  SnapshotCollector c(SnapshotMetricsOptions{});
  c.publish(std::make_shared<const engine::Snapshot>(
      engine::evaluate(in, make_date(2022, 3, 31), engine::Policy{})));
  const std::string text = *c.text();
  EXPECT_NE(text.find("budgetwatch_department_paid_yuan{department=\"101\"} 0\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("budgetwatch_department_paid_yuan{department=\"102\"} 123.45\n"),
            std::string::npos);
  EXPECT_NE(text.find("budgetwatch_department_info{department=\"102\",name=\"部门 "
                      "102\",fiscal_year=\"2022\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("budgetwatch_unit_paid_yuan{unit=\"102001\",department=\"102\"} 123.45\n"),
            std::string::npos);
  EXPECT_NE(text.find("budgetwatch_project_paid_yuan{project=\"P2\",unit=\"102001\",department="
                      "\"102\"} 123.45\n"),
            std::string::npos);
  EXPECT_EQ(text.find("\nbudgetwatch_department_paid_yuan "),
            std::string::npos);  // no unlabelled total
}

// When a line has money: the fiscal-year start, or the adjustment that created a mid-year new
// project (Prometheus's no-spending rule counts its grace period from it).
TEST(SnapshotCollectorTest, available_from_is_the_first_day_with_budget) {
  engine::Inputs in;
  in.fiscal_year = engine::FiscalYear(2021, 1);
  engine::BudgetLine l;
  l.code = "P1";
  l.unit_code = "U1";
  l.initial = Money::from_yuan(1000);
  in.lines.push_back(l);
  in.adjustments.push_back({"N1", make_date(2021, 10, 15), Money::from_yuan(500), "调", ""});
  auto snap = std::make_shared<const engine::Snapshot>(
      engine::evaluate(in, make_date(2021, 12, 31), engine::Policy{}));
  SnapshotMetricsOptions o;
  o.midnight_utc =
      [](engine::CivilDate d) {  // Asia/Shanghai: local midnight is 16:00 UTC the day before
        return std::chrono::sys_days{d}.time_since_epoch().count() * 86400 - 8 * 3600;
      };
  SnapshotCollector c(o);
  c.publish(snap);
  const auto fs = c.Collect();
  const auto* from = family(fs, "budgetwatch_project_available_from_timestamp_seconds");
  ASSERT_NE(from, nullptr);
  std::map<std::string, double> by_project;
  for (const auto& m : from->metric) by_project[m.label[0].value] = m.gauge.value;
  EXPECT_DOUBLE_EQ(by_project.at("P1"), 1609430400.0);  // 2021-01-01T00:00+08:00
  EXPECT_DOUBLE_EQ(by_project.at("N1"), 1634227200.0);  // 2021-10-15T00:00+08:00
}

TEST(SnapshotCollectorTest, below_threshold_keeps_only_projects_that_need_attention) {
  SnapshotMetricsOptions o;
  o.project_series = config::ProjectSeries::below_threshold;
  const auto fs = SnapshotCollector::families(*sample(), o);
  const auto* paid = family(fs, "budgetwatch_project_paid_yuan");
  ASSERT_EQ(paid->metric.size(), 1u);  // P2 (nothing paid); P1 is at 90%
  EXPECT_EQ(paid->metric[0].label[0].value, "P2");
  o.project_series = config::ProjectSeries::none;
  EXPECT_TRUE(family(SnapshotCollector::families(*sample(), o), "budgetwatch_project_paid_yuan")
                  ->metric.empty());
  EXPECT_EQ(family(SnapshotCollector::families(*sample(), o), "budgetwatch_unit_paid_yuan")
                ->metric.size(),
            1u);
}

// The served text is rendered directly, not through prometheus-cpp: it must be the very bytes
// prometheus::TextSerializer writes for the same families, with label values that need escaping
// (quote, backslash, newline), large amounts, fractions and units without payments.
TEST(SnapshotCollectorTest, text_is_what_the_prometheus_serializer_writes) {
  engine::Inputs in;
  in.fiscal_year = engine::FiscalYear(2022, 1);
  const std::vector<std::tuple<std::string, std::string, std::string, std::int64_t>> rows = {
      {"P1", "101001", "项目 \"一期\" C:\\路径", 123456789012},
      {"P2", "101002", "two\nlines", 100},
      {"P3", "102001", "plain", 333333},
      {"B1", "102001", "基本支出", 7}};
  for (const auto& [code, unit, name, initial_fen] : rows) {
    engine::BudgetLine l;
    l.code = code;
    l.name = name;
    l.unit_code = unit;
    l.unit_name = "单位 \"" + unit + "\"";
    l.department_code = unit.substr(0, 3);
    l.department_name = "部门\\" + unit.substr(0, 3);
    l.kind = code[0] == 'B' ? engine::LineKind::basic : engine::LineKind::project;
    l.initial = Money{initial_fen};
    l.deadline = make_date(2022, 9, 30);
    in.lines.push_back(l);
  }
  for (const auto& [code, fen] :
       {std::pair{"P1", std::int64_t{98765432101}}, std::pair{"P3", std::int64_t{111111}}}) {
    engine::PaymentSeries p;
    p.unit_code = code == std::string("P1") ? "101001" : "102001";
    p.project_code = code;
    p.month_paid[1] = Money{fen};
    p.month_count[1] = 3;
    in.payments.push_back(p);
  }
  engine::PaymentSeries orphan;
  orphan.unit_code = "102001";
  orphan.project_code = "X9";
  orphan.project_name = "未登记 \"项目\"";
  orphan.month_paid[0] = Money{-5};
  in.payments.push_back(orphan);
  const engine::Snapshot s = engine::evaluate(in, make_date(2022, 6, 15), engine::Policy{});
  for (auto series : {config::ProjectSeries::all, config::ProjectSeries::below_threshold}) {
    SnapshotMetricsOptions o;
    o.project_series = series;
    std::ostringstream expected;
    prometheus::TextSerializer().Serialize(expected, SnapshotCollector::families(s, o));
    const std::string text = SnapshotCollector::render_text(s, o);
    EXPECT_EQ(text, expected.str());
    EXPECT_NE(text.find("department_name=\"部门\\\\101\""), std::string::npos) << text;
    EXPECT_NE(text.find("name=\"two\\nlines\""), std::string::npos);
    // P1 is on track (80%): only `all` writes its series.
    EXPECT_EQ(text.find("name=\"项目 \\\"一期\\\" C:\\\\路径\"") != std::string::npos,
              series == config::ProjectSeries::all);
  }
}

// The cached gzip member decompresses to the text, also when it is larger than the room first
// reserved for it (a text that barely compresses).
TEST(SnapshotCollectorTest, gzip_member_round_trips) {
  std::string text;
  std::uint32_t x = 12345;
  for (int i = 0; i < 3'000'000; ++i) {
    x = x * 1664525u + 1013904223u;
    text.push_back(static_cast<char>(x >> 24));
  }
  text += "budgetwatch_department_paid_yuan{department=\"101\"} 0\n";
  const auto z = gzip(text);
  ASSERT_NE(z, nullptr);
  EXPECT_GT(z->size(), text.size() / 8);  // past the first reservation
  z_stream s{};
  ASSERT_EQ(inflateInit2(&s, 15 + 16), Z_OK);
  std::string out(text.size() + 1, '\0');
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(z->data()));
  s.avail_in = static_cast<uInt>(z->size());
  s.next_out = reinterpret_cast<Bytef*>(out.data());
  s.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&s, Z_FINISH), Z_STREAM_END);
  out.resize(s.total_out);
  inflateEnd(&s);
  EXPECT_EQ(out, text);
}

// Gzip members one after another, as a client reads them (Go's gzip reader, curl, gunzip).
std::string gunzip_members(const std::string& z) {
  std::string out;
  z_stream s{};
  EXPECT_EQ(inflateInit2(&s, 15 + 16), Z_OK);
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(z.data()));
  s.avail_in = static_cast<uInt>(z.size());
  std::array<char, 1 << 16> buf{};
  while (s.avail_in > 0) {
    s.next_out = reinterpret_cast<Bytef*>(buf.data());
    s.avail_out = static_cast<uInt>(buf.size());
    const int rc = inflate(&s, Z_NO_FLUSH);
    out.append(buf.data(), buf.size() - s.avail_out);
    if (rc == Z_STREAM_END) {
      inflateReset(&s);
    } else if (rc != Z_OK) {
      ADD_FAILURE() << "inflate: " << rc;
      break;
    }
  }
  inflateEnd(&s);
  return out;
}

std::shared_ptr<const engine::Snapshot> with_payment(std::int64_t p2_yuan) {
  engine::Inputs in = two_lines();
  for (auto [code, yuan] : {std::pair{"P1", std::int64_t{900}}, std::pair{"P2", p2_yuan}}) {
    engine::PaymentSeries p;
    p.unit_code = "U1";
    p.project_code = code;
    p.month_paid[2] = Money::from_yuan(yuan);
    in.payments.push_back(p);
  }
  return std::make_shared<const engine::Snapshot>(
      engine::evaluate(in, make_date(2021, 12, 31), engine::Policy{}));
}

// A publish keeps the families whose text did not change (one part and gzip member each) and
// renders the others: what is served, plain and gzip, is always the text of the snapshot published
// (as rendered from scratch), after a change of payments, of options, and back.
TEST(SnapshotCollectorTest, publish_keeps_unchanged_families_and_serves_the_new_text) {
  SnapshotCollector c(SnapshotMetricsOptions{});
  auto expect_served = [&](const engine::Snapshot& s, const SnapshotMetricsOptions& o) {
    const std::string fresh = SnapshotCollector::render_text(s, o);
    ASSERT_NE(c.text(), nullptr);
    EXPECT_EQ(*c.text(), fresh);
    ASSERT_NE(c.gzip_text(), nullptr);
    EXPECT_EQ(gunzip_members(*c.gzip_text()), fresh);
    EXPECT_EQ(c.text_parts().size(), c.gzip_parts().size());
  };
  const auto a = with_payment(100);
  c.publish(a);
  expect_served(*a, SnapshotMetricsOptions{});
  EXPECT_EQ(c.last_publish().kept, 0u);
  const std::size_t families = c.text_parts().size();
  EXPECT_EQ(families, reports::snapshot_metric_catalogue().size());

  // P2 is paid 300 more: its paid, execution, pace, forecast and the unit's and department's sums
  // change; its budget, deadline and the fiscal year do not.
  const auto b = with_payment(400);
  c.publish(b);
  expect_served(*b, SnapshotMetricsOptions{});
  EXPECT_NE(c.text()->find(
                "budgetwatch_project_paid_yuan{project=\"P2\",unit=\"U1\",department=\"\"} 400\n"),
            std::string::npos);
  EXPECT_EQ(c.text()->find(
                "budgetwatch_project_paid_yuan{project=\"P2\",unit=\"U1\",department=\"\"} 100\n"),
            std::string::npos);
  EXPECT_GT(c.last_publish().kept, 0u);
  EXPECT_GT(c.last_publish().rendered, 0u);
  EXPECT_EQ(c.last_publish().kept + c.last_publish().rendered, families);

  // The same snapshot again: everything kept.
  c.publish(b);
  expect_served(*b, SnapshotMetricsOptions{});
  EXPECT_EQ(c.last_publish().rendered, 0u);

  // Other options: the project families lose P1 (on track) and are rendered again.
  SnapshotMetricsOptions below;
  below.project_series = config::ProjectSeries::below_threshold;
  c.set_options(below);
  c.publish(b);
  expect_served(*b, below);
  EXPECT_GT(c.last_publish().rendered, 0u);

  // Back to the first payments and all series.
  c.set_options(SnapshotMetricsOptions{});
  c.publish(a);
  expect_served(*a, SnapshotMetricsOptions{});
}

// Large families (megabytes each), told apart by digest and length: a change in the middle of a
// family, a line fewer (the new text a prefix of the old) and a line more.
TEST(SnapshotCollectorTest, large_families_are_told_apart) {
  auto snapshot = [](int lines, int changed) {
    engine::Inputs in;
    in.fiscal_year = engine::FiscalYear(2021, 1);
    for (int i = 0; i < lines; ++i) {
      engine::BudgetLine l;
      l.code = "P" + std::to_string(100000 + i);
      l.name = "项目 " + l.code;
      l.unit_code = "U" + std::to_string(i % 7);
      l.initial = Money::from_yuan(1000 + i);
      in.lines.push_back(l);
      engine::PaymentSeries p;
      p.unit_code = l.unit_code;
      p.project_code = l.code;
      p.month_paid[2] = Money::from_yuan(i == changed ? 999 : 100);
      in.payments.push_back(p);
    }
    return std::make_shared<const engine::Snapshot>(
        engine::evaluate(in, make_date(2021, 12, 31), engine::Policy{}));
  };
  SnapshotCollector c(SnapshotMetricsOptions{});
  for (const auto& s : {snapshot(6000, -1), snapshot(6000, 3000), snapshot(5999, 3000),
                        snapshot(6000, 3000), snapshot(6000, 5999)}) {
    c.publish(s);
    const std::string fresh = SnapshotCollector::render_text(*s, SnapshotMetricsOptions{});
    ASSERT_GT(fresh.size(), std::size_t{4} << 20);
    EXPECT_EQ(*c.text(), fresh);
    EXPECT_EQ(gunzip_members(*c.gzip_text()), fresh);
  }
  EXPECT_GT(c.last_publish().kept, 0u);
  EXPECT_GT(c.last_publish().rendered, 0u);
}

// The collector holds the gzip members; the plain text (a bureau's is 72 MB) only from the first
// plain scrape after a publish (the next share it) until the next publish starts.
TEST(SnapshotCollectorTest, plain_text_is_inflated_on_demand_and_dropped_by_a_publish) {
  SnapshotCollector c(SnapshotMetricsOptions{});
  const auto s = with_payment(100);
  c.publish(s);
  auto first = c.text_parts();
  auto second = c.text_parts();
  ASSERT_FALSE(first.empty());
  ASSERT_EQ(first.size(), second.size());
  std::string joined;
  for (std::size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(first[i].get(), second[i].get()) << "family " << i << " inflated twice";
    joined += *first[i];
  }
  EXPECT_EQ(joined, SnapshotCollector::render_text(*s, SnapshotMetricsOptions{}));
  const std::weak_ptr<const std::string> old = first[0];
  first.clear();
  second.clear();
  EXPECT_FALSE(old.expired());  // kept for the next plain scrape
  // An evaluation about to build the next snapshot drops it; the next plain scrape inflates it
  // again.
  c.drop_plain_text();
  EXPECT_TRUE(old.expired());
  first = c.text_parts();
  EXPECT_EQ(*c.text(), SnapshotCollector::render_text(*s, SnapshotMetricsOptions{}));
  const std::weak_ptr<const std::string> again = first[0];
  first.clear();
  // A publish drops it (the same figures: every family kept, the text not held).
  c.publish(s);
  EXPECT_EQ(c.last_publish().rendered, 0u);
  EXPECT_TRUE(again.expired());
  // Other figures: the next plain scrape inflates the new text.
  const auto b = with_payment(400);
  c.publish(b);
  EXPECT_EQ(*c.text(), SnapshotCollector::render_text(*b, SnapshotMetricsOptions{}));
}

TEST(TimeZoneTest, shanghai_dates_and_midnights) {
  auto tz = TimeZone::from_name("Asia/Shanghai");
  ASSERT_TRUE(tz.has_value());
  // 2021-12-31T16:30:00Z is already 1 January 2022 in Shanghai.
  const auto t = std::chrono::system_clock::time_point(std::chrono::seconds(1640968200));
  EXPECT_EQ(engine::to_iso(tz->date_at(t)), "2022-01-01");
  EXPECT_EQ(tz->midnight_utc(make_date(2022, 1, 1)), 1640966400);  // 2021-12-31T16:00:00Z
  auto utc = TimeZone::from_name("UTC");
  EXPECT_EQ(engine::to_iso(utc->date_at(t)), "2021-12-31");
  auto plus = TimeZone::from_name("+05:30");
  ASSERT_TRUE(plus.has_value());
  EXPECT_EQ(plus->midnight_utc(make_date(1970, 1, 2)), 86400 - 19800);
  auto bad = TimeZone::from_name("Mars/Base");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message,
            "unknown time zone 'Mars/Base' (no /usr/share/zoneinfo/Mars/Base)");
}

}  // namespace
}  // namespace bw::daemon
