#include "engine/target.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace bw::engine {
namespace {

// ---------------------------------------------------------------------------------------------------------
// The corpora: tests/data/indicators/*.csv (copies of ../shared/data/indicators/), every row.

// RFC 4180 records of small well-formed UTF-8 text (quoted fields with commas and "" escapes).
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string cell;
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        cell += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.push_back(std::move(cell));
      cell.clear();
    } else if (c == '\n') {
      if (!cell.empty() && cell.back() == '\r') cell.pop_back();
      row.push_back(std::move(cell));
      cell.clear();
      rows.push_back(std::move(row));
      row.clear();
    } else {
      cell += c;
    }
  }
  if (!cell.empty() || !row.empty()) {
    row.push_back(std::move(cell));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<std::vector<std::string>> read_csv(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_csv(ss.str());
}

struct CorpusResult {
  int rows = 0;
  int reproduced = 0;
};

// Parses target_raw of every row (the parse columns of the file are only compared with) and checks
// the comparator, value, unit and deadline columns, and comparator_basis; `base` gives the fiscal
// year dates without a year are read in.
CorpusResult check_corpus_rows(const std::string& name,
                               const std::vector<std::vector<std::string>>& rows,
                               const TargetContext& base = {}) {
  CorpusResult r;
  if (rows.empty()) {
    ADD_FAILURE() << name << " is empty";
    return r;
  }
  std::map<std::string, std::size_t> col;
  for (std::size_t i = 0; i < rows[0].size(); ++i) col[rows[0][i]] = i;
  for (const char* k :
       {"project_code", "seq", "indicator_class", "indicator_subclass", "indicator_name",
        "target_raw", "comparator", "value", "unit", "deadline", "comparator_basis"}) {
    if (!col.contains(k)) ADD_FAILURE() << name << ": no column " << k;
  }
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const auto& row = rows[i];
    auto at = [&](const char* k) { return col[k] < row.size() ? row[col[k]] : std::string(); };
    TargetContext ctx = base;
    const std::string ind_name = at("indicator_name");
    const std::string ind_class = at("indicator_class");
    const std::string ind_subclass = at("indicator_subclass");
    ctx.indicator_name = ind_name;
    ctx.indicator_class = ind_class;
    ctx.indicator_subclass = ind_subclass;
    const Target t = parse_target(at("target_raw"), ctx);
    ++r.rows;
    const std::string where = name + " seq " + at("seq") + " '" + at("target_raw") + "'";
    bool ok = true;
    auto expect = [&](const std::string& got, const std::string& want, const char* what) {
      EXPECT_EQ(got, want) << where << ": " << what;
      ok = ok && got == want;
    };
    expect(to_string(t.comparator), at("comparator"), "comparator");
    expect(t.value.value_or(""), at("value"), "value");
    expect(t.unit, at("unit"), "unit");
    expect(t.deadline ? to_iso(*t.deadline) : "", at("deadline"), "deadline");
    expect(to_string(t.basis), at("comparator_basis"), "comparator_basis");
    expect(t.upper.value_or(""), "", "upper");
    if (t.comparator == Comparator::qualitative) {
      EXPECT_FALSE(t.reason.empty()) << where;
      ok = ok && !t.reason.empty();
    }
    // The period column (实施周期指标值) reads the same way where it is written the same.
    if (at("period_target_raw") == at("target_raw")) {
      EXPECT_EQ(parse_target(at("period_target_raw"), ctx), t) << where;
    }
    if (ok) ++r.reproduced;
  }
  return r;
}

CorpusResult check_corpus(const std::string& name) {
  return check_corpus_rows(name,
                           read_csv(std::string(BW_SOURCE_DIR) + "/tests/data/indicators/" + name));
}

// The shared corpora have no dated target. Target forms in the corpus's layout whose 年度指标值
// give due dates: full dates, month ends, quarters (第三季度前, 三季度末, Q4, 2021年第二季度),
// halves (上半年, 下半年), 年底前 / 年内, a date in the next calendar year, a figure with a date,
// and texts with a date that is no deadline (1月1日起, 按季支付). Dates without a year are read in
// fiscal year 2021. The expected columns were written by hand from tests/data/README.md's
// conventions: a period's last day is the due date (下半年 → 31 December), a figure keeps its
// comparator and gains the date.
constexpr const char* dated_corpus =
    R"csv(project_code,seq,source_no,indicator_class,indicator_subclass,indicator_name,period_target_raw,target_raw,comparator,value,unit,deadline,comparator_basis,note
