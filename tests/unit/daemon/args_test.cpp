#include "daemon/args.h"

#include <gtest/gtest.h>

namespace bw::daemon {
namespace {

TEST(ArgsTest, values_flags_positionals_and_repeated_options) {
  auto a = Args::parse({"--db", "bw.db", "--label", "job=budgetwatch", "--label=instance=h:9464",
                        "--quiet", "file.csv", "--", "--not-an-option"},
                       {"db", "label"}, {"quiet"});
  ASSERT_TRUE(a.has_value()) << a.error().message;
  EXPECT_EQ(a->get("db"), "bw.db");
  EXPECT_TRUE(a->flag("quiet"));
  EXPECT_EQ(a->all("label"), (std::vector<std::string>{"job=budgetwatch", "instance=h:9464"}));
  EXPECT_EQ(a->get("label"), "instance=h:9464");  // the last one
  EXPECT_TRUE(a->all("db").size() == 1 && a->all("output").empty());
  EXPECT_EQ(a->positionals(), (std::vector<std::string>{"file.csv", "--not-an-option"}));
}

TEST(ArgsTest, errors_name_the_option) {
  EXPECT_EQ(Args::parse({"--label"}, {"label"}, {}).error().message,
            "option --label needs a value");
  EXPECT_EQ(Args::parse({"--lable", "x"}, {"label"}, {}).error().message, "unknown option --lable");
  EXPECT_EQ(Args::parse({"--quiet=1"}, {}, {"quiet"}).error().message,
            "option --quiet takes no value");
}

}  // namespace
}  // namespace bw::daemon
