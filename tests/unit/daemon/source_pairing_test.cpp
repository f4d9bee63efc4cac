// pair_sources (issue 13 item 6): built sources meet their config entries by name, whatever the
// order and the upload entries between them; a mismatch is an error, never a wrong pairing.
#include "daemon/source_pairing.h"

#include <gtest/gtest.h>

namespace bw::daemon {
namespace {

class NamedSource final : public collect::Source {
 public:
  explicit NamedSource(std::string name) : name_(std::move(name)) {}
  std::string_view name() const override { return name_; }
  std::string_view kind() const override { return "files"; }
  boost::asio::awaitable<Result<std::vector<collect::ExportFile>>> poll() override {
    co_return std::vector<collect::ExportFile>{};
  }
  void done(const collect::ExportFile&, const Result<store::IngestReport>&) override {}

 private:
  std::string name_;
};

config::SourceConfig entry(std::string name, std::string kind, int interval_s) {
  config::SourceConfig c;
  c.name = std::move(name);
  c.kind = *config::from_string<config::SourceKind>(kind);
  c.interval = std::chrono::seconds(interval_s);
  return c;
}

std::vector<std::unique_ptr<collect::Source>> built(std::initializer_list<const char*> names) {
  std::vector<std::unique_ptr<collect::Source>> out;
  for (const char* n : names) out.push_back(std::make_unique<NamedSource>(n));
  return out;
}

TEST(SourcePairingTest, pairs_by_name_whatever_the_order_and_the_upload_entries) {
  const std::vector<config::SourceConfig> entries = {
      entry("a", "files", 10), entry("up", "upload", 0), entry("b", "drop_folder", 20)};
  auto p = pair_sources(built({"b", "a"}), entries);
  ASSERT_TRUE(p.has_value()) << p.error().message;
  ASSERT_EQ(p->size(), 2u);
  EXPECT_EQ((*p)[0].source->name(), "b");
  EXPECT_EQ((*p)[0].config->interval, std::chrono::seconds(20));
  EXPECT_EQ((*p)[1].source->name(), "a");
  EXPECT_EQ((*p)[1].config->interval, std::chrono::seconds(10));
}

TEST(SourcePairingTest, a_mismatch_is_an_error) {
  const std::vector<config::SourceConfig> entries = {entry("a", "files", 10),
                                                     entry("b", "files", 20)};
  EXPECT_EQ(pair_sources(built({"a", "c"}), entries).error().message,
            "source 'c' has no config entry");
  EXPECT_EQ(pair_sources(built({"a"}), entries).error().message, "config source 'b' was not built");
  EXPECT_EQ(pair_sources(built({"a", "a"}), entries).error().message, "source 'a' is built twice");
  EXPECT_EQ(pair_sources(built({"up"}), {entry("up", "upload", 0)}).error().message,
            "source 'up' has no config entry");
}

}  // namespace
}  // namespace bw::daemon
