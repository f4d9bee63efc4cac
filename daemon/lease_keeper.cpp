#include "daemon/lease_keeper.h"

#include <future>

#include <boost/asio/post.hpp>

#include "daemon/log.h"
#include "store/alert_store.h"
#include "store/lease.h"

namespace bw::daemon {
namespace {

using Steady = std::chrono::steady_clock;
// The local hold ends this long before the row's expiry: no send starts after the row may have
// expired (the clocks of the host and the server, and the renewal's own round trip).
constexpr auto safety_margin = std::chrono::milliseconds(1000);

}  // namespace

LeaseKeeper::LeaseKeeper(std::shared_ptr<spdlog::logger> log, Options options, Events events)
    : log_(std::move(log)), options_(std::move(options)), events_(std::move(events)) {
  shared_ = store::is_server_uri(options_.database.native());
  view_.shared = shared_;
  view_.self = options_.self;
  if (!shared_) {
    view_.held = true;  // one daemon per SQLite file (the instance lock)
    view_.holder = options_.self;
  }
}

LeaseKeeper::~LeaseKeeper() { pool_.join(); }

bool LeaseKeeper::held() const {
  if (!shared_) return true;
  std::lock_guard lock(mutex_);
  return view_.held && Steady::now() < valid_until_;
}

LeaseView LeaseKeeper::view() const {
  std::lock_guard lock(mutex_);
  LeaseView v = view_;
  if (shared_) v.held = v.held && Steady::now() < valid_until_;
  return v;
}

void LeaseKeeper::tick() {
  if (!shared_ || in_flight_.exchange(true)) return;
  boost::asio::post(pool_, [this] {
    renew();
    in_flight_ = false;
  });
}

void LeaseKeeper::renew_now() {
  if (shared_) renew();
}

void LeaseKeeper::set_held(bool held, const std::string& holder, std::int64_t token) {
  // Called with mutex_ held.
  const bool was = view_.held;
  view_.held = held;
  if (held && !was) {
    log_->info(
        "alert lease acquired: this instance evaluates alerts and delivers the outbox self={} "
        "token={} previous={}",
        kv(options_.self), token, kv(view_.holder));
    logged_standby_ = false;
  } else if (!held && was) {
    log_->warn(
        "alert lease lost: this instance stops delivering and is standby self={} holder={} "
        "token={}",
        kv(options_.self), kv(holder), token);
    logged_standby_ = true;
  } else if (!held && (!logged_standby_ || holder != view_.holder)) {
    log_->info(
        "standby: another instance holds the alert lease (this one ingests and serves) self={} "
        "holder={} token={}",
        kv(options_.self), kv(holder), token);
    logged_standby_ = true;
  }
  view_.holder = holder;
  view_.token = token;
}

void LeaseKeeper::renew() {
  const auto started = Steady::now();
  const std::int64_t ttl_ms = options_.ttl.count();
  try {
    if (db_ && !db_->connected()) db_.reset();
    if (!db_) db_.emplace(store::Database::open(options_.database));
    store::Transaction tx(*db_);
    const std::int64_t now = store::database_clock_ms(*db_);
    const store::Lease l =
        store::acquire_lease(*db_, store::alerts_lease, options_.self, now, ttl_ms);
    if (l.held) store::extend_claims(*db_, options_.self, (now + ttl_ms) / 1000);
    tx.commit();
    bool acquired = false;
    bool recovered = false;
    LeaseView v;
    {
      std::lock_guard lock(mutex_);
      const bool was = view_.held && started < valid_until_;
      view_.held = was;
      set_held(l.held, l.holder, l.token);
      acquired = l.held && !was;
      if (l.held) valid_until_ = started + options_.ttl - safety_margin;
      view_.expires_at_ms = l.expires_at_ms;
      view_.error.clear();
      recovered = failing_;
      failing_ = false;
      v = view_;
    }
    if (recovered) {
      log_->info("alert lease renewal works again self={} held={}", kv(options_.self), v.held);
      if (events_.health) events_.health(true, "");
    }
    if (events_.changed) events_.changed(v);
    if (acquired && events_.acquired) events_.acquired();
  } catch (const std::exception& e) {
    db_.reset();  // a new connection at the next renewal
    const std::string what = e.what();
    bool first = false;
    bool lapsed = false;
    LeaseView v;
    {
      std::lock_guard lock(mutex_);
      first = !failing_;
      failing_ = true;
      view_.error = what;
      if (view_.held && Steady::now() >= valid_until_) {
        view_.held = false;
        lapsed = true;
      }
      v = view_;
    }
    if (first) {
      log_->warn(
          "alert lease not renewed (retried every {} ms; held until it would expire) self={} "
          "error={}",
          options_.renew.count(), kv(options_.self), kv(what));
      if (events_.health) events_.health(false, "alert lease not renewed: " + what);
    }
    if (lapsed) {
      log_->warn("alert lease lapsed: not renewed in time, this instance stops delivering self={}",
                 kv(options_.self));
    }
    if (events_.changed) events_.changed(v);
  }
}

void LeaseKeeper::release() {
  if (!shared_) return;
  auto done = std::make_shared<std::promise<void>>();
  auto finished = done->get_future();
  boost::asio::post(pool_, [this, done] {
    try {
      if (db_ && db_->connected()) {
        store::release_claims(*db_, options_.self);
        if (store::release_lease(*db_, store::alerts_lease, options_.self)) {
          log_->info("alert lease released self={}", kv(options_.self));
        }
      }
    } catch (const std::exception& e) {
      log_->warn("alert lease not released (it expires by itself) error={}", kv(e.what()));
    }
    {
      std::lock_guard lock(mutex_);
      view_.held = false;
    }
    done->set_value();
  });
  // Nothing more is posted (the daemon's timers stopped): once the release ran, the thread ends
  // here.
  if (finished.wait_for(std::chrono::seconds(2)) == std::future_status::ready) pool_.join();
}

}  // namespace bw::daemon
