#include "tests/support/test_support.h"

#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace bw::test {

std::filesystem::path source_dir() { return BW_SOURCE_DIR; }
std::filesystem::path binary_dir() { return BW_BINARY_DIR; }
std::filesystem::path data_path(const std::string& rel) {
  return source_dir() / "tests" / "data" / rel;
}
std::filesystem::path budgetwatch_binary() { return binary_dir() / "budgetwatch"; }

TempDir::TempDir() {
  std::random_device rd;
  const auto base = std::filesystem::temp_directory_path();
  for (int attempt = 0; attempt < 100; ++attempt) {
    auto p = base / ("bw-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    if (std::filesystem::create_directory(p)) {
      path_ = p;
      return;
    }
  }
  throw std::runtime_error("cannot create a temporary directory");
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + p.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const std::filesystem::path& p, const std::string& content) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + p.string());
}

CommandResult run_command(const std::vector<std::string>& argv) {
  TempDir tmp;
  const auto out_path = tmp / "stdout";
  const auto err_path = tmp / "stderr";
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    if (!std::freopen(out_path.c_str(), "w", stdout) ||
        !std::freopen(err_path.c_str(), "w", stderr))
      _exit(127);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = read_file(out_path);
  r.err = read_file(err_path);
  return r;
}

std::filesystem::path generate_exports(const std::filesystem::path& out_dir,
                                       const std::vector<std::string>& args) {
  std::vector<std::string> argv = {
      "/usr/bin/python3", (source_dir() / "tests" / "tools" / "gen_treasury_export.py").string()};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back("--out-dir");
  argv.push_back(out_dir.string());
  const CommandResult r = run_command(argv);
  if (r.exit_code != 0) throw std::runtime_error("generator failed: " + r.err);
  return out_dir;
}

}  // namespace bw::test