Q2021-01,1,,产出指标,时效指标,项目验收完成时间,2021年12月31日前,2021年12月31日前,by_date,,,2021-12-31,explicit,
Q2021-01,2,,产出指标,时效指标,资金支付时间,第三季度前完成支付,第三季度前完成支付,by_date,,,2021-09-30,explicit,
Q2021-01,3,,产出指标,时效指标,平台上线时间,2021年6月底前,2021年6月底前,by_date,,,2021-06-30,explicit,
Q2021-01,4,,产出指标,数量指标,培训场次,上半年完成6场,上半年完成6场,>=,6,场,2021-06-30,implied,
Q2021-01,5,,产出指标,质量指标,项目验收合格率,12月底前完成率达到100%,12月底前完成率达到100%,>=,100,%,2021-12-31,explicit,
Q2021-01,6,,产出指标,数量指标,安全检查企业家数,三季度末不少于150家,三季度末不少于150家,>=,150,家,2021-09-30,explicit,
Q2021-02,1,,产出指标,时效指标,年度总结报送时间,Q4,Q4,by_date,,,2021-12-31,explicit,
Q2021-02,2,,产出指标,时效指标,设备采购完成时间,年底前,年底前,by_date,,,2021-12-31,explicit,
Q2021-02,3,,产出指标,时效指标,方案制定时间,第一季度,第一季度,by_date,,,2021-03-31,explicit,
Q2021-02,4,,产出指标,时效指标,中期评估时间,2021年第二季度,2021年第二季度,by_date,,,2021-06-30,explicit,
Q2021-02,5,,产出指标,数量指标,宣传活动次数,年内不少于4次,年内不少于4次,>=,4,次,2021-12-31,explicit,
Q2021-02,6,,产出指标,时效指标,跨年项目结算时间,2022年3月31日前,2022年3月31日前,by_date,,,2022-03-31,explicit,
Q2021-03,1,,产出指标,时效指标,服务起始时间,1月1日起,1月1日起,qualitative,,,,,
Q2021-03,2,,效益指标,社会效益指标,服务满意度,90%以上，年底前,90%以上，年底前,>=,90,%,2021-12-31,explicit,
Q2021-03,3,,产出指标,时效指标,资金拨付时间,按季支付,按季支付,qualitative,,,,,
Q2021-03,4,,产出指标,时效指标,整改完成时间,6月30日之前,6月30日之前,by_date,,,2021-06-30,explicit,
Q2021-03,5,,产出指标,时效指标,数据报送时间,三季度,三季度,by_date,,,2021-09-30,explicit,
Q2021-03,6,,产出指标,数量指标,新增孵化企业,下半年新增不少于3家,下半年新增不少于3家,>=,3,家,2021-12-31,explicit,
Q2021-03,7,,产出指标,时效指标,项目开工时间,2021年9月,2021年9月,by_date,,,2021-09-30,explicit,
Q2021-03,8,,产出指标,时效指标,审核办理时限,5个工作日内,5个工作日内,<=,5,个工作日,,explicit,
)csv";

TEST(TargetCorpusTest, dated_and_quarterly_targets_every_row) {
  TargetContext fy2021;
  fy2021.fiscal_year = FiscalYear{2021, 1};
  const CorpusResult r = check_corpus_rows("dated corpus", parse_csv(dated_corpus), fy2021);
  EXPECT_EQ(r.rows, 20);
  EXPECT_EQ(r.reproduced, 20);
  // Without the fiscal year only the rows that name their year keep a date.
  int dated = 0;
  for (const auto& row : parse_csv(dated_corpus)) {
    if (row.size() > 7 && row[0] != "project_code" && parse_target(row[7]).deadline) ++dated;
  }
  EXPECT_EQ(dated, 5)
      << "2021年12月31日前, 2021年6月底前, 2021年第二季度, 2022年3月31日前, 2021年9月";
}

TEST(TargetCorpusTest, liwan_department_form_every_row) {
  const CorpusResult r = check_corpus("liwan_dept_indicators.csv");
  EXPECT_EQ(r.rows, 19);
  EXPECT_EQ(r.reproduced, 19);
}

