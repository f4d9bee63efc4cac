#include "store/lease.h"

#include <chrono>

namespace bw::store {

std::int64_t database_clock_ms(Database& db) {
  if (db.engine() == Engine::postgresql) {
    Statement& s =
        db.cached("SELECT CAST(floor(extract(epoch FROM clock_timestamp()) * 1000) AS BIGINT)");
    s.step();
    const std::int64_t ms = s.column_int(0);
    s.reset();
    return ms;
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Lease acquire_lease(Database& db, std::string_view name, std::string_view holder,
                    std::int64_t now_ms, std::int64_t ttl_ms) {
  // One statement: the row lock of the conflicting row serialises two instances, and the WHERE is
  // evaluated on the row as the other left it. A holder whose own lease expired takes it as a new
  // term (its deliveries stopped in between).
  Statement& s = db.cached(
      "INSERT INTO leases (name, holder, token, acquired_at, renewed_at, expires_at)"
      " VALUES (?1, ?2, 1, ?3, ?3, ?4)"
      " ON CONFLICT (name) DO UPDATE SET"
      " token = CASE WHEN leases.holder = excluded.holder AND leases.expires_at > ?3"
      " THEN leases.token ELSE leases.token + 1 END,"
      " acquired_at = CASE WHEN leases.holder = excluded.holder AND leases.expires_at > ?3"
      " THEN leases.acquired_at ELSE ?3 END,"
      " holder = excluded.holder, renewed_at = ?3, expires_at = ?4"
      " WHERE leases.holder = excluded.holder OR leases.expires_at <= ?3"
      " RETURNING holder, token, acquired_at, expires_at");
  s.bind(1, name).bind(2, holder).bind(3, now_ms).bind(4, now_ms + ttl_ms);
  Lease out;
  if (s.step()) {
    out.held = true;
    out.holder = s.column_string(0);
    out.token = s.column_int(1);
    out.acquired_at_ms = s.column_int(2);
    out.expires_at_ms = s.column_int(3);
    s.reset();
    return out;
  }
  s.reset();
  if (auto current = read_lease(db, name, holder, now_ms)) return *current;
  return out;
}

std::optional<Lease> read_lease(Database& db, std::string_view name, std::string_view holder,
                                std::int64_t now_ms) {
  Statement& s =
      db.cached("SELECT holder, token, acquired_at, expires_at FROM leases WHERE name = ?1");
  s.bind(1, name);
  std::optional<Lease> out;
  if (s.step()) {
    Lease l;
    l.holder = s.column_string(0);
    l.token = s.column_int(1);
    l.acquired_at_ms = s.column_int(2);
    l.expires_at_ms = s.column_int(3);
    l.held = l.holder == holder && l.expires_at_ms > now_ms;
    out = std::move(l);
  }
  s.reset();
  return out;
}

void require_lease(Database& db, std::string_view name, std::string_view holder,
                   std::int64_t now_ms) {
  Statement& s = db.cached(
      db.engine() == Engine::postgresql
          ? "SELECT 1 FROM leases WHERE name = ?1 AND holder = ?2 AND expires_at > ?3 FOR SHARE"
          : "SELECT 1 FROM leases WHERE name = ?1 AND holder = ?2 AND expires_at > ?3");
  s.bind(1, name).bind(2, holder).bind(3, now_ms);
  const bool held = s.step();
  s.reset();
  if (!held) {
    throw LeaseLost("lease " + std::string(name) + " is not held by " + std::string(holder) +
                    ": another instance took it over");
  }
}

bool release_lease(Database& db, std::string_view name, std::string_view holder) {
  Statement& s = db.cached(
      "UPDATE leases SET expires_at = renewed_at WHERE name = ?1 AND holder = ?2 AND "
      "expires_at > renewed_at");
  s.bind(1, name).bind(2, holder);
  s.run();
  return db.changes() > 0;
}

}  // namespace bw::store
