// The pages behind the links and the payments API (issue 17), from the daemon in-process on a free
// port with the Liwan 2021 data, over real HTTP on 127.0.0.1: every line's payments add up to what
// the engine counts, pagination (stable order, a page past the end, per_page limits), the pages in
// zh-CN and English, and unknown codes or wrong parameters answered with a readable HTML page.
#include <gtest/gtest.h>

#include <thread>

#include <boost/json.hpp>

#include "config/load.h"
#include "daemon/app.h"
#include "tests/support/http_fetch.h"
#include "tests/support/test_support.h"

namespace bw {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

class ProjectPagesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    const std::string data = test::data_path("liwan2021").string();
    const std::string yaml = "database: " + (dir_->path() / "bw.db").string() +
                             "\n"
                             "server:\n"
                             "  listen: 127.0.0.1:0\n"
                             "evaluation:\n"
                             "  as_of: 2021-12-31\n"
                             "sources:\n"
                             "  - name: liwan2021\n"
                             "    kind: files\n"
                             "    files: [" +
                             data + "/budget.csv, " + data + "/adjustments.csv, " + data +
                             "/payments.csv]\n"
                             "logging:\n"
                             "  level: warn\n";
    auto c = config::load_config_text(yaml, "test.yaml", dir_->path());
    ASSERT_TRUE(c.has_value()) << c.error().to_string();
    daemon::AppOptions o;
    o.handle_signals = false;
    auto app = daemon::App::create(std::move(*c), o);
    ASSERT_TRUE(app.has_value()) << app.error().to_string();
    app_ = app->release();
    port_ = app_->port();
    thread_ = new std::thread([] { app_->run(); });
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (true) {
      const auto s = get("/api/v1/summary");
      if (s.status == 200 &&
          json::parse(s.body).at("department").at("paid_fen").as_int64() == 10888890000)
        break;
      ASSERT_LT(std::chrono::steady_clock::now(), deadline)
          << "the Liwan data was not evaluated in time";
      std::this_thread::sleep_for(50ms);
    }
  }
  static void TearDownTestSuite() {
    if (app_ != nullptr) app_->stop();
    if (thread_ != nullptr) thread_->join();
    delete thread_;
    delete app_;
    delete dir_;
  }
  static test::FetchResult get(const std::string& target) {
    return test::fetch(port_, "GET", target);
  }
  static json::value get_json(const std::string& target) {
    const auto r = get(target);
    EXPECT_EQ(r.status, 200) << target << ": " << r.body << r.error;
    return r.status == 200 ? json::parse(r.body) : json::value();
  }

  static inline test::TempDir* dir_ = nullptr;
  static inline daemon::App* app_ = nullptr;
  static inline std::thread* thread_ = nullptr;
  static inline std::uint16_t port_ = 0;
};

TEST_F(ProjectPagesTest, every_lines_payments_add_up_to_what_it_paid) {
  const auto lines = get_json("/api/v1/projects?per_page=1000");
  ASSERT_EQ(lines.at("total").as_int64(), 32);
  std::int64_t rows = 0;
  for (const auto& l : lines.at("items").as_array()) {
    const std::string code(l.at("code").as_string());
    const auto p = get_json("/api/v1/projects/" + code + "/payments?per_page=1000");
    EXPECT_EQ(p.at("sum_fen").as_int64(), l.at("paid_fen").as_int64()) << code;
    EXPECT_EQ(p.at("total").as_int64(), l.at("payments").as_int64()) << code;
    std::int64_t sum = 0;
    for (const auto& x : p.at("items").as_array()) sum += x.at("amount_fen").as_int64();
    if (p.at("total").as_int64() <= 1000) {
      EXPECT_EQ(sum, l.at("paid_fen").as_int64()) << code;
    }
    rows += p.at("total").as_int64();
  }
  EXPECT_EQ(rows, 2682);  // every row of payments.csv belongs to one line
}

