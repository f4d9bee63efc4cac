#include "collectors/drop_folder_source.h"

#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "collectors/files_source.h"
#include "collectors/ingest.h"
#include "store/migrations.h"
#include "tests/support/test_support.h"

namespace bw::collect {
namespace {
namespace fs = std::filesystem;

config::SourceConfig folder_config(const fs::path& p, bool done_marker = false) {
  config::SourceConfig c;
  c.name = "inbox";
  c.kind = config::SourceKind::drop_folder;
  c.path = p;
  c.require_done_marker = done_marker;
  return c;
}

// A wall clock the test moves by hand.
struct ManualWallClock {
  std::chrono::system_clock::time_point t{std::chrono::seconds(1'700'000'000)};
  WallClock fn() {
    return [this] { return t; };
  }
};

// A payments export whose last column is 金额 (amount), as in the stalled-writer report (issue 12).
const std::string header =
    "支付凭证号,支付日期,预算单位编码,预算单位名称,项目编码,项目名称,功能分类科目,经济分类科目,"
    "支付方式,资金性质,"
    "收款人全称,摘要,金额\n";
const std::string row1 =
    "ZF2021-900001,2021-12-20,101001,广州市荔湾区科技工业和信息化局,LW2021-P20,大赛,2060199,30227,"
    "直接支付,"
    "一般公共预算,广州某会展服务有限公司,大赛承办费,100.00\n";
// The last row cut inside its amount: "12", completed by "34567.89\n" into 1,234,567.89.
const std::string row2_cut =
    "ZF2021-900002,2021-12-20,101001,广州市荔湾区科技工业和信息化局,LW2021-P20,大赛,2060199,30227,"
    "直接支付,"
    "一般公共预算,广州某会展服务有限公司,大赛承办费,12";

// Appends without truncating, as a stalled writer does.
void append_file(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::app);
  out << text;
}

std::vector<std::string> messages(const std::vector<SourceNotice>& notices) {
  std::vector<std::string> out;
  for (const auto& n : notices)
    out.push_back(n.message + " " + n.file + (n.kind.empty() ? "" : " " + n.kind));
  return out;
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
  ManualWallClock clock;
  DropFolderSource src(folder_config(dir.path()), clock.fn());
  test::write_file(dir / "a.csv", "x\n");
  EXPECT_TRUE(names(src.scan()).empty());  // first sight
  EXPECT_EQ(names(src.scan()), std::vector<std::string>{"a.csv"});
}

TEST(DropFolderSourceTest, a_workbook_is_taken_once_its_zip_directory_is_written) {
  test::TempDir dir;
  ManualWallClock clock;
  config::SourceConfig config = folder_config(dir.path());
  config.glob = "*.xlsx";  // the default is *.csv
  DropFolderSource src(config, clock.fn());
  // A zip's members, then (when the writer is done) its end-of-central-directory record; no line
  // end at all.
  const std::string members = std::string("PK\x03\x04", 4) + std::string(100, 'z');
  test::write_file(dir / "payments.xlsx", members);
  src.scan();
  EXPECT_TRUE(names(src.scan()).empty());  // unchanged, but its directory is missing: held
  append_file(dir / "payments.xlsx", std::string("PK\x05\x06", 4) + std::string(18, '\0'));
  src.scan();
  EXPECT_EQ(names(src.scan()), std::vector<std::string>{"payments.xlsx"});
}

TEST(DropFolderSourceTest, a_file_that_grows_between_polls_waits) {
  test::TempDir dir;
  ManualWallClock clock;
  DropFolderSource src(folder_config(dir.path()), clock.fn());
  test::write_file(dir / "b.csv", "1\n");
  EXPECT_TRUE(names(src.scan()).empty());  // first sight
  test::write_file(dir / "b.csv", "12\n");
  EXPECT_TRUE(names(src.scan()).empty());  // changed since: still being written
  EXPECT_EQ(names(src.scan()), std::vector<std::string>{"b.csv"});
}

TEST(DropFolderSourceTest, done_marker_makes_a_file_ready_at_once) {
  test::TempDir dir;
  ManualWallClock clock;
  DropFolderSource src(folder_config(dir.path(), true), clock.fn());
  test::write_file(dir / "a.csv", "x\n");
  EXPECT_TRUE(names(src.scan()).empty());
  EXPECT_TRUE(names(src.scan()).empty());  // stable, but a marker is required
  test::write_file(dir / "a.csv.done", "");
  EXPECT_EQ(names(src.scan()), std::vector<std::string>{"a.csv"});
}

TEST(DropFolderSourceTest, archives_successes_and_explains_failures) {
  test::TempDir dir;
  ManualWallClock clock;
  DropFolderSource src(folder_config(dir.path()), clock.fn());
  test::write_file(dir / "good.csv", "x\n");
  test::write_file(dir / "bad.csv", "y\n");
  src.scan();
  auto ready = src.scan();
  ASSERT_EQ(ready->size(), 2u);
  for (const auto& f : *ready) {
    if (f.name == "good.csv") {
      src.done(f, store::IngestReport{});
    } else {
      src.done(f,
               tl::unexpected(Error{Errc::invalid_input, "empty file: no header row", "bad.csv"}));
    }
  }
  EXPECT_TRUE(fs::exists(dir / "archive" / "good.csv"));
  EXPECT_TRUE(fs::exists(dir / "failed" / "bad.csv"));
  EXPECT_EQ(test::read_file(dir / "failed" / "bad.csv.reason"),
            "bad.csv: empty file: no header row\n");
  // A second file of the same name does not overwrite the archived one.
  test::write_file(dir / "good.csv", "z\n");
  src.scan();
  auto again = src.scan();
  ASSERT_EQ(again->size(), 1u);
  src.done(again->front(), store::IngestReport{});
  EXPECT_TRUE(fs::exists(dir / "archive" / "good.csv.1"));
  EXPECT_EQ(test::read_file(dir / "archive" / "good.csv"), "x\n");
}

TEST(DropFolderSourceTest, a_file_interrupted_by_shutdown_stays_for_the_next_poll) {
  test::TempDir dir;
  ManualWallClock clock;
  DropFolderSource src(folder_config(dir.path()), clock.fn());
  test::write_file(dir / "a.csv", "x\n");
  src.scan();
  auto ready = src.scan();
  src.done(ready->front(),
           tl::unexpected(Error{Errc::unavailable, "ingest of a.csv cancelled", "a.csv"}));
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
  ManualWallClock clock;
  DropFolderSource src(folder_config(dir.path()), clock.fn());
  src.scan();
  EXPECT_TRUE(names(src.scan()).empty());
}

TEST(DropFolderSourceTest, a_missing_folder_is_an_io_error) {
  ManualWallClock clock;
  DropFolderSource src(folder_config("/nonexistent/budgetwatch/inbox"), clock.fn());
  auto r = src.scan();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::io);
  EXPECT_EQ(r.error().message,
            "drop folder /nonexistent/budgetwatch/inbox: No such file or directory");
}

TEST(FilesSourceTest, takes_files_again_only_when_they_change) {
  test::TempDir dir;
  test::write_file(dir / "a.csv", "x\n");
  config::SourceConfig c;
  c.name = "fixed";
  c.kind = config::SourceKind::files;
  c.files = {dir / "a.csv"};
  ManualWallClock clock;
  FilesSource src(c, clock.fn());
  auto first = src.scan();
  ASSERT_EQ(names(first), std::vector<std::string>{"a.csv"});
  src.done(first->front(), store::IngestReport{});
  EXPECT_TRUE(names(src.scan()).empty());
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  test::write_file(dir / "a.csv", "xy\n");
  EXPECT_EQ(names(src.scan()), std::vector<std::string>{"a.csv"});
  EXPECT_TRUE(fs::exists(dir / "a.csv"));  // never moved
}

// ---- files still being written (issue 12, defect 3)
// ----------------------------------------------------

// A database with its schema, for ingesting what a source hands over.
struct Ledgered {
  test::TempDir dir;
  store::Database db = store::Database::open(dir / "bw.db");
  Ledgered() { store::migrate(db); }
  Result<store::IngestReport> ingest(const ExportFile& f) {
    IngestOptions o;
    o.source = f.source;
    o.name = f.name;
    o.reject_unterminated_last_record = f.reject_unterminated_last_record;
    o.no_follow = f.no_follow;
    return ingest_file(db, f.path, o);
  }
};

TEST(DropFolderSourceTest, a_stalled_last_line_is_held_then_taken_whole) {
  test::TempDir dir;
  ManualWallClock clock;
  DropFolderSource src(folder_config(dir.path()), clock.fn());
  test::write_file(dir / "p.csv",
                   header + row1 + row2_cut);  // "…,12" and no line end: the writer stalls
  for (int poll = 0; poll < 4; ++poll) {
    EXPECT_TRUE(names(src.scan()).empty()) << "poll " << poll;
    clock.t += std::chrono::seconds(5);
  }
  EXPECT_EQ(messages(src.take_notices()),
            std::vector<std::string>{"file held: waiting for a line end p.csv"});
  append_file(dir / "p.csv", "34567.89\n");  // 14 s later the writer finishes the line
  EXPECT_TRUE(names(src.scan()).empty());    // changed since the last poll
  auto ready = src.scan();
  ASSERT_EQ(names(ready), std::vector<std::string>{"p.csv"});
  EXPECT_FALSE(ready->front().reject_unterminated_last_record);
  EXPECT_TRUE(src.take_notices().empty());

  Ledgered l;
  auto r = l.ingest(ready->front());
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  src.done(ready->front(), r);
  EXPECT_EQ(r->accepted, 2);
  EXPECT_EQ(r->rejected, 0);
  EXPECT_EQ(r->accepted_amount.fen, 10000 + 123456789);
  EXPECT_TRUE(fs::exists(dir / "archive" / "p.csv"));
  EXPECT_FALSE(fs::exists(dir / "failed"));
  EXPECT_TRUE(names(src.scan()).empty());  // exactly one ingest
  EXPECT_TRUE(names(src.scan()).empty());
}

TEST(DropFolderSourceTest, an_empty_file_is_held_until_bytes_arrive_and_settle) {
  test::TempDir dir;
  ManualWallClock clock;
  DropFolderSource src(folder_config(dir.path()), clock.fn());
  test::write_file(dir / "p.csv", "");       // created; the first bytes come a few seconds later
  test::write_file(dir / "p.csv.done", "");  // not even a marker makes an empty file complete
  for (int poll = 0; poll < 3; ++poll) EXPECT_TRUE(names(src.scan()).empty()) << "poll " << poll;
  fs::remove(dir / "p.csv.done");
  EXPECT_EQ(messages(src.take_notices()), std::vector<std::string>{"file held: empty p.csv"});
  EXPECT_TRUE(fs::exists(dir / "p.csv"));
  EXPECT_FALSE(fs::exists(dir / "failed"));
  test::write_file(dir / "p.csv", header + row1);
  EXPECT_TRUE(names(src.scan()).empty());
  auto ready = src.scan();
  ASSERT_EQ(names(ready), std::vector<std::string>{"p.csv"});
  Ledgered l;
  auto r = l.ingest(ready->front());
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_EQ(r->accepted, 1);
}

TEST(DropFolderSourceTest,
     unterminated_after_incomplete_after_rejects_the_last_line_and_keeps_the_rest) {
  test::TempDir dir;
  ManualWallClock clock;
  config::SourceConfig c = folder_config(dir.path());
  c.incomplete_after = std::chrono::minutes(10);
  DropFolderSource src(c, clock.fn());
  test::write_file(dir / "p.csv", header + row1 + row2_cut);
  EXPECT_TRUE(names(src.scan()).empty());
  clock.t += std::chrono::seconds(599);
  EXPECT_TRUE(names(src.scan()).empty());  // unchanged for 599 s: still waiting
  clock.t += std::chrono::seconds(1);
  auto ready = src.scan();
  ASSERT_EQ(names(ready), std::vector<std::string>{"p.csv"});
  EXPECT_TRUE(ready->front().reject_unterminated_last_record);
  EXPECT_EQ(messages(src.take_notices()),
            (std::vector<std::string>{"file held: waiting for a line end p.csv",
                                      "file taken without its last line p.csv"}));
  Ledgered l;
  auto r = l.ingest(ready->front());
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_EQ(r->accepted, 1);
  EXPECT_EQ(r->accepted_amount.fen, 10000);
  ASSERT_EQ(r->rejected, 1);
  ASSERT_EQ(r->rejects.size(), 1u);
  EXPECT_EQ(
      r->rejects[0].to_string(),
      "p.csv:3:13: 金额: the last line has no line end: the file may still be being written or was "
      "truncated (line 3)");
  src.done(ready->front(), r);
  EXPECT_TRUE(fs::exists(dir / "archive" / "p.csv"));
}

TEST(DropFolderSourceTest, a_done_marker_releases_an_unterminated_file_whole) {
  test::TempDir dir;
  ManualWallClock clock;
  DropFolderSource src(folder_config(dir.path()), clock.fn());
  test::write_file(dir / "p.csv", header + row1 + row2_cut);
  test::write_file(dir / "p.csv.done", "");  // the writer says it is complete: "12" is the amount
  auto ready = src.scan();
  ASSERT_EQ(names(ready), std::vector<std::string>{"p.csv"});
  EXPECT_FALSE(ready->front().reject_unterminated_last_record);
  Ledgered l;
  auto r = l.ingest(ready->front());
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_EQ(r->accepted, 2);
  EXPECT_EQ(r->accepted_amount.fen, 10000 + 1200);
  src.done(ready->front(), r);
  EXPECT_FALSE(fs::exists(dir / "p.csv.done"));
}

TEST(DropFolderSourceTest, require_done_marker_still_waits_for_the_marker) {
  test::TempDir dir;
  ManualWallClock clock;
  config::SourceConfig c = folder_config(dir.path(), true);
  c.incomplete_after = std::chrono::seconds(1);
  DropFolderSource src(c, clock.fn());
  test::write_file(dir / "p.csv", header + row1 + row2_cut);
  for (int poll = 0; poll < 3; ++poll) {
    EXPECT_TRUE(names(src.scan()).empty());
    clock.t += std::chrono::minutes(20);
  }
  test::write_file(dir / "p.csv.done", "");
  EXPECT_EQ(names(src.scan()), std::vector<std::string>{"p.csv"});
}

TEST(FilesSourceTest, an_unterminated_file_is_held_until_complete_or_incomplete_after) {
  test::TempDir dir;
  ManualWallClock clock;
  config::SourceConfig c;
  c.name = "fixed";
  c.kind = config::SourceKind::files;
  c.files = {dir / "p.csv"};
  c.incomplete_after = std::chrono::minutes(10);
  FilesSource src(c, clock.fn());
  test::write_file(dir / "p.csv", header + row1 + row2_cut);
  EXPECT_TRUE(names(src.scan()).empty());
  EXPECT_TRUE(names(src.scan()).empty());
  EXPECT_EQ(messages(src.take_notices()),
            std::vector<std::string>{"file held: waiting for a line end p.csv"});
  append_file(dir / "p.csv", "34567.89\n");
  auto whole = src.scan();
  ASSERT_EQ(names(whole), std::vector<std::string>{"p.csv"});
  EXPECT_FALSE(whole->front().reject_unterminated_last_record);
  src.done(whole->front(), store::IngestReport{});

  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // a new mtime
  append_file(dir / "p.csv", row2_cut);  // rewritten again, and stalls for good
  EXPECT_TRUE(names(src.scan()).empty());
  clock.t += std::chrono::minutes(10);
  auto cut = src.scan();
  ASSERT_EQ(names(cut), std::vector<std::string>{"p.csv"});
  EXPECT_TRUE(cut->front().reject_unterminated_last_record);
}

// ---- entries that are not taken
// ---------------------------------------------------------------------------

std::vector<std::string> skipped_kinds(const Source& src) {
  std::vector<std::string> out;
  for (const auto& e : src.skipped()) out.push_back(e.name + " " + e.kind);
  return out;
}

TEST(DropFolderSourceTest, a_symlink_is_skipped_listed_and_reported_once) {
  test::TempDir dir;
  test::TempDir elsewhere;
  test::write_file(elsewhere / "secret.csv", header + row1);
  fs::create_symlink(elsewhere / "secret.csv", dir / "link.csv");
  ManualWallClock clock;
  const auto first = clock.t;
  DropFolderSource src(folder_config(dir.path()), clock.fn());
  for (int poll = 0; poll < 3; ++poll) {
    EXPECT_TRUE(names(src.scan()).empty());
    clock.t += std::chrono::seconds(60);
  }
  EXPECT_EQ(messages(src.take_notices()),
            std::vector<std::string>{"entry skipped link.csv symlink"});
  const auto skipped = src.skipped();
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_EQ(skipped[0].name, "link.csv");
  EXPECT_EQ(skipped[0].kind, "symlink");
  EXPECT_EQ(skipped[0].reason,
            "a symbolic link is never followed (it could point anywhere on the machine); drop the "
            "file itself");
  EXPECT_EQ(skipped[0].first_seen, first);
  fs::remove(dir / "link.csv");
  src.scan();
  EXPECT_TRUE(src.skipped().empty());  // gone: no longer listed
  EXPECT_TRUE(fs::exists(elsewhere / "secret.csv"));
}

// Issue 17: a file the glob does not take (another extension) was passed over without a word; it is
// listed and reported once, not at every poll. Done markers and hidden files stay silent.
TEST(DropFolderSourceTest, a_file_of_another_extension_is_skipped_listed_and_reported_once) {
  test::TempDir dir;
  test::write_file(dir / "payments_202112.xlsx", "PK");
  test::write_file(dir / "p.csv", header + row1);
  test::write_file(dir / "p.csv.done", "");
  test::write_file(dir / ".sync-tmp", "x");
  ManualWallClock clock;
  const auto first = clock.t;
  DropFolderSource src(folder_config(dir.path()), clock.fn());
  std::vector<std::string> taken;
  for (int poll = 0; poll < 3; ++poll) {
    auto ready = src.scan();
    ASSERT_TRUE(ready.has_value());
    for (const auto& f : *ready) {
      taken.push_back(f.name);
      src.done(f, store::IngestReport{});
    }
    clock.t += std::chrono::seconds(60);
  }
  EXPECT_EQ(taken, std::vector<std::string>{"p.csv"});
  EXPECT_EQ(messages(src.take_notices()),
            std::vector<std::string>{"entry skipped payments_202112.xlsx name_not_matched"});
  const auto skipped = src.skipped();
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_EQ(skipped[0].reason,
            "the name does not match the source's glob '*.csv': the file is not read (an Excel "
            "workbook must be "
            "saved as CSV first)");
  EXPECT_EQ(skipped[0].first_seen, first);
  fs::remove(dir / "payments_202112.xlsx");
  src.scan();
  EXPECT_TRUE(src.skipped().empty());
  EXPECT_TRUE(src.take_notices().empty());
}

TEST(DropFolderSourceTest, a_name_swapped_for_a_symlink_after_the_scan_is_not_read) {
  test::TempDir dir;
  test::TempDir elsewhere;
  test::write_file(elsewhere / "secret.csv", header + row1);
  ManualWallClock clock;
  DropFolderSource src(folder_config(dir.path()), clock.fn());
  test::write_file(dir / "p.csv", header + row1);
  src.scan();
  auto ready = src.scan();
  ASSERT_EQ(names(ready), std::vector<std::string>{"p.csv"});
  fs::remove(dir / "p.csv");
  fs::create_symlink(elsewhere / "secret.csv", dir / "p.csv");
  Ledgered l;
  auto r = l.ingest(ready->front());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().to_string(), "p.csv: cannot open file: Too many levels of symbolic links");
}

TEST(DropFolderSourceTest, a_fifo_is_skipped_without_blocking) {
  test::TempDir dir;
  ASSERT_EQ(::mkfifo((dir / "pipe.csv").c_str(), 0600), 0);
  ManualWallClock clock;
  DropFolderSource src(folder_config(dir.path()), clock.fn());
  EXPECT_TRUE(names(src.scan()).empty());
  EXPECT_TRUE(names(src.scan()).empty());
  EXPECT_EQ(skipped_kinds(src), std::vector<std::string>{"pipe.csv fifo"});
  EXPECT_EQ(messages(src.take_notices()), std::vector<std::string>{"entry skipped pipe.csv fifo"});
}

TEST(DropFolderSourceTest, a_directory_is_skipped_but_archive_and_failed_are_ours) {
  test::TempDir dir;
  fs::create_directory(dir / "sub.csv");
  fs::create_directory(dir / "archive");
  fs::create_directory(dir / "failed");
  ManualWallClock clock;
  config::SourceConfig c = folder_config(dir.path());
  c.glob = "*";
  DropFolderSource src(c, clock.fn());
  EXPECT_TRUE(names(src.scan()).empty());
  EXPECT_EQ(skipped_kinds(src), std::vector<std::string>{"sub.csv directory"});
}

TEST(DropFolderSourceTest, a_hard_linked_file_is_skipped_until_its_other_link_is_removed) {
  test::TempDir dir;
  test::TempDir elsewhere;
  test::write_file(elsewhere / "tmp.csv", header + row1);
  fs::create_hard_link(elsewhere / "tmp.csv", dir / "h.csv");
  ManualWallClock clock;
  DropFolderSource src(folder_config(dir.path()), clock.fn());
  EXPECT_TRUE(names(src.scan()).empty());
  EXPECT_TRUE(names(src.scan()).empty());  // stable, but shared with a path outside
  ASSERT_EQ(src.skipped().size(), 1u);
  EXPECT_EQ(src.skipped()[0].kind, "hard_link");
  EXPECT_EQ(src.skipped()[0].reason,
            "the file has 2 hard links: its content is shared with a path outside the drop folder "
            "and could "
            "change during the ingest; it is taken once the other links are removed");
  fs::remove(elsewhere / "tmp.csv");  // `ln tmp inbox/x && rm tmp`
  EXPECT_TRUE(names(src.scan()).empty());
  EXPECT_EQ(names(src.scan()), std::vector<std::string>{"h.csv"});
  EXPECT_TRUE(src.skipped().empty());
}

TEST(DropFolderSourceTest, a_socket_is_skipped_as_other) {
  test::TempDir dir;
  const std::string path = (dir / "s.csv").string();
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  ASSERT_LT(path.size(), sizeof addr.sun_path) << "temp dir path too long for a socket";
  std::copy(path.begin(), path.end(), addr.sun_path);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ManualWallClock clock;
  DropFolderSource src(folder_config(dir.path()), clock.fn());
  EXPECT_TRUE(names(src.scan()).empty());
  ::close(fd);
  EXPECT_EQ(skipped_kinds(src), std::vector<std::string>{"s.csv other"});
}

}  // namespace
}  // namespace bw::collect