TEST(TargetCorpusTest, panyu_department_form_every_row) {
  const CorpusResult r = check_corpus("panyu_dept_indicators.csv");
  EXPECT_EQ(r.rows, 26);
  EXPECT_EQ(r.reproduced, 26);
}

// ---------------------------------------------------------------------------------------------------------
// Exact parses.

// "comparator|value|unit|deadline|basis" ("-" for none), or "qualitative|reason".
std::string show(const Target& t) {
  if (t.comparator == Comparator::qualitative) {
    EXPECT_FALSE(t.value || t.upper || !t.unit.empty() || t.deadline || t.basis != Basis::none);
    return "qualitative|" + t.reason;
  }
  EXPECT_TRUE(t.reason.empty());
  std::string v = t.value.value_or("-");
  if (t.upper) v += ".." + *t.upper;
  return std::string(to_string(t.comparator)) + "|" + v + "|" + (t.unit.empty() ? "-" : t.unit) +
         "|" + (t.deadline ? to_iso(*t.deadline) : "-") + "|" + to_string(t.basis);
}

std::string p(std::string_view text, const TargetContext& ctx = {}) {
  return show(parse_target(text, ctx));
}

TargetContext in_fiscal_year(int year, unsigned start_month = 1) {
  TargetContext ctx;
  ctx.fiscal_year = FiscalYear{year, start_month};
  return ctx;
}

TEST(TargetTest, the_conventions_of_the_corpus_readme) {
  EXPECT_EQ(p("90%以上"), ">=|90|%|-|explicit");         // 以上 includes the number
  EXPECT_EQ(p("超过200人次"), ">|200|人次|-|explicit");  // 超过 does not
  EXPECT_EQ(p("大于200人次"), ">|200|人次|-|explicit");
  EXPECT_EQ(p("及以上90%"), ">=|90|%|-|implied");  // 及以上 before the number is only a label
  EXPECT_EQ(p("90%及以上"), ">=|90|%|-|explicit");
  EXPECT_EQ(p("90%或以上"), ">=|90|%|-|explicit");
  EXPECT_EQ(p("不少于12次"), ">=|12|次|-|explicit");
  EXPECT_EQ(p("至少3家"), ">=|3|家|-|explicit");
  EXPECT_EQ(p("达1000件"), ">=|1000|件|-|explicit");
  EXPECT_EQ(p("3个工作日内"), "<=|3|个工作日|-|explicit");
  EXPECT_EQ(p("5个工作日以内"), "<=|5|个工作日|-|explicit");
  EXPECT_EQ(p("≧95％"), ">=|95|%|-|explicit");
  EXPECT_EQ(p("＞90%"), ">|90|%|-|explicit");
  EXPECT_EQ(p("0起"), "<=|0|起|-|implied");  // an incident count of 0
}

TEST(TargetTest, every_comparator_word) {
  EXPECT_EQ(p(">=90%"), ">=|90|%|-|explicit");
  EXPECT_EQ(p("≥150个"), ">=|150|个|-|explicit");
  EXPECT_EQ(p("不低于95%"), ">=|95|%|-|explicit");
  EXPECT_EQ(p("不高于5%"), "<=|5|%|-|explicit");
  EXPECT_EQ(p("不超过30天"), "<=|30|天|-|explicit");
  EXPECT_EQ(p("≤0.5%"), "<=|0.5|%|-|explicit");
  EXPECT_EQ(p("<1%"), "<|1|%|-|explicit");
  EXPECT_EQ(p("低于1%"), "<|1|%|-|explicit");
  EXPECT_EQ(p("小于3次"), "<|3|次|-|explicit");
  EXPECT_EQ(p("少于3次"), "<|3|次|-|explicit");
  EXPECT_EQ(p("不足1%"), "<|1|%|-|explicit");
  EXPECT_EQ(p("10%以下"), "<=|10|%|-|explicit");
  EXPECT_EQ(p("最多3次"), "<=|3|次|-|explicit");
  EXPECT_EQ(p("控制在5%以内"), "<=|5|%|-|explicit");
  EXPECT_EQ(p("降至3%"), "<=|3|%|-|explicit");
  EXPECT_EQ(p("提高到95%"), ">=|95|%|-|explicit");
  EXPECT_EQ(p("=100%"), "==|100|%|-|explicit");
  EXPECT_EQ(p("等于100%"), "==|100|%|-|explicit");
  EXPECT_EQ(p("满意度达到90%以上"), ">=|90|%|-|explicit");        // 达到 … 以上 agree
  EXPECT_EQ(p("达到3个工作日以内"), "<=|3|个工作日|-|explicit");  // 达到 yields to the word after
  EXPECT_EQ(p("超过90%以上"), ">|90|%|-|explicit");               // the stricter word
  EXPECT_EQ(p("90%(含)以上"), ">=|90|%|-|explicit");
  EXPECT_EQ(p("90%以上（不含）"), ">|90|%|-|explicit");
  EXPECT_EQ(p("10%以下(不含本数)"), "<|10|%|-|explicit");
}

