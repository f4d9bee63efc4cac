#include "tests/support/export_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>
#include <sstream>
#include <stdexcept>

#include "tests/support/test_support.h"

namespace bw::test {
namespace {

constexpr std::chrono::seconds start_timeout{10};
constexpr int control_timeout_s = 10;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  auto encode = [&](const std::string& s) {
    for (unsigned char c : s) {
      if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
        out += static_cast<char>(c);
      } else {
        out += '%';
        out += hex[c >> 4];
        out += hex[c & 15];
      }
    }
  };
  for (const auto& [name, value] : fields) {
    if (!out.empty()) out += '&';
    encode(name);
    out += '=';
    encode(value);
  }
  return out;
}

// One request on a fresh loopback connection to the control port; returns the body of a 200 reply.
std::string control_call(int port, const std::string& method, const std::string& path,
                         const std::string& body) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket: " + std::string(std::strerror(errno)));
  timeval tv{control_timeout_s, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("export server control: connect failed");
  }
  const std::string request =
      method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
      "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  for (std::size_t sent = 0; sent < request.size();) {
    const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      ::close(fd);
      throw std::runtime_error("export server control: send failed");
    }
    sent += static_cast<std::size_t>(n);
  }
  std::string reply;
  char buf[8192];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;)
    reply.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  const auto end = reply.find("\r\n\r\n");
  const bool ok =
      reply.compare(0, 12, "HTTP/1.1 200") == 0 || reply.compare(0, 12, "HTTP/1.0 200") == 0;
  if (end == std::string::npos || !ok) {
    throw std::runtime_error("export server control: " + reply.substr(0, reply.find("\r\n")) + " " +
                             (end == std::string::npos ? "" : reply.substr(end + 4)));
  }
  return reply.substr(end + 4);
}

std::string unescape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      const char c = s[++i];
      out += c == 't' ? '\t' : c == 'n' ? '\n' : c;
    } else {
      out += s[i];
    }
  }
  return out;
}

void run_openssl(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"/usr/bin/openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  const CommandResult r = run_command(argv);
  if (r.exit_code != 0) throw std::runtime_error("openssl " + args.front() + " failed: " + r.err);
}

}  // namespace

std::optional<std::string> RecordedRequest::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (iequals(n, name)) return v;
  }
  return std::nullopt;
}

ExportServer::ExportServer(const ExportServerOptions& o)
    : tls_(!o.tls_cert.empty()), path_(o.path) {
  std::vector<std::string> args = {
      "/usr/bin/python3", (source_dir() / "tests" / "support" / "export_server.py").string(),
      "--file",           o.file.string(),
      "--path",           o.path};
  if (!o.etag.empty()) args.insert(args.end(), {"--etag", o.etag});
  if (!o.last_modified.empty()) args.insert(args.end(), {"--last-modified", o.last_modified});
  if (tls_) args.insert(args.end(), {"--cert", o.tls_cert.string(), "--key", o.tls_key.string()});
  if (!o.bearer.empty()) args.insert(args.end(), {"--bearer", o.bearer});
  if (!o.basic.empty()) args.insert(args.end(), {"--basic", o.basic});
  // Prints "PORT <p> CONTROL <c>" once it listens.
  process_ = std::make_unique<ChildProcess>(std::move(args), start_timeout, "export server");
  const std::string line = process_->first_line();
  std::istringstream in(line);
  std::string port_word, control_word;
  if (!(in >> port_word >> port_ >> control_word >> control_port_) || port_word != "PORT") {
    process_.reset();
    throw std::runtime_error("export server did not start: '" + line + "'");
  }
}

ExportServer::~ExportServer() = default;

std::string ExportServer::base_url() const {
  return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
}

void ExportServer::control(const std::vector<std::pair<std::string, std::string>>& fields) {
  control_call(control_port_, "POST", "/control", form_encode(fields));
}

std::vector<RecordedRequest> ExportServer::requests() const {
  std::vector<RecordedRequest> out;
  std::istringstream in(control_call(control_port_, "GET", "/requests", ""));
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> fields;
    std::size_t start = 0;
    for (std::size_t tab; (tab = line.find('\t', start)) != std::string::npos; start = tab + 1) {
      fields.push_back(unescape(std::string_view(line).substr(start, tab - start)));
    }
    fields.push_back(unescape(std::string_view(line).substr(start)));
    if (fields.size() < 2) continue;
    RecordedRequest r{fields[0], fields[1], {}};
    for (std::size_t i = 2; i + 1 < fields.size(); i += 2)
      r.headers.emplace_back(fields[i], fields[i + 1]);
    out.push_back(std::move(r));
  }
  return out;
}

void ExportServer::clear_requests() { control_call(control_port_, "POST", "/clear", ""); }

TestCertificates make_test_certificates(const std::filesystem::path& dir) {
  TestCertificates c{dir / "ca.pem", dir / "ca.key", dir / "server.pem", dir / "server.key"};
  const auto& ca_key = c.ca_key;
  const auto csr = dir / "server.csr";
  const auto ext = dir / "server.ext";
  run_openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
               "-noenc", "-keyout", ca_key.string(), "-out", c.ca_cert.string(), "-days", "2",
               "-subj", "/CN=budgetwatch test CA", "-addext", "basicConstraints=critical,CA:TRUE",
               "-addext", "keyUsage=critical,keyCertSign,cRLSign"});
  run_openssl({"req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-noenc",
               "-keyout", c.server_key.string(), "-out", csr.string(), "-subj", "/CN=127.0.0.1"});
  write_file(
      ext,
      "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
      "extendedKeyUsage=serverAuth\n");
  run_openssl({"x509", "-req", "-in", csr.string(), "-CA", c.ca_cert.string(), "-CAkey",
               ca_key.string(), "-set_serial", "2", "-days", "2", "-extfile", ext.string(), "-out",
               c.server_cert.string()});
  return c;
}

ClosedPort::ClosedPort() {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd_);
    throw std::runtime_error("bind failed");
  }
  port_ = ntohs(addr.sin_port);
}

ClosedPort::~ClosedPort() { ::close(fd_); }

}  // namespace bw::test
