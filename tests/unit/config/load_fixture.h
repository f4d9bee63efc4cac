// Shared by the config loader tests (load_test.cpp, load_sources_test.cpp, load_print_test.cpp): a
// temp dir per test, load/ok/error helpers, files and environment variables set for one test.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "config/load.h"
#include "tests/support/test_support.h"

namespace bw::config::test_load {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;

// Writes `content` to dir/rel, creating the folders on the way; returns the path.
inline fs::path put(const fs::path& dir, const std::string& rel, const std::string& content) {
  const fs::path p = dir / rel;
  fs::create_directories(p.parent_path());
  test::write_file(p, content);
  return p;
}

// Sets an environment variable for one test and restores the old state.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value == nullptr) {
      ::unsetenv(name);
    } else {
      ::setenv(name, value, 1);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_.c_str(), old_->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

class LoadTest : public ::testing::Test {
 protected:
  test::TempDir dir_;

  Result<Config> load(const std::string& yaml) {
    return load_config_text(yaml, "x.yaml", dir_.path());
  }

  Config ok(const std::string& yaml) {
    auto c = load(yaml);
    EXPECT_TRUE(c.has_value()) << yaml << "\n→ " << c.error().to_string();
    return c ? *c : Config{};
  }

  // The full error text, "x.yaml:L:C: key: reason"; fails the test when the config loads.
  std::string error(const std::string& yaml) {
    auto c = load(yaml);
    EXPECT_FALSE(c.has_value()) << yaml;
    if (c) return "";
    EXPECT_EQ(c.error().code, Errc::invalid_input);
    return c.error().to_string();
  }

  std::string tmp() const { return dir_.path().string(); }
};

/// Every field but the file name and secret values (load_print_test.cpp).
void expect_equivalent(const Config& a, const Config& b);

}  // namespace bw::config::test_load