TEST(TargetTest, bare_values_take_their_direction_from_the_indicator) {
  EXPECT_EQ(p("35个"), ">=|35|个|-|implied");
  EXPECT_EQ(p("72小时"), "<=|72|小时|-|implied");  // a time limit
  TargetContext training;
  training.indicator_name = "培训时长";
  training.indicator_subclass = "数量指标";
  EXPECT_EQ(p("40小时", training), ">=|40|小时|-|implied");  // an amount of time to deliver
  TargetContext limit;
  limit.indicator_name = "审批办理时限";
  limit.indicator_subclass = "数量指标";
  EXPECT_EQ(p("5天", limit), "<=|5|天|-|implied");
  TargetContext warranty;
  warranty.indicator_name = "设备质保期";
  EXPECT_EQ(p("24个月", warranty), ">=|24|个月|-|implied");
  TargetContext complaints;
  complaints.indicator_name = "有效投诉率";
  EXPECT_EQ(p("1%", complaints), "<=|1|%|-|implied");
  TargetContext handled;
  handled.indicator_name = "投诉处理率";
  EXPECT_EQ(p("100%", handled), ">=|100|%|-|implied");
  TargetContext cost;
  cost.indicator_class = "成本指标";
  cost.indicator_name = "人均培训成本";
  EXPECT_EQ(p("500元", cost), "<=|500|元|-|implied");
  TargetContext stated;
  stated.indicator_name = "有效投诉率";
  stated.direction = Direction::higher_is_better;
  EXPECT_EQ(p("1%", stated), ">=|1|%|-|implied");
  EXPECT_EQ(p("0%"), "<=|0|%|-|implied");
  // A word always wins over the indicator.
  EXPECT_EQ(p("≥1%", complaints), ">=|1|%|-|explicit");
}

TEST(TargetTest, numbers_and_units_as_written) {
  EXPECT_EQ(p("23亿元"), ">=|23|亿元|-|implied");
  EXPECT_EQ(p("13万人"), ">=|13|万人|-|implied");
  EXPECT_EQ(p("1.5万"), ">=|1.5|万|-|implied");
  EXPECT_EQ(p("95.50%"), ">=|95.50|%|-|implied");
  EXPECT_EQ(p("1,000家"), ">=|1000|家|-|implied");
  EXPECT_EQ(p("1,234.50万元"), ">=|1234.50|万元|-|implied");
  EXPECT_EQ(p("007个"), ">=|7|个|-|implied");
  EXPECT_EQ(p(".5%"), ">=|0.5|%|-|implied");
  EXPECT_EQ(p("≥4"), ">=|4|-|-|explicit");
  EXPECT_EQ(p("≥-5%"), ">=|-5|%|-|explicit");
  EXPECT_EQ(p("≥-0"), ">=|0|-|-|explicit");
  EXPECT_EQ(p("10km"), ">=|10|km|-|implied");
  EXPECT_EQ(p("25℃以下"), "<=|25|℃|-|explicit");
  EXPECT_EQ(p("3家次"), ">=|3|家次|-|implied");
  EXPECT_EQ(p("评选获奖项目60个"), ">=|60|个|-|implied");  // a label before the number
  EXPECT_EQ(p("3天完成"), "<=|3|天|-|implied");            // a verb after the unit
  EXPECT_EQ(p("100%覆盖"), ">=|100|%|-|implied");
  EXPECT_EQ(p("100%（暂定）"), ">=|100|%|-|implied");  // a note in parentheses
  EXPECT_EQ(p("5个。"), ">=|5|个|-|implied");
}

