#include "collectors/drop_folder_source.h"

#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "collectors/files_source.h"
#include "tests/support/test_support.h"

namespace bw::collect {
namespace {
namespace fs = std::filesystem;

config::SourceConfig folder_config(const fs::path& p, bool done_marker = false) {
  config::SourceConfig c;
  c.name = "inbox";
  c.kind = "drop_folder";
  c.path = p;
  c.require_done_marker = done_marker;
  return c;
}

std::vector<std::string> names(const Result<std::vector<ExportFile>>& r) {
  std::vector<std::string> out;
  if (r) {
    for (const auto& f : *r) out.push_back(f.name);
  }
  return out;
}

TEST(GlobTest, matches_stars_and_question_marks) {
  EXPECT_TRUE(glob_match("*.csv", "payments_202103.csv"));
  EXPECT_FALSE(glob_match("*.csv", "payments.csv.part"));
  EXPECT_TRUE(glob_match("pay*_2021??.csv", "payments_202103.csv"));
  EXPECT_FALSE(glob_match("pay*_2021??.csv", "payments_2021031.csv"));
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_TRUE(glob_match("a*b*c", "aXXbYYc"));
  EXPECT_FALSE(glob_match("a*b*c", "aXXbYY"));
}

TEST(GlobTest, safe_file_names) {
  EXPECT_TRUE(safe_file_name("支付明细.csv"));
  EXPECT_FALSE(safe_file_name(".."));
  EXPECT_FALSE(safe_file_name("a/b.csv"));
  EXPECT_FALSE(safe_file_name("..\\x.csv"));
  EXPECT_FALSE(safe_file_name(""));
}

TEST(DropFolderSourceTest, a_file_is_taken_once_unchanged_across_two_polls) {
  test::TempDir dir;
  DropFolderSource src(folder_config(dir.path()));
  test::write_file(dir / "a.csv", "x");
  EXPECT_TRUE(names(src.scan()).empty());  // first sight
  EXPECT_EQ(names(src.scan()), std::vector<std::string>{"a.csv"});
}

TEST(DropFolderSourceTest, a_file_that_grows_between_polls_waits) {
  test::TempDir dir;
  DropFolderSource src(folder_config(dir.path()));
  test::write_file(dir / "b.csv", "1");
  EXPECT_TRUE(names(src.scan()).empty());  // first sight
  test::write_file(dir / "b.csv", "12");
  EXPECT_TRUE(names(src.scan()).empty());  // changed since: still being written
  EXPECT_EQ(names(src.scan()), std::vector<std::string>{"b.csv"});
}

TEST(DropFolderSourceTest, done_marker_makes_a_file_ready_at_once) {
  test::TempDir dir;
  DropFolderSource src(folder_config(dir.path(), true));
  test::write_file(dir / "a.csv", "x");
  EXPECT_TRUE(names(src.scan()).empty());
  EXPECT_TRUE(names(src.scan()).empty());  // stable, but a marker is required
  test::write_file(dir / "a.csv.done", "");
  EXPECT_EQ(names(src.scan()), std::vector<std::string>{"a.csv"});
}

TEST(DropFolderSourceTest, archives_successes_and_explains_failures) {
  test::TempDir dir;
  DropFolderSource src(folder_config(dir.path()));
  test::write_file(dir / "good.csv", "x");
  test::write_file(dir / "bad.csv", "y");
  src.scan();
  auto ready = src.scan();
  ASSERT_EQ(ready->size(), 2u);
  for (const auto& f : *ready) {
    if (f.name == "good.csv") {
      src.done(f, store::IngestReport{});
    } else {
      src.done(f, tl::unexpected(Error{Errc::invalid_input, "empty file: no header row", "bad.csv"}));
    }
  }
  EXPECT_TRUE(fs::exists(dir / "archive" / "good.csv"));
  EXPECT_TRUE(fs::exists(dir / "failed" / "bad.csv"));
  EXPECT_EQ(test::read_file(dir / "failed" / "bad.csv.reason"), "bad.csv: empty file: no header row\n");
  // A second file of the same name does not overwrite the archived one.
  test::write_file(dir / "good.csv", "z");
  src.scan();
  auto again = src.scan();
  ASSERT_EQ(again->size(), 1u);
  src.done(again->front(), store::IngestReport{});
  EXPECT_TRUE(fs::exists(dir / "archive" / "good.csv.1"));
  EXPECT_EQ(test::read_file(dir / "archive" / "good.csv"), "x");
}

TEST(DropFolderSourceTest, a_file_interrupted_by_shutdown_stays_for_the_next_poll) {
  test::TempDir dir;
  DropFolderSource src(folder_config(dir.path()));
  test::write_file(dir / "a.csv", "x");
  src.scan();
  auto ready = src.scan();
  src.done(ready->front(), tl::unexpected(Error{Errc::unavailable, "ingest of a.csv cancelled", "a.csv"}));
  EXPECT_TRUE(fs::exists(dir / "a.csv"));
  EXPECT_FALSE(fs::exists(dir / "failed"));
}

TEST(DropFolderSourceTest, symlinks_hidden_files_and_folders_are_not_taken) {
  test::TempDir dir;
  test::TempDir elsewhere;
  test::write_file(elsewhere / "secret.csv", "x");
  fs::create_symlink(elsewhere / "secret.csv", dir / "link.csv");
  test::write_file(dir / ".hidden.csv", "x");
  fs::create_directory(dir / "sub.csv");
  DropFolderSource src(folder_config(dir.path()));
  src.scan();
  EXPECT_TRUE(names(src.scan()).empty());
}

TEST(DropFolderSourceTest, a_missing_folder_is_an_io_error) {
  DropFolderSource src(folder_config("/nonexistent/budgetwatch/inbox"));
  auto r = src.scan();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::io);
  EXPECT_EQ(r.error().message, "drop folder /nonexistent/budgetwatch/inbox: No such file or directory");
}

TEST(FilesSourceTest, takes_files_again_only_when_they_change) {
  test::TempDir dir;
  test::write_file(dir / "a.csv", "x");
  config::SourceConfig c;
  c.name = "fixed";
  c.kind = "files";
  c.files = {dir / "a.csv"};
  FilesSource src(c);
  auto first = src.scan();
  ASSERT_EQ(names(first), std::vector<std::string>{"a.csv"});
  src.done(first->front(), store::IngestReport{});
  EXPECT_TRUE(names(src.scan()).empty());
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  test::write_file(dir / "a.csv", "xy");
  EXPECT_EQ(names(src.scan()), std::vector<std::string>{"a.csv"});
  EXPECT_TRUE(fs::exists(dir / "a.csv"));  // never moved
}

}  // namespace
}  // namespace bw::collect
