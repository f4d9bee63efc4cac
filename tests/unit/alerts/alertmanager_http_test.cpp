// AlertmanagerNotifier against a real Alertmanager (Debian's prometheus-alertmanager, started here
// on a free loopback port with a minimal config): posted alerts appear in GET /api/v2/alerts with
// their labels and annotations, a resolved post ends them, and a wrong path is a permanent error.
// Skipped when /usr/bin/prometheus-alertmanager is not installed.
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>

#include "alerts/notifiers/alertmanager.h"
#include "net/http_client.h"
#include "tests/support/receiver.h"
#include "tests/support/test_support.h"

namespace bw::alerts {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

const fs::path alertmanager_binary = "/usr/bin/prometheus-alertmanager";

tl::expected<net::HttpResponse, net::HttpError> get(const std::string& url) {
  net::HttpRequest r;
  r.url = url;
  r.connect_timeout = 2000ms;
  r.read_timeout = 5000ms;
  asio::io_context ioc;
  auto f = asio::co_spawn(ioc, net::http_get(ioc.get_executor(), r), asio::use_future);
  ioc.run();
  return f.get();
}

DeliveryResult run(Notifier& notifier, const Notification& n) {
  asio::io_context ioc;
  auto f = asio::co_spawn(ioc, notifier.send(ioc.get_executor(), n), asio::use_future);
  ioc.run();
  return f.get();
}

/// prometheus-alertmanager in a temp dir, clustering off; stopped (SIGTERM) on destruction and
/// killed if the test process dies.
class Alertmanager {
 public:
  explicit Alertmanager(const fs::path& dir) {
    test::write_file(dir / "alertmanager.yml",
                     "route:\n  receiver: blackhole\nreceivers:\n  - name: blackhole\n");
    // A free port can be taken by someone else before Alertmanager binds it: try a few.
    for (int attempt = 0; attempt < 3 && pid_ < 0; ++attempt) start(dir);
    if (pid_ < 0) throw std::runtime_error("alertmanager did not start; see " + log_.string());
  }
  ~Alertmanager() { stop(); }
  Alertmanager(const Alertmanager&) = delete;
  Alertmanager& operator=(const Alertmanager&) = delete;

  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  void start(const fs::path& dir) {
    port_ = test::free_loopback_port();
    log_ = dir / "alertmanager.log";
    std::vector<std::string> args = {alertmanager_binary.string(),
                                     "--config.file=" + (dir / "alertmanager.yml").string(),
                                     "--storage.path=" + (dir / "data").string(),
                                     "--web.listen-address=127.0.0.1:" + std::to_string(port_),
                                     "--cluster.listen-address=",
                                     "--log.level=warn"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int log_fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0) throw std::runtime_error("cannot open " + log_.string());
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) _exit(127);
      ::dup2(log_fd, STDOUT_FILENO);
      ::dup2(log_fd, STDERR_FILENO);
      ::execv(argv[0], argv.data());
      _exit(127);
    }
    ::close(log_fd);
    pid_ = pid;
    // Bounded wait for readiness; give up early if the process died (port taken).
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      const auto r = get(base_url() + "/-/ready");
      if (r && r->status == 200) return;
      std::this_thread::sleep_for(100ms);
    }
    stop();
  }

  void stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }

  pid_t pid_ = -1;
  int port_ = 0;
  fs::path log_;
};

AlertItem item(const std::string& project, const std::string& rule) {
  AlertItem a;
  a.fingerprint = "fp-" + project;
  a.rule = rule;
  a.severity = Severity::critical;
  a.labels = {{"alertname", rule},
              {"severity", "critical"},
              {"project_code", project},
              {"project_name", "森林防火项目"},
              {"owner", "张三"}};
  a.annotations = {{"summary", project + " 执行率 36.62%"}, {"description", "已支付 36.62 万元"}};
  a.starts_at = 1625040000;  // 2021-06-30T08:00:00Z
  a.url = "http://budgetwatch.local:9108/api/v1/projects/" + project;
  return a;
}

// The active alerts Alertmanager lists, by project_code.
std::map<std::string, json::object> active_alerts(const std::string& base) {
  const auto r = get(base + "/api/v2/alerts");
  if (!r || r->status != 200) throw std::runtime_error("GET /api/v2/alerts failed");
  std::map<std::string, json::object> out;
  const json::value listed = json::parse(r->body);
  for (const auto& v : listed.as_array()) {
    const json::object& o = v.as_object();
    const auto* code = o.at("labels").as_object().if_contains("project_code");
    if (code != nullptr) out[std::string(code->as_string())] = o;
  }
  return out;
}

