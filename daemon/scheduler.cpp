#include "daemon/scheduler.h"

#include <random>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "daemon/log.h"

namespace bw::daemon {

namespace asio = boost::asio;

std::chrono::milliseconds jittered(std::chrono::milliseconds interval) {
  static thread_local std::mt19937 rng{std::random_device{}()};
  const auto ms = interval.count();
  std::uniform_int_distribution<long long> d(ms * 9 / 10, ms * 11 / 10);
  return std::chrono::milliseconds(std::max<long long>(d(rng), 10));
}

void Scheduler::Task::wake() { timer_.cancel(); }

Scheduler::Scheduler(asio::io_context& io, std::shared_ptr<spdlog::logger> log, OnError on_error)
    : io_(io), log_(std::move(log)), on_error_(std::move(on_error)) {}

std::shared_ptr<Scheduler::Task> Scheduler::every(std::string name, Delay delay, Run run,
                                                  bool run_first) {
  std::shared_ptr<Task> task(new Task(io_, std::move(name)));
  tasks_.push_back(task);
  asio::co_spawn(io_, loop(task, std::move(delay), std::move(run), run_first), asio::detached);
  return task;
}

void Scheduler::stop() {
  stopped_ = true;
  for (auto& t : tasks_) t->timer_.cancel();
}

asio::awaitable<void> Scheduler::loop(std::shared_ptr<Task> task, Delay delay, Run run,
                                      bool run_first) {
  bool first = true;
  while (!stopped_) {
    if (!first || run_first) {
      try {
        co_await run();
        if (!task->last_error_.empty()) log_->info("task recovered task={}", kv(task->name_));
        task->last_error_.clear();
      } catch (const std::exception& e) {
        if (e.what() != task->last_error_)
          log_->error("task failed task={} error={}", kv(task->name_), kv(e.what()));
        task->last_error_ = e.what();
        if (on_error_) on_error_(task->name_, e);
      }
    }
    first = false;
    if (stopped_) break;
    task->timer_.expires_after(delay());
    co_await task->timer_.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

}  // namespace bw::daemon
