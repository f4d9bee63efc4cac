// A test export endpoint: tests/support/export_server.py run as a child process on 127.0.0.1 (free
// ports chosen by the system), with a control channel to script failures and read the requests it
// received; and a throwaway CA and server certificate for HTTPS tests. Used by the net and
// integration tests.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tests/support/child_process.h"

namespace bw::test {

/// How the server starts (all of it can be changed later with ExportServer::control).
struct ExportServerOptions {
  std::filesystem::path file;        ///< the served content (required)
  std::string path = "/export.csv";  ///< where it is served; other paths answer 404
  std::string etag;                  ///< empty: a quoted prefix of the content's SHA-256
  std::string last_modified;         ///< empty: "Mon, 04 Jan 2021 08:00:00 GMT"
  std::filesystem::path tls_cert;    ///< with tls_key: serve HTTPS
  std::filesystem::path tls_key;
  std::string bearer;  ///< non-empty: require "Authorization: Bearer <bearer>" (else 401)
  std::string basic;   ///< "user:password": require Basic authentication (else 401)
};

/// One request as the server received it.
struct RecordedRequest {
  std::string method;
  std::string path;  ///< the request target, query included
  std::vector<std::pair<std::string, std::string>> headers;
  /// The first header named `name` (ASCII case-insensitive), or nullopt.
  std::optional<std::string> header(std::string_view name) const;
};

/// The export server process. Starting waits (at most 10 s) until it prints its ports; the
/// destructor stops it (SIGTERM) and reaps it; it is also killed if the test process dies. Not
/// thread-safe.
class ExportServer {
 public:
  /// Throws std::runtime_error when the server does not start.
  explicit ExportServer(const ExportServerOptions& o);
  ~ExportServer();
  ExportServer(const ExportServer&) = delete;
  ExportServer& operator=(const ExportServer&) = delete;

  /// The data port (HTTP or HTTPS).
  int port() const { return port_; }
  /// "http://127.0.0.1:<port>" or "https://…" (no path).
  std::string base_url() const;
  /// base_url() + the served path.
  std::string url() const { return base_url() + path_; }

  /// Changes behaviour for the following requests (export_server.py documents the fields):
  /// control({{"fail", "2"}}), control({{"mode", "truncate"}}), control({{"reset", "1"}, {"etag",
  /// "\"v2\""}}). Throws std::runtime_error when the server refuses.
  void control(const std::vector<std::pair<std::string, std::string>>& fields);
  /// Every request of the data port so far, oldest first.
  std::vector<RecordedRequest> requests() const;
  /// Forgets the recorded requests.
  void clear_requests();

 private:
  std::unique_ptr<ChildProcess> process_;
  int port_ = 0;
  int control_port_ = 0;
  bool tls_ = false;
  std::string path_;
};

/// Files of a throwaway PKI made with the `openssl` CLI.
struct TestCertificates {
  std::filesystem::path ca_cert;  ///< PEM, self-signed; trust this to accept server_cert
  std::filesystem::path ca_key;
  std::filesystem::path server_cert;  ///< CN 127.0.0.1, SAN IP:127.0.0.1, signed by the CA
  std::filesystem::path server_key;
};

/// Creates a CA and a server certificate for 127.0.0.1 in `dir` (P-256 keys, valid 2 days). Throws
/// std::runtime_error when openssl fails.
TestCertificates make_test_certificates(const std::filesystem::path& dir);

/// A loopback TCP port that refuses connections: bound (so nobody else takes it) but not listening.
class ClosedPort {
 public:
  ClosedPort();  ///< throws std::runtime_error
  ~ClosedPort();
  ClosedPort(const ClosedPort&) = delete;
  ClosedPort& operator=(const ClosedPort&) = delete;
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

}  // namespace bw::test