TEST(TargetTest, full_width_and_chinese_numerals) {
  EXPECT_EQ(p("１２．５％以上"), ">=|12.5|%|-|explicit");
  EXPECT_EQ(p("＞＝９０％"), ">=|90|%|-|explicit");
  EXPECT_EQ(p("　≥ 90 %　"), ">=|90|%|-|explicit");
  EXPECT_EQ(p("≥９０%以上"), ">=|90|%|-|explicit");  // mixed widths
  EXPECT_EQ(p("１，０００家"), ">=|1000|家|-|implied");
  EXPECT_EQ(p("三家"), ">=|3|家|-|implied");
  EXPECT_EQ(p("十二次"), ">=|12|次|-|implied");
  EXPECT_EQ(p("一百零五个"), ">=|105|个|-|implied");
  EXPECT_EQ(p("两个"), ">=|2|个|-|implied");
  EXPECT_EQ(p("一万五千人"), ">=|15000|人|-|implied");
  EXPECT_EQ(p("五万人"), ">=|5|万人|-|implied");  // as 5万人
  EXPECT_EQ(p("三点五万元"), ">=|3.5|万元|-|implied");
  EXPECT_EQ(p("百分之九十"), ">=|90|%|-|implied");
  EXPECT_EQ(p("不低于百分之95"), ">=|95|%|-|explicit");
  EXPECT_EQ(p("不少于三次"), ">=|3|次|-|explicit");
  // Numeral characters inside words are not figures.
  EXPECT_EQ(p("一般"), "qualitative|no figure, date or yes/no answer '一般'");
  EXPECT_EQ(p("两新组织全覆盖"), "qualitative|no figure, date or yes/no answer '两新组织全覆盖'");
  EXPECT_EQ(p("万无一失"), "qualitative|no figure, date or yes/no answer '万无一失'");
}

TEST(TargetTest, ranges_are_ge_the_lower_with_an_inclusive_upper_bound) {
  EXPECT_EQ(p("90%-95%"), ">=|90..95|%|-|explicit");
  EXPECT_EQ(p("90%～95%"), ">=|90..95|%|-|explicit");
  EXPECT_EQ(p("5至10个"), ">=|5..10|个|-|explicit");
  EXPECT_EQ(p("5—10个"), ">=|5..10|个|-|explicit");
  EXPECT_EQ(p("3-1个"), "qualitative|range from a larger to a smaller number '3-1个'");
  EXPECT_EQ(p("5个-10次"), "qualitative|range in two units '5个-10次'");
  EXPECT_EQ(p("≥5-10个"), "qualitative|range with a comparator '>=5-10个'");
}

TEST(TargetTest, dates_with_a_year) {
  EXPECT_EQ(p("2023年12月31日前完成支付"), "by_date|-|-|2023-12-31|explicit");
  EXPECT_EQ(p("2023年12月31日"), "by_date|-|-|2023-12-31|explicit");
  EXPECT_EQ(p("于2023年6月30日之前完成验收"), "by_date|-|-|2023-06-30|explicit");
  EXPECT_EQ(p("2023-12-31"), "by_date|-|-|2023-12-31|explicit");
  EXPECT_EQ(p("2023/6/30前"), "by_date|-|-|2023-06-30|explicit");
  EXPECT_EQ(p("2024年2月底前"), "by_date|-|-|2024-02-29|explicit");
  EXPECT_EQ(p("2023年第三季度"), "by_date|-|-|2023-09-30|explicit");
  EXPECT_EQ(p("2023年上半年"), "by_date|-|-|2023-06-30|explicit");
  EXPECT_EQ(p("2023年底"), "by_date|-|-|2023-12-31|explicit");
  EXPECT_EQ(p("2023年内"), "by_date|-|-|2023-12-31|explicit");
  EXPECT_EQ(p("二〇二三年十二月三十一日前"), "by_date|-|-|2023-12-31|explicit");
  EXPECT_EQ(p("２０２３年１２月３１日前"), "by_date|-|-|2023-12-31|explicit");
  EXPECT_EQ(p("2023年前"),
            "qualitative|cannot read the date '2023年前' (before that year, or by its end?)");
  EXPECT_EQ(p("2023年2月30日前"), "qualitative|'2023年2月30日前' is not a date");
  EXPECT_EQ(p("2100年2月29日"), "qualitative|'2100年2月29日' is not a date");
  EXPECT_EQ(p("2023年13月底前"), "qualitative|'2023年13月底前' is not a date (month 13)");
  EXPECT_EQ(p("1月1日起"), "qualitative|a start date '1月1日起', not a deadline");
}

