// The scrape seam (STYLE §7.2): a prometheus::Collectable over the latest published Snapshot, with
// the families of the one metric catalogue (reports/metric_catalogue.h, shared with
// export-openmetrics). The evaluation task publishes; scrapes read what was published and never
// touch SQLite. The text of the snapshot's families is rendered and compressed once per publish, so
// a gzip scrape (Prometheus asks for gzip) only sends it. Each family is held as its gzip member,
// the SHA-256 and the length of its text: a family whose text has the digest and length of the
// previous publish's keeps that member (no compressing again), which is most families after one
// more payments file. The plain text is not held (a bureau's is 72 MB, most of the daemon's
// memory): a plain scrape inflates the members, shared by the scrapes in flight (issue 14).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include "config/config.h"
#include "daemon/clock.h"
#include "engine/snapshot.h"

namespace bw::daemon {

/// Options of the snapshot's series.
struct SnapshotMetricsOptions {
  config::ProjectSeries project_series = config::ProjectSeries::all;
  /// UTC seconds of local midnight starting a civil date (for *_timestamp_seconds); from the time
  /// zone.
  std::function<std::int64_t(engine::CivilDate)> midnight_utc;
};

/// Thread-safe: publish() from the evaluation thread, Collect()/text() from scrapes.
class SnapshotCollector final : public prometheus::Collectable {
 public:
  explicit SnapshotCollector(SnapshotMetricsOptions options);

  /// Makes `s` the snapshot that scrapes see and renders its text. Thread-safe.
  void publish(std::shared_ptr<const engine::Snapshot> s);
  /// Drops the plain text inflated for plain scrapes (the next one inflates it again): an
  /// evaluation does before it builds the next snapshot. Thread-safe.
  void drop_plain_text();
  /// Changes options (SIGHUP); applies from the next publish.
  void set_options(SnapshotMetricsOptions options);
  /// The latest snapshot (nullptr before the first evaluation). Thread-safe.
  std::shared_ptr<const engine::Snapshot> snapshot() const;
  /// The snapshot's families in the Prometheus text format, rendered at publish, as one string
  /// (joined here: tests and tools; a scrape sends text_parts()). Null before the first publish.
  std::shared_ptr<const std::string> text() const;
  /// The same text gzip-compressed (gzip members, one per family), or nullptr. Thread-safe.
  std::shared_ptr<const std::string> gzip_text() const;
  /// The text as published: one part per family, in order, inflated from the gzip members by the
  /// first call after a publish and kept for the next; empty before the first publish.
  std::vector<std::shared_ptr<const std::string>> text_parts() const;
  /// One gzip member per text part (concatenated, they are the gzip of the text); empty before the
  /// first publish or when zlib failed.
  std::vector<std::shared_ptr<const std::string>> gzip_parts() const;
  /// How many families the last publish rendered anew (their text differed from the previous
  /// publish's) and how many it kept.
  struct PublishStats {
    std::size_t rendered = 0;
    std::size_t kept = 0;
  };
  PublishStats last_publish() const;

  /// The families of the latest snapshot (empty before the first). Never throws.
  std::vector<prometheus::MetricFamily> Collect() const override;

  /// The families of a snapshot under options, in catalogue order (pure; used by Collect and
  /// publish).
  static std::vector<prometheus::MetricFamily> families(const engine::Snapshot& s,
                                                        const SnapshotMetricsOptions& o);
  /// The families' text in the Prometheus text format, as prometheus::TextSerializer writes
  /// families() but written directly (what publish renders; pure).
  /// `size_hint`: the expected size (the previous text's), reserved at once.
  static std::string render_text(const engine::Snapshot& s, const SnapshotMetricsOptions& o,
                                 std::size_t size_hint = 0);
  /// SHA-256 of a family's text.
  using Digest = std::array<unsigned char, 32>;
  /// The same text, one family at a time: `part(index, text, digest)` for each catalogue family in
  /// order (the text is valid during the call: one buffer is reused from family to family).
  static void render_parts(
      const engine::Snapshot& s, const SnapshotMetricsOptions& o,
      const std::function<void(std::size_t, std::string_view, const Digest&)>& part);
  /// The same, one family at a time (rendering holds one family's series, not all of them).
  static void for_each_family(const engine::Snapshot& s, const SnapshotMetricsOptions& o,
                              const std::function<void(prometheus::MetricFamily&&)>& emit);

 private:
  mutable std::mutex mutex_;
  SnapshotMetricsOptions options_;
  std::shared_ptr<const engine::Snapshot> snapshot_;
  struct Part {
    std::shared_ptr<const std::string> gzip;   // the text's gzip member
    std::shared_ptr<const std::string> plain;  // the text itself, only when zlib failed
    Digest digest{};
    std::size_t size = 0;  // of the text
  };
  std::vector<Part> parts_;  // one per family
  // Inflated by the first plain scrape after a publish, for the next ones; dropped when a publish
  // starts.
  mutable std::vector<std::shared_ptr<const std::string>> plain_;
  bool publishing_now_ = false;
  PublishStats stats_;
  std::mutex publishing_;         // one publish at a time (each starts from the parts of the last)
  mutable std::mutex inflating_;  // one plain scrape inflating at a time
};

/// Text compressed as one gzip member (level 1); nullptr on a zlib failure. Gzip members
/// concatenate, so a scrape may send the live operational metrics compressed and then this cached
/// member.
std::shared_ptr<const std::string> gzip(std::string_view text);

}  // namespace bw::daemon
