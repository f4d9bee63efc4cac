// Alert state, notification groups, the outbox and silences in SQLite (migrations/0002_alerts.sql).
// Plain rows; alerts/ gives them meaning. Callers hold the Transaction: an evaluation writes its
// state changes and the outbox rows they cause in one (DESIGN §8).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/database.h"

namespace bw::store {

struct AlertRow {
  std::string fingerprint;
  std::string rule;
  std::string severity;
  std::string state;        ///< pending | firing | resolved
  std::string labels;       ///< JSON object
  std::string annotations;  ///< JSON object
  std::int64_t active_since = 0;
  std::optional<std::int64_t> fired_at;
  std::optional<std::int64_t> resolved_at;
  std::int64_t updated_at = 0;
  std::int64_t episode = 0;
};

std::vector<AlertRow> load_alerts(Database& db);
void upsert_alert(Database& db, const AlertRow& a);
void delete_alert(Database& db, const std::string& fingerprint);
/// Gives an alert and its group memberships another fingerprint (alert identities gained the fiscal
/// year, issue 14).
void rename_alert(Database& db, const std::string& from, const std::string& to);

struct GroupRow {
  std::string receiver;
  std::string group_key;
  std::int64_t last_sent_at = 0;
  std::int64_t sequence = 0;
};
std::optional<GroupRow> find_group(Database& db, const std::string& receiver,
                                   const std::string& group_key);
/// Every group (receiver, key) with its last message time and sequence (the alert cycle plans from
/// them).
std::vector<GroupRow> load_groups(Database& db);
void upsert_group(Database& db, const GroupRow& g);

/// Fingerprints a group's receiver was told are firing.
std::vector<std::string> group_members(Database& db, const std::string& receiver,
                                       const std::string& group_key);
void add_group_member(Database& db, const std::string& receiver, const std::string& group_key,
                      const std::string& fingerprint, std::int64_t at);
void remove_group_member(Database& db, const std::string& receiver, const std::string& group_key,
                         const std::string& fingerprint);
struct MemberRow {
  std::string receiver;
  std::string group_key;
  std::string fingerprint;
};
/// Every (receiver, group, fingerprint) told about a firing alert.
std::vector<MemberRow> all_group_members(Database& db);

struct OutboxRow {
  std::int64_t id = 0;
  std::string idempotency_key;
  std::string receiver;
  std::string group_key;
  std::string status;  ///< firing | resolved
  std::string title;
  std::string payload;  ///< JSON
  std::int64_t alert_count = 0;
  std::int64_t created_at = 0;
  std::int64_t next_attempt_at = 0;
  std::int64_t attempts = 0;
  std::string state = "pending";  ///< pending | delivered | failed
  std::string last_error;
  std::optional<std::int64_t> delivered_at;
};

/// Inserts a pending row; a row with the same idempotency key already there is kept (returns
/// false).
bool enqueue(Database& db, const OutboxRow& r);
/// Pending rows due at `now`, oldest first (claimed or not).
std::vector<OutboxRow> due_rows(Database& db, std::int64_t now, int limit);
/// Claims up to `limit` pending rows due at `now` that nobody has claimed, or whose claim expired
/// (its claimer died), for `owner` until `claim_until` (Unix seconds), and returns them oldest
/// first. Atomic across instances: on PostgreSQL the rows are picked FOR UPDATE SKIP LOCKED and the
/// claim condition is checked again on the row as another claimer left it, so a row is never
/// claimed by two. The idempotency key is the row's, whoever delivers it.
std::vector<OutboxRow> claim_due(Database& db, std::string_view owner, std::int64_t now,
                                 std::int64_t claim_until, int limit);
/// Moves the claims of `owner` on pending rows to `claim_until` (the lease's heartbeat). Returns
/// the rows extended.
int extend_claims(Database& db, std::string_view owner, std::int64_t claim_until);
/// Drops the claims of `owner` ("" : every claim; SQLite at start, where one daemon owns the file).
int release_claims(Database& db, std::string_view owner);
/// The outcome of an attempt. With an `owner`, only while the row is still claimed by it (false:
/// the claim expired and another instance claimed the row; nothing is written). The claim is
/// dropped.
bool mark_delivered(Database& db, std::int64_t id, std::int64_t at, std::string_view owner = {});
bool mark_retry(Database& db, std::int64_t id, std::int64_t next_attempt_at,
                const std::string& error, std::string_view owner = {});
bool mark_failed(Database& db, std::int64_t id, const std::string& error,
                 std::string_view owner = {});
/// Whether row `id` is pending and claimed by `owner` unexpired at `now` (checked before a send).
bool claim_held(Database& db, std::int64_t id, std::string_view owner, std::int64_t now);

struct OutboxQuery {
  std::optional<std::string> state;
  std::optional<std::string> receiver;
  int limit = 100;
  int offset = 0;
};
std::vector<OutboxRow> list_outbox(Database& db, const OutboxQuery& q);
std::int64_t count_outbox(Database& db, const OutboxQuery& q);

struct OutboxStats {
  std::int64_t pending = 0;
  std::int64_t failed = 0;
  std::optional<std::int64_t> oldest_pending_created_at;
};
OutboxStats outbox_stats(Database& db);

struct SilenceRow {
  std::string id;
  std::string matchers;  ///< JSON array
  std::string created_by;
  std::string comment;
  std::int64_t starts_at = 0;
  std::int64_t ends_at = 0;
  std::int64_t created_at = 0;
};
void insert_silence(Database& db, const SilenceRow& s);
std::vector<SilenceRow> load_silences(Database& db);
/// Ends a silence now (ends_at = min(ends_at, now)); false when there is no such silence.
bool expire_silence(Database& db, const std::string& id, std::int64_t now);
/// Deletes silences that ended before `before`.
void purge_silences(Database& db, std::int64_t before);

/// The newest `ingested_at` (unix seconds, UTC) per source of the file ledger.
std::vector<std::pair<std::string, std::int64_t>> last_file_per_source(Database& db);

}  // namespace bw::store
