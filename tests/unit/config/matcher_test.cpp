// config/matcher.h: one parser and RE2 compiler for routes, silences and the silences API (issue
// 12, defect 6: a silence `owner_email =~ "(.|.)*X"` stalled the writer under std::regex).
#include "config/matcher.h"

#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "config/defaults.h"

namespace bw::config {
namespace {

using Op = MatcherConfig::Op;

TEST(MatcherTest, parses_the_four_operators_and_strips_quotes) {
  auto eq = parse_matcher("unit=101001");
  ASSERT_TRUE(eq) << eq.error().message;
  EXPECT_EQ(eq->name, "unit");
  EXPECT_EQ(eq->op, Op::eq);
  EXPECT_EQ(eq->value, "101001");
  EXPECT_EQ(eq->compiled, nullptr);
  auto re = parse_matcher(R"(owner_email=~"(.|.)*X")");
  ASSERT_TRUE(re) << re.error().message;
  EXPECT_EQ(re->op, Op::re);
  EXPECT_EQ(re->value, "(.|.)*X");
  EXPECT_NE(re->compiled, nullptr);
  EXPECT_EQ(parse_matcher("severity!~info|warning")->op, Op::nre);
  EXPECT_EQ(parse_matcher("a!=b")->op, Op::ne);
  const auto bad = parse_matcher("=x");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message,
            "'=x' is not a matcher (label=value, label!=value, label=~regex, label!~regex)");
}

TEST(MatcherTest, regular_expressions_match_the_whole_value) {
  const auto m = *make_matcher("unit", Op::re, "1010.*");
  EXPECT_TRUE(matches_value(m, "101001"));
  EXPECT_FALSE(matches_value(*make_matcher("unit", Op::re, "1010"), "101001")) << "anchored";
  EXPECT_FALSE(matches_value(*make_matcher("unit", Op::re, "0100"), "101001")) << "anchored";
  EXPECT_TRUE(matches_value(*make_matcher("s", Op::re, "a|b"), "b"))
      << "alternation is anchored whole";
  EXPECT_FALSE(matches_value(*make_matcher("s", Op::re, "a|b"), "ab"));
  EXPECT_TRUE(matches_value(*make_matcher("s", Op::nre, "info|warning"), "critical"));
  EXPECT_FALSE(matches_value(*make_matcher("s", Op::nre, "info|warning"), "info"));
  EXPECT_TRUE(matches_value(*make_matcher("o", Op::re, "陈.*"), "陈志远")) << "UTF-8";
  // Built by hand (no program): compiled through the cache, same answers.
  EXPECT_TRUE(matches_value(MatcherConfig{"unit", Op::re, "1010.*"}, "101001"));
  EXPECT_FALSE(matches_value(MatcherConfig{"unit", Op::re, "1010"}, "101001"));
}

// std::regex backtracks: each extra character doubled the time (23 s for the alert cycle). RE2 is
// linear; the ctest timeout would catch a regression long before the old code finished.
TEST(MatcherTest, a_catastrophic_backtracking_pattern_evaluates_in_linear_time) {
  const std::string value(40, 'a');  // no X: every split of the 40 characters would be tried
  const auto start = std::chrono::steady_clock::now();
  for (const char* p : {"(.|.)*X", "(a|a)*X", "(a*)*X", "(a+)+X", "(.*)*(.*)*(.*)*X"}) {
    const auto m = make_matcher("owner_email", Op::re, p);
    ASSERT_TRUE(m) << m.error().message;
    EXPECT_FALSE(matches_value(*m, value)) << p;
    EXPECT_TRUE(matches_value(*m, value + "X")) << p;
    EXPECT_TRUE(matches_value(MatcherConfig{"owner_email", Op::nre, p}, value)) << p;
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(MatcherTest, backreferences_and_lookarounds_are_refused_with_a_reason) {
  const auto back = make_matcher("a", Op::re, R"((x)\1)");
  ASSERT_FALSE(back);
  EXPECT_EQ(back.error().code, Errc::invalid_input);
  EXPECT_EQ(back.error().message,
            R"('(x)\1' is not a regular expression: invalid escape sequence: \1 )"
            R"((backreferences such as \1 are not supported))");
  for (const char* p : {"a(?=b)", "a(?!b)", "(?<=a)b", "(?<!a)b"}) {
    const auto look = make_matcher("a", Op::nre, p);
    ASSERT_FALSE(look) << p;
    EXPECT_NE(look.error().message.find(std::string("'") + p + "' is not a regular expression: "),
              std::string::npos)
        << look.error().message;
    EXPECT_NE(look.error().message.find("lookarounds such as (?=, (?!, (?<= are not supported"),
              std::string::npos)
        << look.error().message;
  }
  const auto paren = make_matcher("a", Op::re, "[(");
  ASSERT_FALSE(paren);
  EXPECT_EQ(paren.error().message, "'[(' is not a regular expression: missing ]: [(");
  EXPECT_EQ(make_matcher("a", Op::re, "(a").error().message,
            "'(a' is not a regular expression: missing ): (a");
  // A matcher built by hand with such a pattern (a silence stored by an older version) matches
  // nothing, under !~ too: it must not silence everything.
  EXPECT_FALSE(matches_value(MatcherConfig{"a", Op::re, R"((x)\1)"}, "xx"));
  EXPECT_FALSE(matches_value(MatcherConfig{"a", Op::nre, R"((x)\1)"}, "xy"));
}

TEST(MatcherTest, an_over_long_pattern_is_refused) {
  const std::string at_limit(defaults::max_pattern_bytes, 'a');
  EXPECT_TRUE(make_matcher("a", Op::re, at_limit));
  const std::string longer = at_limit + "a";
  const auto m = make_matcher("a", Op::re, longer);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().message, "'" + std::string(40, 'a') + "...' is longer than 1024 bytes");
  EXPECT_FALSE(matches_value(MatcherConfig{"a", Op::re, longer}, longer));
  EXPECT_TRUE(make_matcher("a", Op::eq, longer)) << "only regular expressions are limited";
}

TEST(MatcherTest, a_pattern_over_the_memory_limit_is_refused) {
  // 1,000 × 1,000 repetitions: short text, a program far over max_pattern_mem_bytes.
  const auto m = make_matcher("a", Op::re, "((((a{100}){100}){100}){100})");
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message.find("is not a regular expression: "), std::string::npos)
      << m.error().message;
}

}  // namespace
}  // namespace bw::config
