#include "store/indicators_repo.h"

namespace bw::store {
namespace {

engine::Indicator indicator_row(const Statement& s) {
  engine::Indicator i;
  i.id = s.column_int(0);
  i.project_code = s.column_string(1);
  i.seq = static_cast<int>(s.column_int(2));
  i.indicator_class = s.column_string(3);
  i.indicator_subclass = s.column_string(4);
  i.name = s.column_string(5);
  i.target_raw = s.column_string(6);
  i.fiscal_year = static_cast<int>(s.column_int(7));
  return i;
}

constexpr std::string_view indicator_columns =
    "id, project_code, seq, indicator_class, indicator_subclass, name, target_raw, fiscal_year";

}  // namespace

std::vector<engine::Indicator> load_indicators(Database& db, const engine::FiscalYear& year) {
  Statement s = db.prepare("SELECT " + std::string(indicator_columns) +
                           " FROM indicators WHERE fiscal_year = ?1 ORDER BY project_code, seq");
  s.bind(1, year.year());
  std::vector<engine::Indicator> out;
  while (s.step()) out.push_back(indicator_row(s));
  return out;
}

std::optional<engine::Indicator> find_indicator(Database& db, std::int64_t id) {
  Statement s = db.prepare("SELECT " + std::string(indicator_columns) + " FROM indicators WHERE id = ?1");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return indicator_row(s);
}

std::map<std::int64_t, std::vector<engine::ActualValue>> load_actuals(Database& db, const engine::FiscalYear& year,
                                                                      std::int64_t* unmatched) {
  // Values dated in the year, to that year's indicator: by seq when given, else by name within the project.
  Statement s = db.prepare(
      "SELECT coalesce((SELECT i.id FROM indicators i WHERE i.fiscal_year = ?3 AND i.project_code = a.project_code"
      " AND i.seq = a.seq), (SELECT i.id FROM indicators i WHERE a.seq IS NULL AND i.fiscal_year = ?3"
      " AND i.project_code = a.project_code AND i.name = a.name ORDER BY i.seq LIMIT 1)), a.value_date, a.value,"
      " a.note, a.source FROM indicator_actuals a WHERE a.value_date >= ?1 AND a.value_date <= ?2 ORDER BY a.id");
  s.bind(1, engine::to_iso(year.first_day())).bind(2, engine::to_iso(year.last_day())).bind(3, year.year());
  std::map<std::int64_t, std::vector<engine::ActualValue>> out;
  std::int64_t lost = 0;
  while (s.step()) {
    auto d = engine::parse_date(s.column_text(1));
    if (s.column_is_null(0) || !d) {
      ++lost;
      continue;
    }
    out[s.column_int(0)].push_back(engine::ActualValue{*d, s.column_string(2), s.column_string(3), s.column_string(4)});
  }
  if (unmatched) *unmatched = lost;
  return out;
}

bool add_api_actual(Database& db, const engine::Indicator& ind, const std::string& date, const std::string& value,
                    const std::string& note, const std::string& who) {
  // The same identity as an actuals file row (store/ledger.cpp), so a value sent twice counts once.
  const std::string identity =
      ind.project_code + "|" + std::to_string(ind.seq) + "||" + date + "|" + value + "|" + note;
  Statement s = db.prepare(
      "INSERT INTO indicator_actuals (identity, project_code, seq, name, value_date, value, note, source, file_id,"
      " created_at) VALUES (?1, ?2, ?3, '', ?4, ?5, ?6, ?7, NULL, ?8)"
      " ON CONFLICT (identity) DO NOTHING");
  s.bind(1, identity).bind(2, ind.project_code).bind(3, ind.seq).bind(4, date).bind(5, value).bind(6, note);
  s.bind(7, "api:" + who).bind(8, utc_now_iso());
  s.run();
  return db.changes() > 0;
}

void put_owner_note(Database& db, const OwnerNoteRow& n) {
  db.prepare(
        "INSERT INTO owner_notes (project_code, review, reason, measures, written_by, written_at) VALUES (?1, ?2,"
        " ?3, ?4, ?5, ?6) ON CONFLICT (project_code, review) DO UPDATE SET reason = ?3, measures = ?4,"
        " written_by = ?5, written_at = ?6")
      .bind(1, n.project_code)
      .bind(2, n.review)
      .bind(3, n.reason)
      .bind(4, n.measures)
      .bind(5, n.written_by)
      .bind(6, n.written_at)
      .run();
}

std::vector<OwnerNoteRow> list_owner_notes(Database& db, const std::string& review) {
  Statement s = db.prepare(
      "SELECT project_code, review, reason, measures, written_by, written_at FROM owner_notes WHERE review = ?1"
      " ORDER BY project_code");
  s.bind(1, review);
  std::vector<OwnerNoteRow> out;
  while (s.step()) {
    out.push_back(OwnerNoteRow{s.column_string(0), s.column_string(1), s.column_string(2), s.column_string(3),
                               s.column_string(4), s.column_string(5)});
  }
  return out;
}

}  // namespace bw::store