TEST(TargetTest, dates_in_the_fiscal_year) {
  const TargetContext fy = in_fiscal_year(2024);
  EXPECT_EQ(p("12月31日前", fy), "by_date|-|-|2024-12-31|explicit");
  EXPECT_EQ(p("6月底前", fy), "by_date|-|-|2024-06-30|explicit");
  EXPECT_EQ(p("2月末", fy), "by_date|-|-|2024-02-29|explicit");
  EXPECT_EQ(p("十月份", fy), "by_date|-|-|2024-10-31|explicit");
  EXPECT_EQ(p("第三季度前", fy), "by_date|-|-|2024-09-30|explicit");
  EXPECT_EQ(p("三季度末", fy), "by_date|-|-|2024-09-30|explicit");
  EXPECT_EQ(p("第一季度", fy), "by_date|-|-|2024-03-31|explicit");
  EXPECT_EQ(p("Q2", fy), "by_date|-|-|2024-06-30|explicit");
  EXPECT_EQ(p("上半年", fy), "by_date|-|-|2024-06-30|explicit");
  EXPECT_EQ(p("年底前", fy), "by_date|-|-|2024-12-31|explicit");
  EXPECT_EQ(p("年内", fy), "by_date|-|-|2024-12-31|explicit");
  EXPECT_EQ(p("力争年内完成", fy), "by_date|-|-|2024-12-31|explicit");
  EXPECT_EQ(p("2月29日前", fy), "by_date|-|-|2024-02-29|explicit");
  EXPECT_EQ(p("2月29日前", in_fiscal_year(2023)), "qualitative|'2月29日前' is not a date");
  EXPECT_EQ(p("第五季度", fy), "qualitative|no quarter 5 in '第五季度'");
  // A fiscal year from April: Q1 ends in June, 3月 is the next calendar year's.
  const TargetContext april = in_fiscal_year(2024, 4);
  EXPECT_EQ(p("第一季度", april), "by_date|-|-|2024-06-30|explicit");
  EXPECT_EQ(p("3月31日前", april), "by_date|-|-|2025-03-31|explicit");
  EXPECT_EQ(p("年底前", april), "by_date|-|-|2025-03-31|explicit");
  // No fiscal year: not guessed.
  EXPECT_EQ(p("第三季度前"),
            "qualitative|date without a year '第三季度前' and no fiscal year given");
  EXPECT_EQ(p("12月31日前"),
            "qualitative|date without a year '12月31日前' and no fiscal year given");
}

TEST(TargetTest, a_figure_with_a_date_keeps_both) {
  const TargetContext fy = in_fiscal_year(2024);
  EXPECT_EQ(p("12月底前完成率达到100%", fy), ">=|100|%|2024-12-31|explicit");
  EXPECT_EQ(p("年底前完成35个", fy), ">=|35|个|2024-12-31|implied");
  EXPECT_EQ(p("≥90%（2024年12月31日前）"), ">=|90|%|2024-12-31|explicit");
  EXPECT_EQ(p("90%以上，年底前", fy), ">=|90|%|2024-12-31|explicit");
  EXPECT_EQ(p("2024年12月31日前完成90%（2024年6月30日前）"),
            "qualitative|two different dates in '2024年12月31日前完成90%(2024年6月30日前)'");
  // A year after 较/比 is a point of comparison, not a deadline.
  EXPECT_EQ(p("较2023年增长10%"), "qualitative|more than one figure '较2023年增长10%'");
  // Durations are not dates.
  EXPECT_EQ(p("3个月内完成", fy), "<=|3|个月|-|explicit");
  EXPECT_EQ(p("12个月", fy), "<=|12|个月|-|implied");
}

