#include "tests/support/receiver.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace bw::test {
namespace {

constexpr std::chrono::seconds start_timeout{10};

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Just enough JSON to read receiver.py's records: objects, arrays, strings (with \u escapes and
// surrogate pairs), integers, true/false/null.
class RecordReader {
 public:
  explicit RecordReader(std::string_view text) : s_(text) {}

  ReceivedRequest read() {
    ReceivedRequest r;
    expect('{');
    if (peek() == '}') {
      ++i_;
      return r;
    }
    while (true) {
      const std::string key = string();
      expect(':');
      if (key == "method") {
        r.method = string();
      } else if (key == "path") {
        r.path = string();
      } else if (key == "query") {
        r.query = string();
      } else if (key == "body") {
        r.body = string();
      } else if (key == "verdict") {
        r.verdict = string();
      } else if (key == "status") {
        r.status = integer();
      } else if (key == "headers") {
        expect('[');
        while (peek() != ']') {
          expect('[');
          std::string name = string();
          expect(',');
          std::string value = string();
          expect(']');
          r.headers.emplace_back(std::move(name), std::move(value));
          if (peek() == ',') ++i_;
        }
        ++i_;
      } else {
        skip();
      }
      if (peek() == ',') {
        ++i_;
        continue;
      }
      expect('}');
      return r;
    }
  }

 private:
  char peek() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
    if (i_ >= s_.size()) throw std::runtime_error("receiver log: unexpected end of record");
    return s_[i_];
  }
  void expect(char c) {
    if (peek() != c) throw std::runtime_error(std::string("receiver log: expected '") + c + "'");
    ++i_;
  }
  int integer() {
    peek();
    std::size_t end = i_;
    while (end < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[end])) || s_[end] == '-'))
      ++end;
    const int v = std::stoi(std::string(s_.substr(i_, end - i_)));
    i_ = end;
    return v;
  }
  unsigned hex4() {
    if (i_ + 4 > s_.size()) throw std::runtime_error("receiver log: bad \\u escape");
    const unsigned v =
        static_cast<unsigned>(std::stoul(std::string(s_.substr(i_, 4)), nullptr, 16));
    i_ += 4;
    return v;
  }
  static void append_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  std::string string() {
    expect('"');
    std::string out;
    while (true) {
      if (i_ >= s_.size()) throw std::runtime_error("receiver log: unterminated string");
      const char c = s_[i_++];
      if (c == '"') return out;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i_ >= s_.size()) throw std::runtime_error("receiver log: bad escape");
      const char e = s_[i_++];
      switch (e) {
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'u': {
          unsigned cp = hex4();
          if (cp >= 0xD800 && cp < 0xDC00 && i_ + 1 < s_.size() && s_[i_] == '\\' &&
              s_[i_ + 1] == 'u') {
            i_ += 2;
            const unsigned low = hex4();
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          append_utf8(out, cp);
          break;
        }
        default:
          out += e;  // \" \\ \/
      }
    }
  }
  void skip() {
    const char c = peek();
    if (c == '"') {
      string();
    } else if (c == '{' || c == '[') {
      const char close = c == '{' ? '}' : ']';
      ++i_;
      while (peek() != close) {
        if (c == '{') {
          string();
          expect(':');
        }
        skip();
        if (peek() == ',') ++i_;
      }
      ++i_;
    } else {
      while (i_ < s_.size() && s_[i_] != ',' && s_[i_] != '}' && s_[i_] != ']') ++i_;
    }
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

}  // namespace

std::optional<std::string> ReceivedRequest::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (iequals(n, name)) return v;
  }
  return std::nullopt;
}

Receiver::Receiver(const ReceiverOptions& o) : log_((dir_ / "requests.jsonl").string()) {
  write_file(log_, "");
  std::vector<std::string> args = {"/usr/bin/python3",
                                   (source_dir() / "tests" / "support" / "receiver.py").string(),
                                   "--log", log_};
  auto add = [&](const char* flag, const std::string& value) {
    if (!value.empty()) args.insert(args.end(), {flag, value});
  };
  add("--wecom-key", o.wecom_key);
  add("--dingtalk-token", o.dingtalk_token);
  add("--dingtalk-secret", o.dingtalk_secret);
  add("--feishu-token", o.feishu_token);
  add("--feishu-secret", o.feishu_secret);
  process_ = std::make_unique<ChildProcess>(std::move(args), start_timeout, "receiver");
  port_ = port_from_line(process_->first_line(), "receiver");
}

Receiver::~Receiver() = default;

std::string Receiver::base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::vector<ReceivedRequest> Receiver::requests() const {
  std::vector<ReceivedRequest> out;
  std::istringstream in(read_file(log_));
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    out.push_back(RecordReader(line).read());
  }
  return out;
}

void Receiver::clear() { write_file(log_, ""); }

int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("bind failed");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace bw::test
