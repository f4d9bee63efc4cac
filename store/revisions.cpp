#include "store/revisions.h"

namespace bw::store {
namespace {

constexpr const char* version_columns =
    "v.version, v.name, v.unit_code, v.unit_name, v.kind, coalesce(v.deadline, ''), v.owner, "
    "v.owner_email,"
    " v.tags, v.initial_fen, f.name, v.file_id, v.line_no, v.recorded_at, v.source, v.reapplied,"
    " v.fiscal_year, v.department_code, v.department_name, v.line_source";

LineVersion read_version(const Statement& st) {
  LineVersion v;
  v.version = static_cast<int>(st.column_int(0));
  v.name = st.column_string(1);
  v.unit_code = st.column_string(2);
  v.unit_name = st.column_string(3);
  v.kind = st.column_string(4);
  v.deadline = st.column_string(5);
  v.owner = st.column_string(6);
  v.owner_email = st.column_string(7);
  v.tags = st.column_string(8);
  v.initial = engine::Money{st.column_int(9)};
  v.file_name = st.column_string(10);
  v.file_id = st.column_int(11);
  v.line_no = static_cast<int>(st.column_int(12));
  v.recorded_at = st.column_string(13);
  v.source = st.column_string(14);
  v.reapplied = st.column_int(15) != 0;
  v.fiscal_year = static_cast<int>(st.column_int(16));
  v.department_code = st.column_string(17);
  v.department_name = st.column_string(18);
  v.line_source = st.column_string(19);
  return v;
}

}  // namespace

std::vector<FieldChange> changes_between(const LineVersion& a, const LineVersion& b) {
  std::vector<FieldChange> out;
  auto cmp = [&](const char* field, const std::string& x, const std::string& y) {
    if (x != y) out.push_back({field, x, y});
  };
  cmp("name", a.name, b.name);
  cmp("unit_code", a.unit_code, b.unit_code);
  cmp("unit_name", a.unit_name, b.unit_name);
  cmp("kind", a.kind, b.kind);
  if (a.initial.fen != b.initial.fen) {
    out.push_back({"initial_fen", std::to_string(a.initial.fen), std::to_string(b.initial.fen)});
  }
  cmp("deadline", a.deadline, b.deadline);
  cmp("owner", a.owner, b.owner);
  cmp("owner_email", a.owner_email, b.owner_email);
  cmp("tags", a.tags, b.tags);
  cmp("department_code", a.department_code, b.department_code);
  cmp("department_name", a.department_name, b.department_name);
  cmp("source", a.line_source, b.line_source);
  return out;
}

std::vector<LineVersion> line_versions(Database& db, const std::string& code,
                                       std::optional<int> fiscal_year) {
  std::vector<LineVersion> out;
  if (!fiscal_year) {
    Statement fy = db.prepare("SELECT max(fiscal_year) FROM budget_line_versions WHERE code = ?");
    fy.bind(1, code);
    if (!fy.step() || fy.column_is_null(0)) return out;
    fiscal_year = static_cast<int>(fy.column_int(0));
  }
  Statement st = db.prepare(
      std::string("SELECT ") + version_columns +
      " FROM budget_line_versions v JOIN files f ON f.id = v.file_id WHERE v.fiscal_year = ?"
      " AND v.code = ? ORDER BY v.version");
  st.bind(1, *fiscal_year).bind(2, code);
  while (st.step()) out.push_back(read_version(st));
  return out;
}

std::vector<Revision> revisions_of_file(Database& db, std::int64_t file_id) {
  std::vector<Revision> out;
  Statement st = db.prepare(std::string("SELECT ") + version_columns + ", v.code" +
                            " FROM budget_line_versions v JOIN files f ON f.id = v.file_id"
                            " WHERE v.file_id = ? AND v.version > 1 ORDER BY v.id");
  st.bind(1, file_id);
  Statement prev = db.prepare(std::string("SELECT ") + version_columns +
                              " FROM budget_line_versions v JOIN files f ON f.id = v.file_id"
                              " WHERE v.fiscal_year = ? AND v.code = ? AND v.version = ?");
  while (st.step()) {
    const LineVersion after = read_version(st);
    const std::string code = st.column_string(20);
    prev.bind(1, after.fiscal_year).bind(2, code).bind(3, after.version - 1);
    if (!prev.step()) {
      prev.reset();
      continue;
    }
    const LineVersion before = read_version(prev);
    prev.reset();
    Revision r;
    r.code = code;
    r.line = after.line_no;
    r.version = after.version;
    r.changes = changes_between(before, after);
    r.initial_before = before.initial;
    r.initial_after = after.initial;
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<RecentRevision> recent_revisions(Database& db, const std::string& since) {
  std::vector<RecentRevision> out;
  Statement st = db.prepare(
      "SELECT v.code, v.version, p.initial_fen, v.initial_fen, v.recorded_at, f.name, v.source,"
      " v.fiscal_year"
      " FROM budget_line_versions v"
      " JOIN budget_line_versions p ON p.fiscal_year = v.fiscal_year AND p.code = v.code"
      " AND p.version = v.version - 1"
      " JOIN files f ON f.id = v.file_id"
      " WHERE v.recorded_at >= ? AND v.version = (SELECT max(version) FROM budget_line_versions x"
      " WHERE x.fiscal_year = v.fiscal_year AND x.code = v.code) ORDER BY v.code, v.fiscal_year");
  st.bind(1, since);
  while (st.step()) {
    RecentRevision r;
    r.code = st.column_string(0);
    r.version = static_cast<int>(st.column_int(1));
    r.initial_before = engine::Money{st.column_int(2)};
    r.initial_after = engine::Money{st.column_int(3)};
    r.recorded_at = st.column_string(4);
    r.file_name = st.column_string(5);
    r.source = st.column_string(6);
    r.fiscal_year = static_cast<int>(st.column_int(7));
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace bw::store
