// Small helpers shared by the tests: temporary directories, fixture paths, reading files, running
// commands.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace bw::test {

/// The repository's source directory and build directory (set by CMake).
std::filesystem::path source_dir();
std::filesystem::path binary_dir();
/// tests/data/<rel>.
std::filesystem::path data_path(const std::string& rel);
/// The built budgetwatch binary.
std::filesystem::path budgetwatch_binary();

/// A fresh directory under the system temp dir, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& rel) const { return path_ / rel; }

 private:
  std::filesystem::path path_;
};

/// The whole content of a file (throws std::runtime_error when unreadable).
std::string read_file(const std::filesystem::path& p);
/// Writes (replaces) a file.
void write_file(const std::filesystem::path& p, const std::string& content);

/// Result of a command run through /bin/sh.
struct CommandResult {
  int exit_code = -1;
  std::string out;  ///< stdout
  std::string err;  ///< stderr
};
/// Runs argv (no shell interpretation of the arguments), capturing stdout and stderr.
CommandResult run_command(const std::vector<std::string>& argv);

/// The generator of synthetic treasury exports (tests/tools/gen_treasury_export.py), run with the
/// system Python (/usr/bin/python3); returns the output directory. Throws on failure.
std::filesystem::path generate_exports(const std::filesystem::path& out_dir,
                                       const std::vector<std::string>& args);

}  // namespace bw::test
