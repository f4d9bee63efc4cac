#include "store/alert_store.h"

#include <algorithm>

namespace bw::store {
namespace {

std::optional<std::int64_t> opt_int(const Statement& s, int i) {
  if (s.column_is_null(i)) return std::nullopt;
  return s.column_int(i);
}

constexpr std::string_view outbox_columns =
    "id, idempotency_key, receiver, group_key, status, title, payload, alert_count, created_at, "
    "next_attempt_at, attempts, state, last_error, delivered_at";

OutboxRow outbox_row(const Statement& s) {
  OutboxRow r;
  r.id = s.column_int(0);
  r.idempotency_key = s.column_string(1);
  r.receiver = s.column_string(2);
  r.group_key = s.column_string(3);
  r.status = s.column_string(4);
  r.title = s.column_string(5);
  r.payload = s.column_string(6);
  r.alert_count = s.column_int(7);
  r.created_at = s.column_int(8);
  r.next_attempt_at = s.column_int(9);
  r.attempts = s.column_int(10);
  r.state = s.column_string(11);
  r.last_error = s.column_is_null(12) ? "" : s.column_string(12);
  r.delivered_at = opt_int(s, 13);
  return r;
}

// WHERE clause and binder shared by list_outbox and count_outbox.
std::string outbox_where(const OutboxQuery& q) {
  std::string w = " WHERE 1=1";
  if (q.state) w += " AND state = ?1";
  if (q.receiver) w += " AND receiver = ?2";
  return w;
}
void bind_outbox(Statement& s, const OutboxQuery& q) {
  if (q.state) s.bind(1, *q.state);
  if (q.receiver) s.bind(2, *q.receiver);
}

}  // namespace

std::vector<AlertRow> load_alerts(Database& db) {
  Statement s = db.prepare(
      "SELECT fingerprint, rule, severity, state, labels, annotations, active_since, fired_at, "
      "resolved_at, updated_at, episode FROM alerts ORDER BY fingerprint");
  std::vector<AlertRow> out;
  while (s.step()) {
    AlertRow a;
    a.fingerprint = s.column_string(0);
    a.rule = s.column_string(1);
    a.severity = s.column_string(2);
    a.state = s.column_string(3);
    a.labels = s.column_string(4);
    a.annotations = s.column_string(5);
    a.active_since = s.column_int(6);
    a.fired_at = opt_int(s, 7);
    a.resolved_at = opt_int(s, 8);
    a.updated_at = s.column_int(9);
    a.episode = s.column_int(10);
    out.push_back(std::move(a));
  }
  return out;
}

void upsert_alert(Database& db, const AlertRow& a) {
  Statement& s = db.cached(
      "INSERT INTO alerts (fingerprint, rule, severity, state, labels, annotations, active_since, "
      "fired_at, resolved_at, updated_at, episode) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
      "?10, ?11) ON CONFLICT (fingerprint) DO UPDATE SET rule = ?2, severity = ?3, state = ?4, "
      "labels = ?5, annotations = ?6, active_since = ?7, fired_at = ?8, resolved_at = ?9, "
      "updated_at = ?10, episode = ?11");
  s.bind(1, a.fingerprint).bind(2, a.rule).bind(3, a.severity).bind(4, a.state);
  s.bind(5, a.labels).bind(6, a.annotations).bind(7, a.active_since).bind(8, a.fired_at);
  s.bind(9, a.resolved_at).bind(10, a.updated_at).bind(11, a.episode);
  s.run();
}

void delete_alert(Database& db, const std::string& fingerprint) {
  db.cached("DELETE FROM alerts WHERE fingerprint = ?1").bind(1, fingerprint).run();
}

void rename_alert(Database& db, const std::string& from, const std::string& to) {
  db.cached("UPDATE alerts SET fingerprint = ?2 WHERE fingerprint = ?1").bind(1, from).bind(2, to).run();
  // The renamed membership replaces one under the new name in the same group (UPDATE OR REPLACE, portably).
  db.cached(
        "DELETE FROM alert_group_members WHERE fingerprint = ?2 AND EXISTS (SELECT 1 FROM alert_group_members m"
        " WHERE m.receiver = alert_group_members.receiver AND m.group_key = alert_group_members.group_key"
        " AND m.fingerprint = ?1)")
      .bind(1, from)
      .bind(2, to)
      .run();
  db.cached("UPDATE alert_group_members SET fingerprint = ?2 WHERE fingerprint = ?1")
      .bind(1, from)
      .bind(2, to)
      .run();
}

std::optional<GroupRow> find_group(Database& db, const std::string& receiver,
                                   const std::string& group_key) {
  Statement& s = db.cached(
      "SELECT last_sent_at, sequence FROM alert_groups WHERE receiver = ?1 AND group_key = ?2");
  s.bind(1, receiver).bind(2, group_key);
  std::optional<GroupRow> out;
  if (s.step()) out = GroupRow{receiver, group_key, s.column_int(0), s.column_int(1)};
  s.reset();
  return out;
}

std::vector<GroupRow> load_groups(Database& db) {
  Statement s = db.prepare(
      "SELECT receiver, group_key, last_sent_at, sequence FROM alert_groups ORDER BY receiver, "
      "group_key");
  std::vector<GroupRow> out;
  while (s.step())
    out.push_back(
        GroupRow{s.column_string(0), s.column_string(1), s.column_int(2), s.column_int(3)});
  return out;
}

void upsert_group(Database& db, const GroupRow& g) {
  db.cached(
        "INSERT INTO alert_groups (receiver, group_key, last_sent_at, sequence) VALUES (?1, ?2, "
        "?3, ?4) ON CONFLICT (receiver, group_key) DO UPDATE SET last_sent_at = ?3, sequence = ?4")
      .bind(1, g.receiver)
      .bind(2, g.group_key)
      .bind(3, g.last_sent_at)
      .bind(4, g.sequence)
      .run();
}

std::vector<std::string> group_members(Database& db, const std::string& receiver,
                                       const std::string& group_key) {
  Statement& s = db.cached(
      "SELECT fingerprint FROM alert_group_members WHERE receiver = ?1 AND group_key = ?2 "
      "ORDER BY fingerprint");
  s.bind(1, receiver).bind(2, group_key);
  std::vector<std::string> out;
  while (s.step()) out.push_back(s.column_string(0));
  s.reset();
  return out;
}

void add_group_member(Database& db, const std::string& receiver, const std::string& group_key,
                      const std::string& fingerprint, std::int64_t at) {
  db.cached(
        "INSERT INTO alert_group_members (receiver, group_key, fingerprint, "
        "notified_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING")
      .bind(1, receiver)
      .bind(2, group_key)
      .bind(3, fingerprint)
      .bind(4, at)
      .run();
}

void remove_group_member(Database& db, const std::string& receiver, const std::string& group_key,
                         const std::string& fingerprint) {
  db.cached(
        "DELETE FROM alert_group_members WHERE receiver = ?1 AND group_key = ?2 AND "
        "fingerprint = ?3")
      .bind(1, receiver)
      .bind(2, group_key)
      .bind(3, fingerprint)
      .run();
}

std::vector<MemberRow> all_group_members(Database& db) {
  Statement s = db.prepare(
      "SELECT receiver, group_key, fingerprint FROM alert_group_members ORDER BY receiver, "
      "group_key, fingerprint");
  std::vector<MemberRow> out;
  while (s.step()) out.push_back(MemberRow{s.column_string(0), s.column_string(1), s.column_string(2)});
  return out;
}

bool enqueue(Database& db, const OutboxRow& r) {
  Statement& s = db.cached(
      "INSERT INTO outbox (idempotency_key, receiver, group_key, status, title, payload, "
      "alert_count, created_at, next_attempt_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
      "ON CONFLICT DO NOTHING");
  s.bind(1, r.idempotency_key).bind(2, r.receiver).bind(3, r.group_key).bind(4, r.status);
  s.bind(5, r.title).bind(6, r.payload).bind(7, r.alert_count).bind(8, r.created_at);
  s.bind(9, r.next_attempt_at);
  s.run();
  return db.changes() > 0;
}

std::vector<OutboxRow> due_rows(Database& db, std::int64_t now, int limit) {
  Statement s = db.prepare("SELECT " + std::string(outbox_columns) +
                           " FROM outbox WHERE state = 'pending' AND next_attempt_at <= ?1 "
                           "ORDER BY next_attempt_at, id LIMIT ?2");
  s.bind(1, now).bind(2, limit);
  std::vector<OutboxRow> out;
  while (s.step()) out.push_back(outbox_row(s));
  return out;
}

std::vector<OutboxRow> claim_due(Database& db, std::string_view owner, std::int64_t now,
                                 std::int64_t claim_until, int limit) {
  const bool pg = db.engine() == Engine::postgresql;
  // The rows are picked once (a MATERIALIZED CTE: a subquery under IN may be scanned again and
  // pick more than `limit`), locked there on PostgreSQL, skipping rows another claimer holds; the
  // UPDATE repeats the claim condition, which PostgreSQL checks again on a row another transaction
  // changed meanwhile, so two claimers never both take a row.
  Statement s = db.prepare(
      "WITH picked AS MATERIALIZED (SELECT id AS pick_id FROM outbox WHERE state = 'pending' AND "
      "next_attempt_at <= ?3 AND (claim_until IS NULL OR claim_until <= ?3) ORDER BY "
      "next_attempt_at, id LIMIT ?4" +
      std::string(pg ? " FOR UPDATE SKIP LOCKED" : "") +
      ") UPDATE outbox SET claim_owner = ?1, claim_until = ?2 FROM picked WHERE outbox.id = "
      "picked.pick_id AND outbox.state = 'pending' AND (outbox.claim_until IS NULL OR "
      "outbox.claim_until <= ?3) RETURNING " +
      std::string(outbox_columns));
  s.bind(1, owner).bind(2, claim_until).bind(3, now).bind(4, limit);
  std::vector<OutboxRow> out;
  while (s.step()) out.push_back(outbox_row(s));
  std::sort(out.begin(), out.end(), [](const OutboxRow& a, const OutboxRow& b) {
    return a.next_attempt_at != b.next_attempt_at ? a.next_attempt_at < b.next_attempt_at
                                                  : a.id < b.id;
  });
  return out;
}

int extend_claims(Database& db, std::string_view owner, std::int64_t claim_until) {
  db.cached(
        "UPDATE outbox SET claim_until = ?2 WHERE claim_owner = ?1 AND state = 'pending' AND "
        "claim_until < ?2")
      .bind(1, owner)
      .bind(2, claim_until)
      .run();
  return db.changes();
}

int release_claims(Database& db, std::string_view owner) {
  if (owner.empty()) {
    db.cached(
          "UPDATE outbox SET claim_owner = NULL, claim_until = NULL WHERE claim_owner IS NOT NULL")
        .run();
  } else {
    db.cached("UPDATE outbox SET claim_owner = NULL, claim_until = NULL WHERE claim_owner = ?1")
        .bind(1, owner)
        .run();
  }
  return db.changes();
}

bool claim_held(Database& db, std::int64_t id, std::string_view owner, std::int64_t now) {
  Statement& s = db.cached(
      "SELECT 1 FROM outbox WHERE id = ?1 AND state = 'pending' AND claim_owner = ?2 AND "
      "claim_until > ?3");
  s.bind(1, id).bind(2, owner).bind(3, now);
  const bool held = s.step();
  s.reset();
  return held;
}

// Each outcome is one UPDATE; with an owner it also requires the row's claim to be the owner's
// ("AND claim_owner = ?"), so an instance whose claim expired writes nothing.
bool mark_delivered(Database& db, std::int64_t id, std::int64_t at, std::string_view owner) {
  Statement& s = db.cached(
      owner.empty()
          ? "UPDATE outbox SET state = 'delivered', delivered_at = ?2, attempts = attempts + 1, "
            "last_error = NULL, claim_owner = NULL, claim_until = NULL WHERE id = ?1"
          : "UPDATE outbox SET state = 'delivered', delivered_at = ?2, attempts = attempts + 1, "
            "last_error = NULL, claim_owner = NULL, claim_until = NULL WHERE id = ?1 AND "
            "claim_owner = ?3");
  s.bind(1, id).bind(2, at);
  if (!owner.empty()) s.bind(3, owner);
  s.run();
  return db.changes() > 0;
}

bool mark_retry(Database& db, std::int64_t id, std::int64_t next_attempt_at,
                const std::string& error, std::string_view owner) {
  Statement& s = db.cached(
      owner.empty()
          ? "UPDATE outbox SET next_attempt_at = ?2, attempts = attempts + 1, last_error = ?3, "
            "claim_owner = NULL, claim_until = NULL WHERE id = ?1"
          : "UPDATE outbox SET next_attempt_at = ?2, attempts = attempts + 1, last_error = ?3, "
            "claim_owner = NULL, claim_until = NULL WHERE id = ?1 AND claim_owner = ?4");
  s.bind(1, id).bind(2, next_attempt_at).bind(3, error);
  if (!owner.empty()) s.bind(4, owner);
  s.run();
  return db.changes() > 0;
}

bool mark_failed(Database& db, std::int64_t id, const std::string& error, std::string_view owner) {
  Statement& s = db.cached(
      owner.empty() ? "UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_error = "
                      "?2, claim_owner = NULL, claim_until = NULL WHERE id = ?1"
                    : "UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_error = "
                      "?2, claim_owner = NULL, claim_until = NULL WHERE id = ?1 AND claim_owner = "
                      "?3");
  s.bind(1, id).bind(2, error);
  if (!owner.empty()) s.bind(3, owner);
  s.run();
  return db.changes() > 0;
}

std::vector<OutboxRow> list_outbox(Database& db, const OutboxQuery& q) {
  Statement s = db.prepare("SELECT " + std::string(outbox_columns) + " FROM outbox" +
                           outbox_where(q) + " ORDER BY id DESC LIMIT ?3 OFFSET ?4");
  bind_outbox(s, q);
  s.bind(3, q.limit).bind(4, q.offset);
  std::vector<OutboxRow> out;
  while (s.step()) out.push_back(outbox_row(s));
  return out;
}

std::int64_t count_outbox(Database& db, const OutboxQuery& q) {
  Statement s = db.prepare("SELECT count(*) FROM outbox" + outbox_where(q));
  bind_outbox(s, q);
  s.step();
  return s.column_int(0);
}

OutboxStats outbox_stats(Database& db) {
  Statement s = db.prepare(
      "SELECT (SELECT count(*) FROM outbox WHERE state = 'pending'), (SELECT count(*) FROM outbox "
      "WHERE state = 'failed'), (SELECT min(created_at) FROM outbox WHERE state = 'pending')");
  s.step();
  return OutboxStats{s.column_int(0), s.column_int(1), opt_int(s, 2)};
}

void insert_silence(Database& db, const SilenceRow& r) {
  db.prepare(
        "INSERT INTO silences (id, matchers, created_by, comment, starts_at, ends_at, created_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
      .bind(1, r.id)
      .bind(2, r.matchers)
      .bind(3, r.created_by)
      .bind(4, r.comment)
      .bind(5, r.starts_at)
      .bind(6, r.ends_at)
      .bind(7, r.created_at)
      .run();
}

std::vector<SilenceRow> load_silences(Database& db) {
  Statement s = db.prepare(
      "SELECT id, matchers, created_by, comment, starts_at, ends_at, created_at FROM silences "
      "ORDER BY created_at, id");
  std::vector<SilenceRow> out;
  while (s.step()) {
    out.push_back(SilenceRow{s.column_string(0), s.column_string(1), s.column_string(2),
                             s.column_string(3), s.column_int(4), s.column_int(5),
                             s.column_int(6)});
  }
  return out;
}

bool expire_silence(Database& db, const std::string& id, std::int64_t now) {
  db.prepare("UPDATE silences SET ends_at = CASE WHEN ends_at < ?2 THEN ends_at ELSE ?2 END WHERE id = ?1")
      .bind(1, id)
      .bind(2, now)
      .run();
  return db.changes() > 0;
}

void purge_silences(Database& db, std::int64_t before) {
  db.prepare("DELETE FROM silences WHERE ends_at < ?1").bind(1, before).run();
}

std::vector<std::pair<std::string, std::int64_t>> last_file_per_source(Database& db) {
  // ingested_at is "YYYY-MM-DDTHH:MM:SSZ" (UTC): text that sorts as time, read as unix seconds here.
  Statement s = db.prepare("SELECT source, max(ingested_at) FROM files GROUP BY source");
  std::vector<std::pair<std::string, std::int64_t>> out;
  while (s.step()) {
    if (s.column_is_null(1)) continue;
    if (auto t = parse_utc_iso(s.column_text(1))) out.emplace_back(s.column_string(0), *t);
  }
  return out;
}

}  // namespace bw::store
