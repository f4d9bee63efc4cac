// Periodic tasks on the io thread (chrony's sched.c, in coroutines): each task runs, then waits the
// delay its own function gives (an interval with jitter, the time to local midnight, …), until the
// scheduler stops. One catch per task: an exception is logged when its text changes (not at every
// run, Alertmanager's RetryStage) and once when the task recovers, and handed to the scheduler's
// error callback; the task goes on.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <spdlog/logger.h>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace bw::daemon {

/// interval ± 10%, so that tasks configured alike do not run in lockstep.
std::chrono::milliseconds jittered(std::chrono::milliseconds interval);

class Scheduler {
 public:
  using Delay = std::function<std::chrono::milliseconds()>;
  using Run = std::function<boost::asio::awaitable<void>()>;
  using OnError = std::function<void(const std::string& task, const std::exception&)>;

  /// A running task: wake() runs it now instead of at the end of its wait (e.g. new messages to
  /// deliver).
  class Task {
   public:
    void wake();
    const std::string& name() const { return name_; }

   private:
    friend class Scheduler;
    Task(boost::asio::io_context& io, std::string name) : name_(std::move(name)), timer_(io) {}
    std::string name_;
    boost::asio::steady_timer timer_;
    std::string last_error_;
  };

  Scheduler(boost::asio::io_context& io, std::shared_ptr<spdlog::logger> log,
            OnError on_error = {});

  /// Starts a task: with `run_first` it runs at once, else after its first delay. Call on the io
  /// thread.
  std::shared_ptr<Task> every(std::string name, Delay delay, Run run, bool run_first);
  /// Ends every task after its current run (their waits are cancelled). Call on the io thread.
  void stop();
  bool stopped() const { return stopped_; }

 private:
  boost::asio::awaitable<void> loop(std::shared_ptr<Task> task, Delay delay, Run run,
                                    bool run_first);
  boost::asio::io_context& io_;
  std::shared_ptr<spdlog::logger> log_;
  OnError on_error_;
  std::vector<std::shared_ptr<Task>> tasks_;
  bool stopped_ = false;
};

}  // namespace bw::daemon
