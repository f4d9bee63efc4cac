#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <set>

#include "daemon/web/spool_file.h"
#include "tests/support/test_support.h"

namespace bw::web {
namespace {

std::string read_all(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

TEST(SpoolFileTest, names_are_random_and_carry_the_pid) {
  std::set<std::string> names;
  for (int i = 0; i < 1000; ++i) names.insert(random_spool_name());
  EXPECT_EQ(names.size(), 1000u);
  const std::string n = *names.begin();
  EXPECT_EQ(n.rfind("upload-" + std::to_string(::getpid()) + "-", 0), 0u) << n;
  EXPECT_EQ(n.substr(n.size() - 5), ".part");
}

TEST(SpoolFileTest, creates_a_new_private_file) {
  test::TempDir dir;
  auto f = create_spool_file(dir.path());
  ASSERT_TRUE(f.has_value()) << f.error().to_string();
  EXPECT_EQ(f->path.parent_path(), dir.path());
  struct stat st {};
  ASSERT_EQ(::fstat(f->fd, &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 0);
  ASSERT_EQ(::write(f->fd, "abc", 3), 3);
  ::close(f->fd);
  EXPECT_EQ(read_all(f->path), "abc");
}

TEST(SpoolFileTest, an_existing_name_is_never_opened_and_another_is_tried) {
  test::TempDir dir;
  {
    std::ofstream other(dir.path() / "upload-taken.part");  // another daemon's upload in flight
    other << "theirs";
  }
  int calls = 0;
  auto f = create_spool_file(
      dir.path(), [&] { return ++calls < 3 ? "upload-taken.part" : "upload-free.part"; });
  ASSERT_TRUE(f.has_value()) << f.error().to_string();
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(f->path, dir.path() / "upload-free.part");
  ASSERT_EQ(::write(f->fd, "mine", 4), 4);
  ::close(f->fd);
  EXPECT_EQ(read_all(dir.path() / "upload-taken.part"), "theirs");
  EXPECT_EQ(read_all(f->path), "mine");
}

TEST(SpoolFileTest, a_symlink_in_the_way_is_not_followed) {
  test::TempDir dir;
  std::filesystem::create_symlink(dir.path() / "target", dir.path() / "upload-link.part");
  int calls = 0;
  auto f = create_spool_file(dir.path(),
                             [&] { return ++calls == 1 ? "upload-link.part" : "upload-ok.part"; });
  ASSERT_TRUE(f.has_value()) << f.error().to_string();
  EXPECT_EQ(f->path, dir.path() / "upload-ok.part");
  ::close(f->fd);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "target"));
}

TEST(SpoolFileTest, gives_up_when_every_name_is_taken_or_the_folder_is_missing) {
  test::TempDir dir;
  std::ofstream(dir.path() / "upload-taken.part") << "x";
  auto f = create_spool_file(dir.path(), [] { return "upload-taken.part"; });
  ASSERT_FALSE(f.has_value());
  EXPECT_EQ(f.error().code, Errc::io);
  EXPECT_EQ(f.error().message,
            "cannot create a spool file in " + dir.path().string() + ": File exists");
  auto g = create_spool_file(dir.path() / "missing");
  ASSERT_FALSE(g.has_value());
  EXPECT_EQ(g.error().message, "cannot create a spool file in " +
                                   (dir.path() / "missing").string() +
                                   ": No such file or directory");
}

TEST(SpoolFileTest, only_stale_spool_files_are_cleaned_up) {
  test::TempDir dir;
  const auto now = std::filesystem::file_time_type::clock::now();
  auto make = [&](const std::string& name, std::chrono::hours age) {
    std::ofstream(dir.path() / name) << "x";
    std::filesystem::last_write_time(dir.path() / name, now - age);
  };
  make("upload-111-00aa.part", std::chrono::hours(48));  // a crashed daemon's
  make("upload-222-00bb.part", std::chrono::hours(0));   // another daemon's upload in flight
  make("payments.csv", std::chrono::hours(48));          // not a spool file
  EXPECT_EQ(remove_stale_spool_files(dir.path(), now - std::chrono::hours(24)), 1u);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "upload-111-00aa.part"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "upload-222-00bb.part"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "payments.csv"));
  EXPECT_EQ(remove_stale_spool_files(dir.path() / "missing", now), 0u);
}

}  // namespace
}  // namespace bw::web
