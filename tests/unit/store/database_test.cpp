#include "store/database.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "tests/support/test_support.h"

namespace bw::store {
namespace {

std::string make_text(char c) {
  return std::string(64, c) + "|end";
}  // past the small-string buffer

// A temporary bound to a statement is gone before step() runs: SQLite must have its own copy.
// (load_inputs bound to_iso() results this way; the ASan job found the stale reads.) The freed heap
// block is reused right away by a string of the same size, so without the copy the row would hold
// the other string.
TEST(StatementTest, a_temporary_string_or_optional_is_copied_before_step) {
  test::TempDir dir;
  Database db = Database::open(dir.path() / "t.db");
  db.exec("CREATE TABLE t(a TEXT, b TEXT)");
  Statement ins = db.prepare("INSERT INTO t VALUES (?, ?)");
  ins.bind(1, make_text('a')).bind(2, std::optional<std::string>(make_text('b')));
  const std::string reuse1 = make_text('z');
  const std::string reuse2 = make_text('y');
  ins.step();
  Statement sel = db.prepare("SELECT a, b FROM t");
  ASSERT_TRUE(sel.step());
  EXPECT_EQ(sel.column_string(0), make_text('a'));
  EXPECT_EQ(sel.column_string(1), make_text('b'));
  EXPECT_EQ(reuse1.front(), 'z');
  EXPECT_EQ(reuse2.front(), 'y');
}

TEST(StatementTest, a_named_string_is_bound_without_a_copy_and_empty_text_is_not_null) {
  test::TempDir dir;
  Database db = Database::open(dir.path() / "t.db");
  db.exec("CREATE TABLE t(a TEXT)");
  const std::string kept = make_text('k');
  Statement ins = db.prepare("INSERT INTO t VALUES (?)");
  ins.bind(1, kept).step();
  ins.reset();
  ins.bind(1, std::string()).step();
  Statement sel = db.prepare("SELECT a, a IS NULL FROM t ORDER BY rowid");
  ASSERT_TRUE(sel.step());
  EXPECT_EQ(sel.column_string(0), kept);
  ASSERT_TRUE(sel.step());
  EXPECT_EQ(sel.column_string(0), "");
  EXPECT_EQ(sel.column_int(1), 0);
}

}  // namespace
}  // namespace bw::store
