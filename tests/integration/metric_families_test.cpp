// One metric catalogue (issue 13): the snapshot families a live daemon serves on /metrics and the
// ones `budgetwatch export-openmetrics` writes over the same database are the same families, with
// the same types and label names, so that a backfilled history continues every live series.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "config/load.h"
#include "daemon/app.h"
#include "daemon/cli.h"
#include "tests/support/http_fetch.h"
#include "tests/support/test_support.h"

namespace bw {
namespace {

using namespace std::chrono_literals;

struct FamilyShape {
  std::string type;
  std::set<std::string> labels;  // label names over all the family's samples
  bool operator==(const FamilyShape&) const = default;
};
void PrintTo(const FamilyShape& s, std::ostream* os) {
  *os << s.type << " {";
  for (const std::string& l : s.labels) *os << l << ",";
  *os << "}";
}
using Shapes = std::map<std::string, FamilyShape>;

std::ostream& operator<<(std::ostream& os, const Shapes& shapes) {
  for (const auto& [name, shape] : shapes) {
    os << "\n  " << name << " " << shape.type << " {";
    for (const std::string& l : shape.labels) os << l << ",";
    os << "}";
  }
  return os;
}

// The families of a text exposition (Prometheus text 0.0.4 or OpenMetrics 1.0): `# TYPE` names the
// family; each sample adds its label names. The label values of these fixtures contain no `,`, `=`
// or `}` outside quotes that would matter: names are read up to `="` and values skipped to the
// closing quote.
Shapes parse_shapes(const std::string& text) {
  Shapes out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("# TYPE ", 0) == 0) {
      std::istringstream f(line.substr(7));
      std::string name, type;
      f >> name >> type;
      out[name].type = type;
      continue;
    }
    if (line.empty() || line[0] == '#') continue;
    const std::size_t brace = line.find('{');
    const std::size_t space = line.find(' ');
    const std::string name = line.substr(0, std::min(brace, space));
    FamilyShape& shape = out[name];
    if (brace == std::string::npos || brace > space) continue;
    std::size_t i = brace + 1;
    while (i < line.size() && line[i] != '}') {
      const std::size_t eq = line.find("=\"", i);
      shape.labels.insert(line.substr(i, eq - i));
      std::size_t j = eq + 2;
      while (j < line.size() && line[j] != '"') j += line[j] == '\\' ? 2 : 1;
      i = j + 1;
      if (i < line.size() && line[i] == ',') ++i;
    }
  }
  return out;
}

TEST(MetricFamiliesTest, live_metrics_and_the_history_export_have_the_same_snapshot_families) {
  test::TempDir dir;
  const std::string data = test::data_path("liwan2021").string();
  const std::string db = (dir.path() / "bw.db").string();
  const std::string yaml = "database: " + db +
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
  auto c = config::load_config_text(yaml, "test.yaml", dir.path());
  ASSERT_TRUE(c.has_value()) << c.error().to_string();
  daemon::AppOptions o;
  o.handle_signals = false;
  auto app = daemon::App::create(std::move(*c), o);
  ASSERT_TRUE(app.has_value()) << app.error().to_string();
  std::unique_ptr<daemon::App> a = std::move(*app);
  std::thread runner([&] { a->run(); });
  std::string live;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto m = test::fetch(a->port(), "GET", "/metrics");
    if (m.status == 200 &&
        m.body.find("\nbudgetwatch_department_paid_yuan{department=\"\"} 108888900") !=
            std::string::npos) {
      live = m.body;
      break;
    }
    std::this_thread::sleep_for(50ms);
  }
  a->stop();
  runner.join();
  ASSERT_FALSE(live.empty()) << "no evaluated snapshot on /metrics in time";

  std::ostringstream history, err;
  ASSERT_EQ(daemon::run_cli(
                {"export-openmetrics", "--db", db, "--from", "2021-01-01", "--to", "2021-12-31"},
                history, err),
            0)
      << err.str();

  // /metrics also serves the operational families; the snapshot's are named as in DESIGN §7 (per
  // project, unit and department, and three of the whole snapshot). budgetwatch_unit_indicators is
  // operational: it counts the indicators table, not the snapshot.
  auto is_snapshot_family = [](const std::string& name) {
    for (const char* prefix :
         {"budgetwatch_project_", "budgetwatch_unit_", "budgetwatch_department_"}) {
      if (name.starts_with(prefix)) return name != "budgetwatch_unit_indicators";
    }
    return name == "budgetwatch_snapshot_as_of_timestamp_seconds" ||
           name == "budgetwatch_fiscal_year" || name == "budgetwatch_orphan_paid_yuan";
  };
  Shapes snapshot_live;
  for (auto& [name, shape] : parse_shapes(live)) {
    if (is_snapshot_family(name)) snapshot_live.emplace(name, shape);
  }
  const Shapes exported = parse_shapes(history.str());
  ASSERT_TRUE(snapshot_live.contains("budgetwatch_project_info")) << snapshot_live;
  ASSERT_TRUE(snapshot_live.contains("budgetwatch_department_execution_ratio")) << snapshot_live;
  EXPECT_EQ(snapshot_live, exported)
      << "\n/metrics:" << snapshot_live << "\nexport-openmetrics:" << exported;
}

}  // namespace
}  // namespace bw
