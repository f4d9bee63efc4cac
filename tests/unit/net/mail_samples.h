// Shared by the net mail tests (mime_test.cpp, smtp_client_test.cpp): a Chinese sample message
// with a fixed date, and decoders for checking what was built.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "net/mime.h"

namespace bw::net::mail_samples {

inline std::string base64_decode(std::string_view in) {
  static const std::string alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned acc = 0;
  int bits = 0;
  for (const char c : in) {
    const auto v = alphabet.find(c);
    if (v == std::string::npos) continue;  // padding, line breaks
    acc = (acc << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

inline std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> lines;
  std::size_t pos = 0;
  for (std::size_t end; (end = s.find("\r\n", pos)) != std::string::npos; pos = end + 2)
    lines.push_back(s.substr(pos, end - pos));
  if (pos < s.size()) lines.push_back(s.substr(pos));
  return lines;
}

inline bool is_continuation_byte(char c) { return (static_cast<unsigned char>(c) & 0xc0) == 0x80; }

// 2021-06-30 08:00:00 UTC.
inline const std::chrono::system_clock::time_point fixed_date{std::chrono::seconds{1625040000}};

inline const std::string chinese_subject =
    "【预算执行预警】立项目编号 2021-037 “城乡道路提升改造工程”执行率 36.62%，低于序时进度 "
    "58.33%，请项目负责人张三尽快核实支出计划并说明原因";
inline const std::string chinese_body =
    "张三：\n"
    "\n"
    "城乡道路提升改造工程（项目编号 2021-037）截至 2021 年 6 月 30 日累计支出 366.2 万元，预算 "
    "1000 万元，执行率 36.62%，低于序时进度 58.33%。根据《预算执行进度管理办法》第十二条，执行率"
    "低于序时进度二十个百分点以上的项目应当在五个工作日内书面说明原因并提出整改措施，逾期未说明的"
    "将按规定收回部分预算资金统筹用于其他急需支出的项目。\n"
    ".这一行以句点开头\n"
    ".\n"
    "..\n"
    "最后一行";

inline MailMessage sample_message() {
  MailMessage m;
  m.from = {"budgetwatch@bw.test", "预算监控"};
  m.to = {{"owner@example.org", "张三"}};
  m.subject = chinese_subject;
  m.text = chinese_body;
  m.message_id = "<fixed-1.budgetwatch@bw.test>";
  m.date = fixed_date;
  return m;
}

}  // namespace bw::net::mail_samples