TEST(TargetTest, yes_no_and_texts_without_a_figure) {
  EXPECT_EQ(p("是"), "==|是|-|-|explicit");
  EXPECT_EQ(p("否"), "==|否|-|-|explicit");
  EXPECT_EQ(p(" 是。"), "==|是|-|-|explicit");
  EXPECT_EQ(p("是（有积极作用）"), "==|是|-|-|explicit");
  EXPECT_EQ(p("是/否"), "qualitative|yes/no template left unanswered '是/否'");
  EXPECT_EQ(p("有所提升"), "qualitative|direction only, no figure '有所提升'");
  EXPECT_EQ(p("逐步提高"), "qualitative|direction only, no figure '逐步提高'");
  EXPECT_EQ(p("按季支付"), "qualitative|periodic schedule, no single date '按季支付'");
  EXPECT_EQ(p("及时支付"), "qualitative|on time, without a date '及时支付'");
  EXPECT_EQ(p("在规定时间内完成"), "qualitative|on time, without a date '在规定时间内完成'");
  EXPECT_EQ(p("按规定控制和支付"),
            "qualitative|no figure, date or yes/no answer '按规定控制和支付'");
  EXPECT_EQ(p("/"), "qualitative|no target given '/'");
  EXPECT_EQ(p("—"), "qualitative|no target given '-'");
  EXPECT_EQ(p("无"), "qualitative|no target given '无'");
  EXPECT_EQ(p("90%左右"), "qualitative|approximate target '90%左右'");
  EXPECT_EQ(p("约90%"), "qualitative|approximate target '约90%'");
  EXPECT_EQ(p("不低于5%以下"), "qualitative|contradictory comparators '不低于' and '以下'");
  EXPECT_EQ(p("10个以上以下"), "qualitative|contradictory comparators '以上' and '以下'");
  EXPECT_EQ(p("1个，2次"), "qualitative|more than one figure '1个,2次'");
  EXPECT_EQ(p("不低于去年的90%"),
            "qualitative|comparator '不低于' is not next to the figure '不低于去年的90%'");
  EXPECT_EQ(p("推动汽车产业相关企业完成工业投资额度10亿元"),
            "qualitative|text before the figure '推动汽车产业相关企业完成工业投资额度'");
  EXPECT_EQ(p("3次培训并形成调研报告和工作总结"),
            "qualitative|text after the figure '培训并形成调研报告和工作总结'");
}

// ---------------------------------------------------------------------------------------------------------
// Hostile input: exact outcomes, nothing throws.

TEST(TargetTest, empty_invalid_and_oversized_text) {
  EXPECT_EQ(p(""), "qualitative|empty target");
  EXPECT_EQ(p(" \t\r\n　"), "qualitative|empty target");
  EXPECT_EQ(p("\xEF\xBB\xBF"), "qualitative|empty target");  // a lone BOM
  EXPECT_EQ(p("90\xFF%"), "qualitative|not valid UTF-8 text");
  EXPECT_EQ(p("\xE4\xBB"), "qualitative|not valid UTF-8 text");          // truncated 仁
  EXPECT_EQ(p("\xC0\xB1"), "qualitative|not valid UTF-8 text");          // overlong '1'
  EXPECT_EQ(p("\xED\xA0\x80"), "qualitative|not valid UTF-8 text");      // a surrogate
  EXPECT_EQ(p("\xF4\x90\x80\x80"), "qualitative|not valid UTF-8 text");  // above U+10FFFF
  EXPECT_EQ(p(std::string(max_target_bytes, '9')), "qualitative|number with more than 30 digits");
  EXPECT_EQ(p(std::string(max_target_bytes + 1, '9')),
            "qualitative|target text longer than 1024 bytes");
  EXPECT_EQ(p(std::string_view("9\0%", 3)), "qualitative|control character in the text");
  EXPECT_EQ(p("90\x7F%"), "qualitative|control character in the text");
}

TEST(TargetTest, huge_numbers_stay_exact_up_to_30_digits) {
  const std::string thirty(30, '9');
  EXPECT_EQ(p(thirty + "个"), ">=|" + thirty + "|个|-|implied");
  EXPECT_EQ(p("≥" + thirty.substr(0, 20) + "." + thirty.substr(0, 10) + "%"),
            ">=|" + thirty.substr(0, 20) + "." + thirty.substr(0, 10) + "|%|-|explicit");
  EXPECT_EQ(p(thirty + "9个"), "qualitative|number with more than 30 digits");
  EXPECT_EQ(p("1-" + thirty + "9个"), "qualitative|number with more than 30 digits");
  EXPECT_EQ(p(std::string(200, '0') + "1个"), ">=|1|个|-|implied");  // leading zeros are not digits
  EXPECT_EQ(p("九千九百九十九亿九千九百九十九万九千九百九十九个"), ">=|999999999999|个|-|implied");
  EXPECT_EQ(p("九亿亿亿亿个"), "qualitative|no figure, date or yes/no answer '九亿亿亿亿个'");
}