TEST_F(ProjectPagesTest, payments_are_paginated_in_a_stable_order) {
  const auto all = get_json("/api/v1/projects/LW2021-B02/payments?per_page=1000");
  const auto& items = all.at("items").as_array();
  ASSERT_EQ(all.at("total").as_int64(), static_cast<std::int64_t>(items.size()));
  ASSERT_GT(items.size(), 100u);
  for (std::size_t i = 1; i < items.size(); ++i) {
    const auto key = [](const json::value& x) {
      return std::string(x.at("date").as_string()) + " " +
             std::string(x.at("voucher_no").as_string());
    };
    EXPECT_LT(key(items[i - 1]), key(items[i]));
  }
  // Page 3 of 7 per page is items 14..20; the last page is short; a page past the end is empty, not
  // an error.
  const auto p3 = get_json("/api/v1/projects/LW2021-B02/payments?page=3&per_page=7");
  EXPECT_EQ(p3.at("page").as_int64(), 3);
  EXPECT_EQ(p3.at("per_page").as_int64(), 7);
  EXPECT_EQ(p3.at("total"), all.at("total"));
  ASSERT_EQ(p3.at("items").as_array().size(), 7u);
  EXPECT_EQ(p3.at("items").at(0), items[14]);
  EXPECT_EQ(p3.at("items").at(6), items[20]);
  const auto total = all.at("total").as_int64();
  const auto last = get_json("/api/v1/projects/LW2021-B02/payments?per_page=100&page=" +
                             std::to_string((total + 99) / 100));
  EXPECT_EQ(static_cast<std::int64_t>(last.at("items").as_array().size()),
            total % 100 == 0 ? 100 : total % 100);
  const auto past = get_json("/api/v1/projects/LW2021-B02/payments?per_page=100&page=1000");
  EXPECT_TRUE(past.at("items").as_array().empty());
  EXPECT_EQ(past.at("total").as_int64(), total);
  // per_page 1..1000; page ≥ 1; whole numbers only.
  for (const char* bad : {"per_page=0", "per_page=1001", "page=0", "page=-1", "per_page=abc"}) {
    const auto r = get("/api/v1/projects/LW2021-B02/payments?" + std::string(bad));
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_NE(r.body.find("per_page"), std::string::npos) << r.body;
  }
  EXPECT_EQ(
      get_json("/api/v1/projects/LW2021-B02/payments?per_page=1000").at("per_page").as_int64(),
      1000);
  // The amounts of a page: fen and yuan, the payee and summary as stored.
  const auto first = get_json("/api/v1/projects/LW2021-B02/payments?per_page=1").at("items").at(0);
  EXPECT_EQ(first.at("voucher_no"), "ZF2021-000001");
  EXPECT_EQ(first.at("amount_fen").as_int64(), 178426);
  EXPECT_EQ(first.at("amount_yuan"), "1784.26");
  EXPECT_EQ(first.at("payee"), "广州鼎盛办公用品有限公司");
  EXPECT_EQ(first.at("memo"), "支付办公费");
  // As of 30 June: only the payments up to that day.
  const auto june = get_json("/api/v1/projects/LW2021-P27/payments?as_of=2021-06-30");
  EXPECT_EQ(june.at("total").as_int64(), 1);
  EXPECT_EQ(june.at("sum_fen").as_int64(), 21544000);
  const auto missing = get("/api/v1/projects/NOPE/payments");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(json::parse(missing.body).at("error"), "no project NOPE");
}

