// A helper server run as a child process for a test (a Python script that prints one line, e.g.
// "PORT 41234", once it listens): started with a bounded wait for that line, killed if the test
// process dies (PR_SET_PDEATHSIG), stopped with SIGTERM and reaped by the destructor.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace bw::test {

class ChildProcess {
 public:
  /// Runs argv[0] (an absolute path) with argv and waits up to `timeout` for the first line on its
  /// stdout. Throws std::runtime_error naming `what` when it does not come.
  ChildProcess(std::vector<std::string> argv, std::chrono::milliseconds timeout,
               const std::string& what);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  /// The first line the process printed (without the newline).
  const std::string& first_line() const { return line_; }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  std::string line_;
};

/// The port of a first line "PORT <n> ..."; throws std::runtime_error naming `what` otherwise.
int port_from_line(const std::string& line, const std::string& what);

}  // namespace bw::test
