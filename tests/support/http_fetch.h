// A blocking HTTP/1.1 client for tests (Beast, one request per connection), and raw-socket helpers
// for the server's limit tests. Loopback only.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace bw::test {

struct FetchResult {
  int status = 0;  ///< 0 when the connection failed or closed without a response
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string error;  ///< transport error, if any
  std::string header(const std::string& name) const;
};

/// Sends one request to 127.0.0.1:port and reads the response.
FetchResult fetch(std::uint16_t port, const std::string& method, const std::string& target,
                  const std::vector<std::pair<std::string, std::string>>& headers = {},
                  const std::string& body = {},
                  std::chrono::milliseconds timeout = std::chrono::seconds(30));

/// Writes `bytes` to a new connection, then reads until the server closes it or `timeout` passes.
/// Returns what was read and how long until the close (or the timeout).
struct RawResult {
  std::string received;
  bool closed_by_server = false;
  std::chrono::milliseconds elapsed{0};
};
RawResult raw_exchange(std::uint16_t port, const std::string& bytes,
                       std::chrono::milliseconds timeout);

}  // namespace bw::test
