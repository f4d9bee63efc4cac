// The lease of several daemons on one database (issue 15, migrations/0006_leases.sql): a named row
// held by one instance (holder "host:pid:listen") until it expires, renewed by its holder every few
// seconds. Another instance takes it only once it expired, in one statement (INSERT … ON CONFLICT …
// DO UPDATE … WHERE expired), so two instances never hold it at once by the database's clock. The
// token grows at every change of holder. Times are Unix milliseconds; callers pass "now" from
// database_clock_ms (PostgreSQL: the server's clock, one for every instance).
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "store/database.h"

namespace bw::store {

/// The lease that elects the instance which evaluates alert state and drains the outbox.
inline constexpr std::string_view alerts_lease = "alerts";

struct Lease {
  bool held = false;       ///< by the asking holder, after the call
  std::string holder;      ///< who holds it ("" when nobody ever did)
  std::int64_t token = 0;  ///< the holder's term (grows at every change of holder)
  std::int64_t acquired_at_ms = 0;
  std::int64_t expires_at_ms = 0;
};

/// The caller does not hold the lease it needs (require_lease): another instance took it over. Not
/// a database failure.
class LeaseLost : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Now, Unix milliseconds: PostgreSQL's clock_timestamp() (the same clock for every instance on
/// the server), the system clock on SQLite.
std::int64_t database_clock_ms(Database& db);

/// Takes or renews the lease `name` for `holder` until now_ms + ttl_ms: renewed when `holder`
/// holds it, taken (token + 1) when it is free or expired, else left to its holder. Returns the
/// lease after the call. Throws DatabaseError.
Lease acquire_lease(Database& db, std::string_view name, std::string_view holder,
                    std::int64_t now_ms, std::int64_t ttl_ms);

/// The lease as stored (nullopt: nobody ever held it). `held` says whether `holder` holds it
/// unexpired at now_ms.
std::optional<Lease> read_lease(Database& db, std::string_view name, std::string_view holder,
                                std::int64_t now_ms);

/// Inside a transaction: throws LeaseLost unless `holder` holds `name` unexpired at now_ms. On
/// PostgreSQL the row is locked FOR SHARE until the transaction ends, so nobody takes the lease
/// before the caller's writes commit (the alert cycle's fence).
void require_lease(Database& db, std::string_view name, std::string_view holder,
                   std::int64_t now_ms);

/// Gives the lease up (it expires now) when `holder` holds it: a clean stop hands over at once.
/// Returns whether it did.
bool release_lease(Database& db, std::string_view name, std::string_view holder);

}  // namespace bw::store
