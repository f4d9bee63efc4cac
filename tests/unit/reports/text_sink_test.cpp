// `budgetwatch report` writes the report as it is rendered (issue 14): a TextSink with a writer
// hands the text on in chunks of about its chunk size, ending at a row; their concatenation is the
// report render_report returns, byte for byte, in every format; without a writer the sink keeps
// the whole text.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "reports/execution_report.h"
#include "reports/json_writer.h"
#include "reports/report.h"
#include "reports/text_sink.h"

namespace bw::reports {
namespace {

using engine::make_date;
using engine::Money;

// 300 lines in three units (names to escape, CJK), most paid something, some orphan payments.
engine::Snapshot big_snapshot() {
  engine::Inputs in;
  in.fiscal_year = engine::FiscalYear(2021, 1);
  for (int i = 0; i < 300; ++i) {
    engine::BudgetLine l;
    l.code = "P" + std::to_string(1000 + i);
    l.name = "道路养护工程 \"第" + std::to_string(i) + "段\" <a&b>, 含逗号";
    l.unit_code = "U" + std::to_string(i % 3);
    l.unit_name = "单位" + std::to_string(i % 3);
    l.kind = i % 10 == 0 ? engine::LineKind::basic : engine::LineKind::project;
    l.initial = Money::from_yuan(1000 + 37 * i);
    l.owner = "owner|" + std::to_string(i);
    in.lines.push_back(l);
    if (i % 4 == 3) continue;
    engine::PaymentSeries p;
    p.unit_code = l.unit_code;
    p.project_code = l.kind == engine::LineKind::basic ? "" : l.code;
    p.month_paid[1] = Money::from_yuan(11 * i);
    p.month_count[1] = 1;
    in.payments.push_back(p);
  }
  engine::PaymentSeries orphan;
  orphan.unit_code = "U1";
  orphan.project_code = "NOT-REGISTERED";
  orphan.project_name = "未登记";
  orphan.month_paid[0] = Money::from_yuan(5);
  orphan.month_count[0] = 1;
  in.payments.push_back(orphan);
  return engine::evaluate(in, make_date(2021, 6, 30), engine::Policy{});
}

struct Written {
  std::vector<std::string> chunks;
  std::size_t size = 0;  // the sink's size() after finish()
  std::string joined() const {
    std::string s;
    for (const auto& c : chunks) s += c;
    return s;
  }
};

Written stream(const engine::Snapshot& s, const ReportRequest& r, std::size_t chunk) {
  Written w;
  TextSink sink([&](std::string_view text) { w.chunks.emplace_back(text); }, chunk);
  write_report(s, r, {}, sink);
  sink.finish();
  w.size = sink.size();
  return w;
}

TEST(TextSinkTest,
     a_streamed_execution_report_is_the_rendered_one_in_chunks_of_about_the_chunk_size) {
  const engine::Snapshot s = big_snapshot();
  ASSERT_EQ(s.lines.size(), 300U);
  constexpr std::size_t chunk = 4096;
  for (const Format f : {Format::json, Format::csv, Format::md, Format::html}) {
    for (const Lang l : {Lang::zh, Lang::en}) {
      SCOPED_TRACE(std::string(extension(f)) + (l == Lang::zh ? " zh" : " en"));
      ReportRequest r;
      r.format = f;
      r.lang = l;
      const std::string whole = render_report(s, r);
      const Written w = stream(s, r, chunk);
      EXPECT_EQ(w.joined(), whole);
      EXPECT_EQ(w.size, whole.size());
      // Tens of kilobytes: several chunks, none empty.
      ASSERT_GT(whole.size(), 8 * chunk);
      EXPECT_GE(w.chunks.size(), whole.size() / (2 * chunk));
      EXPECT_TRUE(
          std::none_of(w.chunks.begin(), w.chunks.end(), [](const auto& c) { return c.empty(); }));
      // A chunk ends at the first row past the chunk size: at most the size plus one row (a JSON
      // line object is about 1.2 KB). HTML's first chunk also holds the stylesheet and the charts.
      for (std::size_t i = f == Format::html ? 1 : 0; i < w.chunks.size(); ++i) {
        EXPECT_LE(w.chunks[i].size(), chunk + 2048) << "chunk " << i;
      }
    }
  }
}

TEST(TextSinkTest, every_kind_streams_the_text_it_renders) {
  const engine::Snapshot s = big_snapshot();
  for (const ReportKind k :
       {ReportKind::monthly, ReportKind::midyear, ReportKind::yearend, ReportKind::circular}) {
    for (const Format f : {Format::json, Format::csv, Format::md, Format::html}) {
      SCOPED_TRACE(std::string(to_string(k)) + " " + extension(f));
      ReportRequest r;
      r.kind = k;
      r.format = f;
      const std::string whole = render_report(s, r);
      EXPECT_EQ(stream(s, r, 4096).joined(), whole);
      TextSink keep;
      write_report(s, r, {}, keep);
      keep.finish();
      EXPECT_EQ(keep.take(), whole);
    }
  }
}

TEST(TextSinkTest, without_a_writer_the_sink_keeps_everything) {
  TextSink sink;
  JsonText w(sink);
  w.begin_array();
  for (int i = 0; i < 1000; ++i) {
    w.begin_object();
    w.key("i").value(i);
    w.end_object();
  }
  w.end_array();
  sink.finish();
  EXPECT_FALSE(sink.streaming());
  const std::size_t size = sink.size();
  const std::string text = sink.take();
  EXPECT_EQ(text.size(), size);
  EXPECT_TRUE(text.starts_with("[\n  {\n    \"i\": 0\n  },\n"));
  EXPECT_TRUE(text.ends_with("{\n    \"i\": 999\n  }\n]"));
}

TEST(TextSinkTest, string_out_writes_as_a_stream_does) {
  std::string s;
  StringOut out(s);
  out << "a" << std::string("b") << std::string_view("c") << 'd' << 42 << -7L
      << std::size_t{18446744073709551615U} << static_cast<unsigned>(12);
  EXPECT_EQ(s, "abcd42-71844674407370955161512");
}

}  // namespace
}  // namespace bw::reports
