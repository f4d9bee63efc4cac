#include "daemon/source_runner.h"

#include <algorithm>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "collectors/registry.h"
#include "daemon/log.h"
#include "daemon/scheduler.h"
#include "daemon/source_pairing.h"
#include "net/redact.h"

namespace bw::daemon {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

}  // namespace

void log_ingest_outcome(spdlog::logger& log, const std::string& source, const std::string& file,
                        const Result<store::IngestReport>& r) {
  if (!r) {
    log.warn("file not ingested source={} file={} error={}", kv(source), kv(file),
             kv(r.error().message));
  } else if (r->duplicate_file) {
    log.info("skipped file already ingested source={} file={} sha256={}", kv(source), kv(file),
             r->sha256.substr(0, 12));
  } else {
    log.info(
        "ingested file source={} file={} kind={} rows={} accepted={} duplicate={} rejected={} "
        "conflicts={} revised={} reapplied={} ms={}",
        kv(source), kv(file), store::to_string(r->kind), r->rows_total, r->accepted, r->duplicate,
        r->rejected, r->conflicts, r->revised, r->reapplied, r->duration_ms);
    for (const auto& rev : r->revisions) {
      log.warn("budget line revised source={} file={} revision={}", kv(source), kv(file),
               kv(rev.to_string()));
    }
  }
}

SourceRunner::SourceRunner(asio::io_context& io, OpsMetrics& ops, Health& health,
                           std::shared_ptr<spdlog::logger> log, Hooks hooks)
    : io_(io), ops_(ops), health_(health), log_(std::move(log)), hooks_(std::move(hooks)) {}

// A file held or an entry skipped: said once by the source, not at every poll.
void SourceRunner::log_notice(const std::string& source, const collect::SourceNotice& n) {
  const auto level =
      n.level == collect::SourceNotice::Level::warn ? spdlog::level::warn : spdlog::level::info;
  if (n.kind.empty()) {
    log_->log(level, "{} source={} file={} reason={}", n.message, kv(source), kv(n.file),
              kv(n.reason));
  } else {
    log_->log(level, "{} source={} file={} kind={} reason={}", n.message, kv(source), kv(n.file),
              kv(n.kind), kv(n.reason));
  }
}

Result<void> SourceRunner::start(const config::Config& c, const std::filesystem::path& state_dir) {
  auto built = collect::build_sources(c, state_dir, io_.get_executor(),
                                      [] { return std::chrono::system_clock::now(); });
  if (!built) return tl::unexpected(built.error());
  auto paired = pair_sources(std::move(*built), c.sources);  // by name: a mismatch is an error
  if (!paired) return tl::unexpected(paired.error());
  for (auto& t : timers_) t->cancel();
  timers_.clear();
  sources_.clear();
  const int gen = ++generation_;
  // Checks of sources and receivers a reload removed go away (budgetwatch_check_up too).
  std::vector<std::string> names;
  for (const auto& s : c.sources) names.push_back("source:" + s.name);
  health_.retain("source:", names);
  names.clear();
  for (const auto& r : c.alerts.receivers) names.push_back("receiver:" + r.name);
  health_.retain("receiver:", names);
  for (PairedSource& p : *paired) {
    auto timer = std::make_shared<asio::steady_timer>(io_);
    sources_.push_back(p.source);
    timers_.push_back(timer);
  }
  if (gen == 1) {
    first_polls_pending_ = static_cast<int>(std::count_if(
        sources_.begin(), sources_.end(), [](const auto& s) { return s->kind() != "http"; }));
    if (first_polls_pending_ == 0) hooks_.evaluate();
  }
  for (std::size_t i = 0; i < paired->size(); ++i) {
    asio::co_spawn(io_, loop(sources_[i], gen, (*paired)[i].config->interval, timers_[i]),
                   asio::detached);
  }
  return {};
}

void SourceRunner::stop() {
  stopping_ = true;
  for (auto& t : timers_) t->cancel();
}

std::vector<std::pair<std::string, collect::SkippedEntry>> SourceRunner::skipped() const {
  std::vector<std::pair<std::string, collect::SkippedEntry>> out;
  for (const auto& s : sources_) {
    for (auto& e : s->skipped()) out.emplace_back(std::string(s->name()), std::move(e));
  }
  return out;
}

asio::awaitable<void> SourceRunner::loop(std::shared_ptr<collect::Source> src, int gen,
                                         std::chrono::seconds interval,
                                         std::shared_ptr<asio::steady_timer> timer) {
  const std::string name(src->name());
  std::string last_error;
  bool first_poll = gen == 1;
  // A reload keeps each source's schedule: a loop of a new generation waits for the poll its
  // predecessor planned (no earlier than now + the new interval allows), so SIGHUPs in a burst poll
  // nothing extra.
  if (auto it = next_poll_.find(name); it != next_poll_.end() && it->second > Clock::now()) {
    timer->expires_at(
        std::min(it->second, Clock::now() + std::chrono::duration_cast<Clock::duration>(interval)));
    co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
  }
  while (!stopping_ && gen == generation_) {
    const auto started = Clock::now();
    Result<std::vector<collect::ExportFile>> files = fail(Errc::internal, "not polled");
    try {
      files = co_await src->poll();
    } catch (const std::exception& e) {
      files = fail(Errc::internal, e.what());
    }
    ops_.poll(name, files.has_value(), Clock::now() - started, std::chrono::system_clock::now());
    health_.report("source:" + name, files.has_value(),
                   files ? "" : net::redact_url(files.error().message));
    for (const collect::SourceNotice& n : src->take_notices()) log_notice(name, n);
    if (!files) {
      // Warn when the error changes, not at every poll (Alertmanager's RetryStage).
      if (files.error().message != last_error) {
        log_->warn("source poll failed source={} error={}", kv(name),
                   kv(net::redact_url(files.error().message)));
      }
      last_error = files.error().message;
    } else {
      if (!last_error.empty()) log_->info("source recovered source={}", kv(name));
      last_error.clear();
      bool changed = false;
      for (const collect::ExportFile& f : *files) {
        if (stopping_) break;
        collect::IngestOptions opt = hooks_.options(name);
        opt.encoding = f.encoding;
        opt.kind = f.kind;
        opt.name = f.name;
        opt.reject_unterminated_last_record = f.reject_unterminated_last_record;
        opt.no_follow = f.no_follow;
        // Named, not a temporary inside co_await: see DatabaseThreads::on_writer.
        auto task = hooks_.ingest(f.path, std::move(opt));
        Result<store::IngestReport> outcome = co_await std::move(task);
        src->done(f, outcome);
        // A refused or unreadable file runs the alert cycle too (ingest_failed rules).
        changed = changed ||
                  (outcome ? !outcome->duplicate_file : outcome.error().code != Errc::unavailable);
      }
      if (changed) hooks_.evaluate();
    }
    if (first_poll) {
      first_poll = false;
      if (src->kind() != "http" && --first_polls_pending_ == 0) hooks_.evaluate();
    }
    if (stopping_ || gen != generation_) break;
    const auto next = Clock::now() + jittered(interval);
    next_poll_[name] = next;
    timer->expires_at(next);
    co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

}  // namespace bw::daemon
