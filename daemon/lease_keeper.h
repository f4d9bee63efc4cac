// The alert lease of an instance (issue 15: several daemons, one ledger). On PostgreSQL every
// instance ingests and serves, and exactly one — the holder of the database lease `alerts`
// (store/lease.h) — evaluates alert state and drains the outbox. The keeper renews or tries to take
// the lease every `renew` on a connection and thread of its own (a long ingest on the writer never
// delays a renewal), and extends the claims of the outbox rows its instance is delivering. It holds
// the lease locally until the renewal's start + ttl − 1 s: when renewals fail (the database is
// unreachable) it stops sending before the row in the database expires, and another instance takes
// over once it has. On SQLite the lease is trivially held: one daemon owns the file (flock,
// store/instance_lock.h).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <spdlog/logger.h>
#include <boost/asio/thread_pool.hpp>

#include "store/database.h"

namespace bw::daemon {

/// What /readyz and the metrics tell about the lease.
struct LeaseView {
  bool shared = false;  ///< a database server shared by instances (false: SQLite, held trivially)
  bool held = false;    ///< this instance holds it now
  std::string self;     ///< this instance: host:pid:listen
  std::string holder;   ///< the holder as last seen ("" : unknown)
  std::int64_t token = 0;  ///< the holder's term
  std::int64_t expires_at_ms = 0;
  std::string error;  ///< the last renewal's failure, "" when it succeeded
};

class LeaseKeeper {
 public:
  struct Options {
    std::filesystem::path database;  ///< a file (trivial lease) or a postgresql:// URI
    std::string self;                ///< host:pid:listen
    std::chrono::milliseconds ttl{10000};
    std::chrono::milliseconds renew{3000};
  };
  struct Events {
    std::function<void()> acquired;  ///< this instance became the holder (any thread)
    std::function<void(const LeaseView&)> changed;  ///< after every renewal (metrics)
    std::function<void(bool ok, const std::string& reason)> health;  ///< the database check
  };

  LeaseKeeper(std::shared_ptr<spdlog::logger> log, Options options, Events events);
  ~LeaseKeeper();  ///< waits for a renewal in flight
  LeaseKeeper(const LeaseKeeper&) = delete;
  LeaseKeeper& operator=(const LeaseKeeper&) = delete;

  /// Whether this instance may evaluate alert state and deliver now (any thread).
  bool held() const;
  bool shared() const { return shared_; }
  const std::string& self() const { return options_.self; }
  LeaseView view() const;
  std::chrono::milliseconds ttl() const { return options_.ttl; }
  std::chrono::milliseconds renew_interval() const { return options_.renew; }

  /// Starts a renewal on the keeper's thread unless one is in flight (the daemon's timer calls it
  /// every renew_interval()).
  void tick();
  /// Runs one renewal on the calling thread (tests, and the first one at start).
  void renew_now();
  /// A clean stop: gives the lease up so that another instance takes over at once. Blocks briefly.
  void release();

 private:
  void renew();
  void set_held(bool held, const std::string& holder, std::int64_t token);

  std::shared_ptr<spdlog::logger> log_;
  Options options_;
  Events events_;
  bool shared_ = false;
  boost::asio::thread_pool pool_{1};
  std::atomic<bool> in_flight_{false};
  std::optional<store::Database> db_;  // the keeper's thread only
  mutable std::mutex mutex_;
  LeaseView view_;
  std::chrono::steady_clock::time_point valid_until_{};
  bool failing_ = false;
  bool logged_standby_ = false;
};

}  // namespace bw::daemon
