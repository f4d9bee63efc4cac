#include "tests/support/smtp_sink.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "tests/support/test_support.h"

namespace bw::test {

namespace fs = std::filesystem;

SmtpSink::SmtpSink(const fs::path& dir, const std::vector<std::string>& options) : dir_(dir) {
  std::vector<std::string> args = {"/usr/bin/python3",
                                   (source_dir() / "tests/support/smtp_sink.py").string(), "--dir",
                                   dir.string()};
  args.insert(args.end(), options.begin(), options.end());
  process_ =
      std::make_unique<ChildProcess>(std::move(args), std::chrono::seconds(15), "smtp_sink.py");
  port_ = static_cast<std::uint16_t>(port_from_line(process_->first_line(), "smtp_sink.py"));
}

std::vector<fs::path> SmtpSink::messages() const {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir_)) {
    if (e.path().filename().string().rfind("msg-", 0) == 0) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string sink_field(const fs::path& message, const std::string& name) {
  return read_file(message / name);
}

SilentServer::SilentServer() {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd_ < 0 || ::bind(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(fd_, 8) != 0 || ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    throw std::runtime_error("cannot listen");
  }
  port_ = ntohs(addr.sin_port);
}

SilentServer::~SilentServer() { ::close(fd_); }

}  // namespace bw::test
