// net/mime: RFC 2047 header words and folding, mailboxes, RFC 5322 dates, base64 bodies, the built
// message and the reasons an invalid one is refused. Pure: no server.
#include "net/mime.h"

#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <string>

#include "tests/unit/net/mail_samples.h"

namespace bw::net {
namespace {

using namespace mail_samples;

TEST(MimeTest, short_ascii_header_text_is_unchanged) {
  EXPECT_EQ(encode_header_word("Budget alert: project 2021-037", 9),
            "Budget alert: project 2021-037");
  EXPECT_EQ(encode_header_word(""), "");
}

TEST(MimeTest, long_ascii_header_text_is_folded_at_spaces) {
  const std::string subject =
      "Budget execution alert for project 2021-037: execution rate 36.62 percent is below the "
      "expected 58.33 percent for this date, please check the spending plan";
  const std::string folded = encode_header_word(subject, 9);
  EXPECT_NE(folded.find("\r\n "), std::string::npos);
  const auto lines = split_lines(folded);
  for (std::size_t i = 0; i < lines.size(); ++i)
    EXPECT_LE(lines[i].size() + (i == 0 ? 9 : 0), 78u) << lines[i];
  std::string unfolded = folded;
  for (std::size_t p; (p = unfolded.find("\r\n")) != std::string::npos;) unfolded.erase(p, 2);
  EXPECT_EQ(unfolded, subject);
}

TEST(MimeTest, utf8_header_text_becomes_encoded_words_that_never_split_a_character) {
  const std::string folded = encode_header_word(chinese_subject, 9);
  const auto lines = split_lines(folded);
  ASSERT_GT(lines.size(), 2u);
  std::string decoded;
  const std::regex word(R"(=\?UTF-8\?B\?([A-Za-z0-9+/=]+)\?=)");
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string text = i == 0 ? lines[i] : lines[i].substr(1);
    if (i > 0) {
      EXPECT_EQ(lines[i][0], ' ');
    }
    EXPECT_LE(lines[i].size() + (i == 0 ? 9 : 0), 76u) << "line " << i;
    EXPECT_LE(text.size(), 75u);
    std::smatch m;
    ASSERT_TRUE(std::regex_match(text, m, word)) << text;
    const std::string chunk = base64_decode(m[1].str());
    ASSERT_FALSE(chunk.empty());
    EXPECT_FALSE(is_continuation_byte(chunk.front())) << "word " << i << " starts mid-character";
    decoded += chunk;
  }
  EXPECT_EQ(decoded, chinese_subject);
}

TEST(MimeTest, encoded_words_start_on_a_new_line_when_the_first_is_full) {
  // "X-A-Very-Long-Header-Name-That-Fills-Most-Of-The-Line-Already-Nearly: " is 70 characters.
  EXPECT_EQ(encode_header_word("张三", 70), "\r\n =?UTF-8?B?5byg5LiJ?=");
  EXPECT_EQ(encode_header_word("张三", 56), "=?UTF-8?B?5byg5LiJ?=");
}

TEST(MimeTest, ascii_that_looks_like_an_encoded_word_is_encoded) {
  const std::string tricky = "=?UTF-8?B?5byg5LiJ?= is not a name";
  const std::string out = encode_header_word(tricky);
  EXPECT_EQ(out.rfind("=?UTF-8?B?", 0), 0u);
  std::string decoded;
  for (const auto& line : split_lines(out)) {
    const auto start = line.find("=?UTF-8?B?") + 10;
    decoded += base64_decode(line.substr(start, line.size() - start - 2));
  }
  EXPECT_EQ(decoded, tricky);
}

TEST(MimeTest, mailboxes_quote_ascii_names_and_encode_others) {
  EXPECT_EQ(format_mailbox({"ops@example.org", ""}), "ops@example.org");
  EXPECT_EQ(format_mailbox({"ops@example.org", "Ops \"A\" Team"}),
            "\"Ops \\\"A\\\" Team\" <ops@example.org>");
  EXPECT_EQ(format_mailbox({"owner@example.org", "张三"}, 4),
            "=?UTF-8?B?5byg5LiJ?= <owner@example.org>");
}

TEST(MimeTest, dates_are_rfc5322_in_utc) {
  using std::chrono::seconds;
  using std::chrono::system_clock;
  EXPECT_EQ(format_rfc5322_date(system_clock::time_point{seconds{1609747200}}),
            "Mon, 04 Jan 2021 08:00:00 +0000");
  EXPECT_EQ(format_rfc5322_date(fixed_date), "Wed, 30 Jun 2021 08:00:00 +0000");
  EXPECT_EQ(format_rfc5322_date(system_clock::time_point{seconds{1709251199}}),
            "Thu, 29 Feb 2024 23:59:59 +0000");
}

TEST(MimeTest, base64_lines_are_76_characters) {
  EXPECT_EQ(base64_lines("Man"), "TWFu\r\n");
  EXPECT_EQ(base64_lines("Ma"), "TWE=\r\n");
  EXPECT_EQ(base64_lines(""), "");
  const std::string lines = base64_lines(std::string(100, 'x'));
  const auto split = split_lines(lines);
  ASSERT_EQ(split.size(), 2u);
  EXPECT_EQ(split[0].size(), 76u);
  EXPECT_EQ(base64_decode(lines), std::string(100, 'x'));
}

TEST(MimeTest, built_message_has_the_headers_and_a_base64_body) {
  MailMessage m = sample_message();
  m.headers = {{"X-Budgetwatch-Idempotency-Key", "mail/owner=张三/3"}};
  const auto text = build_message(m);
  ASSERT_TRUE(text) << text.error().reason;
  const auto blank = text->find("\r\n\r\n");
  ASSERT_NE(blank, std::string::npos);
  const std::string head = text->substr(0, blank + 2);
  EXPECT_EQ(head.rfind("Date: Wed, 30 Jun 2021 08:00:00 +0000\r\n", 0), 0u);
  EXPECT_NE(head.find("\r\nFrom: =?UTF-8?B?"), std::string::npos);
  EXPECT_NE(head.find(" <budgetwatch@bw.test>\r\n"), std::string::npos);
  EXPECT_NE(head.find("\r\nTo: =?UTF-8?B?5byg5LiJ?= <owner@example.org>\r\n"), std::string::npos);
  EXPECT_NE(head.find("\r\nMessage-ID: <fixed-1.budgetwatch@bw.test>\r\n"), std::string::npos);
  EXPECT_NE(head.find("\r\nMIME-Version: 1.0\r\n"), std::string::npos);
  EXPECT_NE(head.find("\r\nX-Budgetwatch-Idempotency-Key: =?UTF-8?B?"), std::string::npos);
  EXPECT_NE(head.find("\r\nContent-Type: text/plain; charset=UTF-8\r\n"), std::string::npos);
  EXPECT_NE(head.find("\r\nContent-Transfer-Encoding: base64\r\n"), std::string::npos);
  // CRLF only, short lines, base64 body of 76-character lines that decodes to the CRLF text.
  for (std::size_t i = 0; i < text->size(); ++i) {
    if ((*text)[i] == '\n') {
      ASSERT_TRUE(i > 0 && (*text)[i - 1] == '\r') << "bare LF at " << i;
    }
    if ((*text)[i] == '\r') {
      ASSERT_TRUE(i + 1 < text->size() && (*text)[i + 1] == '\n') << "bare CR at " << i;
    }
  }
  const std::string body = text->substr(blank + 4);
  for (const auto& line : split_lines(body)) EXPECT_LE(line.size(), 76u);
  std::string expected_body = chinese_body;
  for (std::size_t p = 0; (p = expected_body.find('\n', p)) != std::string::npos; p += 2)
    expected_body.replace(p, 1, "\r\n");
  EXPECT_EQ(base64_decode(body), expected_body);
}

TEST(MimeTest, html_makes_a_multipart_alternative) {
  MailMessage m = sample_message();
  m.html = "<p>执行率 <b>36.62%</b></p>";
  const auto text = build_message(m);
  ASSERT_TRUE(text) << text.error().reason;
  EXPECT_NE(
      text->find("Content-Type: multipart/alternative; boundary=\"=_budgetwatch_alternative\""),
      std::string::npos);
  const auto plain = text->find("--=_budgetwatch_alternative\r\nContent-Type: text/plain");
  const auto html = text->find("--=_budgetwatch_alternative\r\nContent-Type: text/html");
  ASSERT_NE(plain, std::string::npos);
  ASSERT_NE(html, std::string::npos);
  EXPECT_LT(plain, html);
  EXPECT_EQ(text->substr(text->size() - 31), "--=_budgetwatch_alternative--\r\n");
}

TEST(MimeTest, invalid_messages_are_refused_with_a_reason) {
  const auto reason = [](const MailMessage& m) {
    const auto r = build_message(m);
    EXPECT_FALSE(r);
    if (r) return std::string("built");
    return r.error().reason;
  };
  MailMessage m = sample_message();
  m.headers = {{"X-Note", "a\r\nBcc: victim@example.org"}};
  EXPECT_EQ(reason(m), "extra header X-Note contains CR, LF or NUL");
  m.headers = {{"Subject", "second subject"}};
  EXPECT_EQ(reason(m), "extra header Subject is generated");
  m.headers = {{"Bad Name", "x"}};
  EXPECT_EQ(reason(m), "invalid extra header name");
  m = sample_message();
  m.to = {{"owner@example.org>\r\nRCPT TO:<x@y", ""}};
  EXPECT_EQ(reason(m), "invalid recipient address");
  m.to.clear();
  EXPECT_EQ(reason(m), "no recipients");
  m = sample_message();
  m.from.address = "no-at-sign";
  EXPECT_EQ(reason(m), "invalid sender address");
  m = sample_message();
  m.message_id.clear();
  EXPECT_EQ(reason(m), "message has no Message-ID");
  m.message_id = "<has space@x>";
  EXPECT_EQ(reason(m), "invalid Message-ID");
}

}  // namespace
}  // namespace bw::net