TEST(TargetTest, never_throws_on_any_bytes) {
  static_assert(noexcept(parse_target(std::string_view(), TargetContext{})));
  // Every prefix of every byte-cut of a tricky text, and all two-byte strings.
  const std::string tricky =
      "于２０２３年十二月三十一日前完成≥九十%（含）以上,约-1,000.5万元~2个工作日内";
  for (std::size_t i = 0; i <= tricky.size(); ++i) {
    for (std::size_t j = i; j <= tricky.size(); ++j) {
      const Target t =
          parse_target(std::string_view(tricky).substr(i, j - i), in_fiscal_year(2024));
      EXPECT_NE(t.reason, "internal error");
    }
  }
  std::string two(2, '\0');
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      two[0] = static_cast<char>(a);
      two[1] = static_cast<char>(b);
      const Target t = parse_target(two);
      EXPECT_TRUE(t.comparator != Comparator::qualitative || !t.reason.empty());
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Exact comparisons.

TEST(TargetTest, decimals_compare_exactly) {
  EXPECT_EQ(parse_decimal("1,234.50"), "1234.50");
  EXPECT_EQ(parse_decimal(" １２．５ "), "12.5");
  EXPECT_EQ(parse_decimal("-0"), "0");
  EXPECT_EQ(parse_decimal("+7"), "7");
  EXPECT_EQ(parse_decimal(".5"), "0.5");
  EXPECT_EQ(parse_decimal("12a"), std::nullopt);
  EXPECT_EQ(parse_decimal(""), std::nullopt);
  EXPECT_EQ(parse_decimal("1,23"), std::nullopt);
  EXPECT_EQ(parse_decimal(std::string(31, '1')), std::nullopt);
  EXPECT_EQ(compare_decimal("95.50", "95.5"), 0);
  EXPECT_EQ(compare_decimal("95.49", "95.5"), -1);
  EXPECT_EQ(compare_decimal("100", "99.999"), 1);
  EXPECT_EQ(compare_decimal("-5", "3"), -1);
  EXPECT_EQ(compare_decimal("-5", "-3"), -1);
  EXPECT_EQ(compare_decimal("0.1", "0.10000000000000000000000000001"), -1);
  EXPECT_EQ(compare_decimal("999999999999999999999999999999", "999999999999999999999999999998"), 1);
}

TEST(TargetTest, is_met_per_comparator) {
  EXPECT_EQ(is_met(parse_target("90%以上"), "90"), true);
  EXPECT_EQ(is_met(parse_target("90%以上"), "89.99"), false);
  EXPECT_EQ(is_met(parse_target("超过2300亿元"), "2300"), false);
  EXPECT_EQ(is_met(parse_target("超过2300亿元"), "2300.01"), true);
  EXPECT_EQ(is_met(parse_target("3个工作日内"), "3"), true);
  EXPECT_EQ(is_met(parse_target("低于1%"), "1"), false);
  EXPECT_EQ(is_met(parse_target("=100%"), "100.0"), true);
  EXPECT_EQ(is_met(parse_target("90%-95%"), "95"), true);
  EXPECT_EQ(is_met(parse_target("90%-95%"), "95.1"), false);
  EXPECT_EQ(is_met(parse_target("是"), " 是 "), true);
  EXPECT_EQ(is_met(parse_target("是"), "否"), false);
  EXPECT_EQ(is_met(parse_target("有所提升"), "1"), std::nullopt);
  EXPECT_EQ(is_met(parse_target("2023年12月31日前"), "1"), std::nullopt);
  EXPECT_EQ(is_met(parse_target("90%以上"), "九十"), std::nullopt);
}

TEST(TargetTest, comparator_and_basis_words) {
  for (Comparator c : {Comparator::ge, Comparator::gt, Comparator::le, Comparator::lt,
                       Comparator::eq, Comparator::by_date, Comparator::qualitative}) {
    EXPECT_EQ(parse_comparator(to_string(c)), c);
  }
  EXPECT_EQ(parse_comparator("≥"), std::nullopt);
  EXPECT_STREQ(to_string(Basis::stated), "explicit");
  EXPECT_STREQ(to_string(Basis::implied), "implied");
  EXPECT_STREQ(to_string(Basis::none), "");
}

}  // namespace
}  // namespace bw::engine
