// tests/support/smtp_sink.py (a real SMTP server: python3-aiosmtpd) as a child process on
// 127.0.0.1, and a hung server, for the SMTP client and email notifier tests.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/child_process.h"

namespace bw::test {

/// The sink writes each received message into `dir`/msg-NNNN/ (raw text and the fields decoded by
/// Python's email package: see smtp_sink.py). `options` are its command-line options ("--tls",
/// "starttls", "--auth", "user:password", ...). Stopped with SIGTERM by the destructor.
class SmtpSink {
 public:
  SmtpSink(const std::filesystem::path& dir, const std::vector<std::string>& options);
  std::uint16_t port() const { return port_; }
  /// The recorded messages (msg-NNNN directories), oldest first.
  std::vector<std::filesystem::path> messages() const;

 private:
  std::filesystem::path dir_;
  std::unique_ptr<ChildProcess> process_;
  std::uint16_t port_ = 0;
};

/// One decoded field file of a recorded message ("subject", "body", "message_id", ...).
std::string sink_field(const std::filesystem::path& message, const std::string& name);

/// A loopback listener that completes TCP handshakes (the kernel's backlog) but never accepts nor
/// speaks: a hung server.
class SilentServer {
 public:
  SilentServer();
  ~SilentServer();
  SilentServer(const SilentServer&) = delete;
  SilentServer& operator=(const SilentServer&) = delete;
  std::uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace bw::test
