// A notification receiver for the notifier tests: tests/support/receiver.py run as a child process
// on 127.0.0.1 (plain webhook statuses, and WeCom / DingTalk / Feishu robots that verify keys and
// signatures independently), with the requests it recorded read back from its JSONL log. Also a
// free loopback port for servers the tests start themselves (Alertmanager).
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tests/support/child_process.h"
#include "tests/support/test_support.h"

namespace bw::test {

/// The robots' credentials the receiver accepts (receiver.py documents the checks). An empty
/// value refuses every request of that robot.
struct ReceiverOptions {
  std::string wecom_key;
  std::string dingtalk_token;
  std::string dingtalk_secret;  ///< empty: DingTalk requests are not signed
  std::string feishu_token;
  std::string feishu_secret;  ///< empty: Feishu requests are not signed
};

/// One request as the receiver recorded it.
struct ReceivedRequest {
  std::string method;
  std::string path;   ///< without the query
  std::string query;  ///< raw, still percent-encoded
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  int status = 0;       ///< what the receiver answered
  std::string verdict;  ///< "ok", or why it refused ("sign mismatch", "invalid key", ...)
  /// The first header named `name` (ASCII case-insensitive), or nullopt.
  std::optional<std::string> header(std::string_view name) const;
};

/// The receiver process. Starting waits (at most 10 s) for its port; the destructor stops it
/// (SIGTERM) and reaps it; it is also killed if the test process dies. Not thread-safe.
class Receiver {
 public:
  /// Throws std::runtime_error when the receiver does not start.
  explicit Receiver(const ReceiverOptions& o = {});
  ~Receiver();
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;

  int port() const { return port_; }
  /// "http://127.0.0.1:<port>".
  std::string base_url() const;
  /// Every request so far, oldest first (each is written before its answer is sent).
  std::vector<ReceivedRequest> requests() const;
  /// Forgets the recorded requests.
  void clear();

 private:
  TempDir dir_;
  std::string log_;
  std::unique_ptr<ChildProcess> process_;
  int port_ = 0;
};

/// A loopback TCP port that was free a moment ago (bound to 127.0.0.1:0, then closed). For
/// servers that must be told their port; a tiny race with other processes remains.
int free_loopback_port();

}  // namespace bw::test