TEST_F(ProjectPagesTest, the_project_page_in_chinese_and_english) {
  const auto zh = get("/projects/LW2021-P27?per_page=1");
  ASSERT_EQ(zh.status, 200) << zh.body;
  EXPECT_EQ(zh.header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(zh.body.find("<html lang=\"zh-CN\">"), std::string::npos);
  EXPECT_NE(zh.body.find("<h1>新三板广州服务基地运营服务项目</h1>"), std::string::npos);
  EXPECT_NE(zh.body.find("执行率 29.92%，序时进度 100.00%，差距 -70.08 个百分点（严重偏低）。"),
            std::string::npos);
  EXPECT_NE(zh.body.find("共 2 笔，合计 538,600.00 元（53.86 万元）；第 1 / 2 页"),
            std::string::npos)
      << zh.body;
  EXPECT_NE(zh.body.find("href=\"/projects/LW2021-P27?page=2&amp;per_page=1#payments\""),
            std::string::npos);
  EXPECT_NE(zh.body.find("<td class=\"num\">215,440.00</td>"), std::string::npos);
  EXPECT_EQ(zh.body.find("<script"), std::string::npos);
  const auto en = get("/projects/LW2021-P27?lang=en&fiscal_year=2021");
  ASSERT_EQ(en.status, 200);
  EXPECT_NE(en.body.find("<html lang=\"en\">"), std::string::npos);
  EXPECT_NE(en.body.find("Execution 29.92%, expected 100.00%, gap -70.08 pp (very low)."),
            std::string::npos);
  EXPECT_NE(en.body.find("href=\"/units/101001?fiscal_year=2021&amp;lang=en\""), std::string::npos)
      << en.body;
  // As of 30 June: six months, one payment.
  const auto june = get("/projects/LW2021-P27?as_of=2021-06-30");
  ASSERT_EQ(june.status, 200);
  EXPECT_NE(june.body.find("数据截至 2021-06-30"), std::string::npos);
  EXPECT_NE(june.body.find("data-points=\"6\""), std::string::npos);
  EXPECT_NE(june.body.find("共 1 笔"), std::string::npos);
}

TEST_F(ProjectPagesTest, the_unit_page_lists_its_lines_by_risk) {
  const auto r = get("/units/101001");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("<h1>广州市荔湾区科技工业和信息化局</h1>"), std::string::npos);
  // Four lines paid nothing against 100% expected (-100.00), the largest unspent first: P30
  // (138.00万元).
  const auto p30 = r.body.find("<a href=\"/projects/LW2021-P30\">LW2021-P30</a>");
  const auto p20 = r.body.find("<a href=\"/projects/LW2021-P20\">LW2021-P20</a>");
  const auto p27 = r.body.find("<a href=\"/projects/LW2021-P27\">LW2021-P27</a>");
  ASSERT_NE(p30, std::string::npos) << r.body;
  EXPECT_LT(p30, p20);
  EXPECT_LT(p20, p27);
  EXPECT_NE(
      r.body.find("<tr class=\"total\"><td class=\"nw\">合计</td><td class=\"num\">16,908.83</td>"),
      std::string::npos);
}

TEST_F(ProjectPagesTest, unknown_codes_and_wrong_parameters_get_a_readable_page) {
  const auto p = get("/projects/%3Cscript%3Ealert(%22x%22)");
  EXPECT_EQ(p.status, 404);
  EXPECT_EQ(p.header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(p.body.find("<h1>未找到该项目</h1>"), std::string::npos);
  EXPECT_NE(p.body.find("2021 预算年度没有编码为“&lt;script&gt;alert(&quot;x&quot;)”的预算项目。"),
            std::string::npos)
      << p.body;
  EXPECT_NE(p.body.find("<a href=\"/api/v1/reports/execution?format=html\">返回执行情况报告</a>"),
            std::string::npos);
  EXPECT_EQ(p.body.find("<script>"), std::string::npos);
  const auto u = get("/units/999999?lang=en");
  EXPECT_EQ(u.status, 404);
  EXPECT_NE(u.body.find("Fiscal year 2021 has no budget unit with the code &#39;999999&#39;."),
            std::string::npos);
  const auto year = get("/projects/LW2021-P27?fiscal_year=21");
  EXPECT_EQ(year.status, 400);
  EXPECT_NE(year.body.find("fiscal_year 应为年份 YYYY"), std::string::npos);
  EXPECT_EQ(get("/projects/LW2021-P27?per_page=1001").status, 400);
  EXPECT_EQ(get("/projects/LW2021-P27?lang=fr").status, 400);
}

}  // namespace
}  // namespace bw