std::string str(const json::value& v) { return std::string(v.as_string()); }

class AlertmanagerHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(alertmanager_binary)) GTEST_SKIP() << alertmanager_binary << " not installed";
  }
};

TEST_F(AlertmanagerHttpTest, posted_alerts_are_active_with_their_labels_then_resolve) {
  test::TempDir dir;
  Alertmanager am(dir.path());
  AlertmanagerOptions o;
  o.url = am.base_url();
  o.http.connect_timeout = 3000ms;
  o.http.read_timeout = 5000ms;
  AlertmanagerNotifier notifier(o);

  Notification firing;
  firing.idempotency_key = "am/owner=张三/1";
  firing.receiver = "am";
  firing.status = Status::firing;
  firing.alerts = {item("P001", "below_threshold"), item("P002", "no_spending")};
  const DeliveryResult d = run(notifier, firing);
  ASSERT_EQ(d.outcome, Outcome::delivered) << d.reason;
  EXPECT_EQ(d.reason, "HTTP 200");

  const std::int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
  auto alerts = active_alerts(am.base_url());
  ASSERT_EQ(alerts.size(), 2u);
  const json::object& p1 = alerts.at("P001");
  EXPECT_EQ(p1.at("labels"), (json::object{{"alertname", "below_threshold"},
                                           {"severity", "critical"},
                                           {"project_code", "P001"},
                                           {"project_name", "森林防火项目"},
                                           {"owner", "张三"}}));
  EXPECT_EQ(str(p1.at("annotations").at("summary")), "P001 执行率 36.62%");
  EXPECT_EQ(str(p1.at("status").at("state")), "active");
  EXPECT_EQ(str(p1.at("startsAt")).substr(0, 19), "2021-06-30T08:00:00");
  EXPECT_EQ(str(p1.at("generatorURL")), "http://budgetwatch.local:9108/api/v1/projects/P001");
  // endsAt = now + the 1 h resolve window (same-format UTC strings compare as times).
  EXPECT_GT(str(p1.at("endsAt")), format_rfc3339(now_s + 3500).substr(0, 19));
  EXPECT_LT(str(p1.at("endsAt")), format_rfc3339(now_s + 3700).substr(0, 19));

  // P001 clears: posted resolved with its resolution time; P002 stays active.
  Notification resolved;
  resolved.idempotency_key = "am/owner=张三/2";
  resolved.status = Status::resolved;
  AlertItem p001 = item("P001", "below_threshold");
  p001.status = Status::resolved;
  p001.ends_at = now_s - 1;
  resolved.alerts = {p001};
  const DeliveryResult r = run(notifier, resolved);
  ASSERT_EQ(r.outcome, Outcome::delivered) << r.reason;

  alerts = active_alerts(am.base_url());
  if (const auto it = alerts.find("P001"); it != alerts.end()) {
    // Still listed: then no longer active, ended in the past.
    EXPECT_LT(str(it->second.at("endsAt")), format_rfc3339(now_s + 1).substr(0, 19));
    EXPECT_NE(str(it->second.at("status").at("state")), "active");
  }
  ASSERT_TRUE(alerts.count("P002"));
  EXPECT_EQ(str(alerts.at("P002").at("status").at("state")), "active");
}

TEST_F(AlertmanagerHttpTest, a_wrong_path_is_permanent_and_a_dead_alertmanager_retries) {
  test::TempDir dir;
  Alertmanager am(dir.path());
  AlertmanagerOptions o;
  o.url = am.base_url() + "/not-alertmanager";
  o.http.connect_timeout = 3000ms;
  o.http.read_timeout = 5000ms;
  Notification n;
  n.alerts = {item("P001", "below_threshold")};
  AlertmanagerNotifier wrong(o);
  const DeliveryResult d = run(wrong, n);
  EXPECT_EQ(d.outcome, Outcome::permanent) << d.reason;
  EXPECT_EQ(d.reason.rfind("HTTP 404", 0), 0u) << d.reason;

  o.url = "http://127.0.0.1:" + std::to_string(test::free_loopback_port());
  AlertmanagerNotifier dead(o);
  const DeliveryResult d2 = run(dead, n);
  EXPECT_EQ(d2.outcome, Outcome::retry) << d2.reason;
  EXPECT_EQ(d2.reason, "connection refused");
}

}  // namespace
}  // namespace bw::alerts
