#include "daemon/metrics/snapshot_collector.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <span>
#include <stdexcept>

#include <openssl/evp.h>
#include <zlib.h>

#include "reports/metric_catalogue.h"

namespace bw::daemon {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

reports::ProjectSeriesFilter filter(config::ProjectSeries p) {
  switch (p) {
    case config::ProjectSeries::all:
      return reports::ProjectSeriesFilter::all;
    case config::ProjectSeries::below_threshold:
      return reports::ProjectSeriesFilter::below_threshold;
    case config::ProjectSeries::none:
      return reports::ProjectSeriesFilter::none;
  }
  return reports::ProjectSeriesFilter::all;
}

MetricType prometheus_type(reports::MetricType t) {
  switch (t) {
    case reports::MetricType::gauge:
      return MetricType::Gauge;
  }
  return MetricType::Gauge;
}

// Builds each catalogue family as a prometheus::MetricFamily and hands it on when it is complete.
class FamilyBuilder final : public reports::MetricWriter {
 public:
  explicit FamilyBuilder(const std::function<void(MetricFamily&&)>& emit) : emit_(emit) {}
  void begin_family(const reports::MetricFamilyDef& f, std::size_t subjects) override {
    current_ = MetricFamily{f.name, f.help, prometheus_type(f.type), {}};
    current_.metric.reserve(subjects);
  }
  void sample(std::span<const reports::MetricLabel> labels, double value) override {
    ClientMetric m;
    m.label.reserve(labels.size());
    for (const reports::MetricLabel& l : labels)
      m.label.push_back({std::string(l.name), std::string(l.value)});
    m.gauge.value = value;
    current_.metric.push_back(std::move(m));
  }
  void end_family(const reports::MetricFamilyDef&) override { emit_(std::move(current_)); }

 private:
  const std::function<void(MetricFamily&&)>& emit_;
  MetricFamily current_;
};

// Writes the Prometheus text format (0.0.4) straight into one string: the bytes
// prometheus::TextSerializer writes for the same families (SnapshotCollectorTest compares them),
// without a ClientMetric and its label strings per sample nor an ostream. 60k lines make ~600k
// samples: building and serialising them through prometheus-cpp took most of an evaluation's
// publish.
class TextWriter final : public reports::MetricWriter {
 public:
  /// `reserve`: room for each family is reserved ahead, growing geometrically (the text of every
  /// family goes into `out`); else the caller sees to the room (PartWriter's small buffer).
  explicit TextWriter(std::string& out, bool reserve = true) : out_(out), reserve_(reserve) {}
  void begin_family(const reports::MetricFamilyDef& f, std::size_t subjects) override {
    name_ = f.name;
    // A sample is its name, labels and value: room for this family's samples, growing geometrically
    // (a reservation of just what each family needs would copy the text so far once per family).
    std::size_t per_sample = f.name.size() + 24;
    for (const std::string& l : f.labels) per_sample += l.size() + 16;
    const std::size_t needed =
        out_.size() + subjects * per_sample + f.help.size() + 2 * f.name.size() + 32;
    if (reserve_ && needed > out_.capacity()) out_.reserve(std::max(needed, 2 * out_.capacity()));
    if (!f.help.empty()) {
      out_.append("# HELP ").append(f.name).push_back(' ');
      out_.append(f.help).push_back('\n');
    }
    out_.append("# TYPE ").append(f.name).append(" gauge\n");
  }
  void sample(std::span<const reports::MetricLabel> labels, double value) override {
    out_.append(name_);
    if (!labels.empty()) {
      out_.push_back('{');
      const char* sep = "";
      for (const reports::MetricLabel& l : labels) {
        out_.append(sep).append(l.name).append("=\"");
        append_escaped(l.value);
        out_.push_back('"');
        sep = ",";
      }
      out_.push_back('}');
    }
    out_.push_back(' ');
    append_value(value);
    out_.push_back('\n');
  }
  void end_family(const reports::MetricFamilyDef&) override {}

 private:
  // A label value as TextSerializer escapes it: backslash, double quote and newline.
  void append_escaped(std::string_view v) {
    std::size_t from = 0;
    for (std::size_t i = 0; i < v.size(); ++i) {
      const char c = v[i];
      if (c != '\\' && c != '"' && c != '\n') continue;
      out_.append(v.substr(from, i - from));
      out_.append(c == '\n' ? "\\n" : c == '"' ? "\\\"" : "\\\\");
      from = i + 1;
    }
    out_.append(v.substr(from));
  }
  // As an ostream with the classic locale and precision max_digits10 - 1 writes it (%.16g), with
  // TextSerializer's names for NaN and infinities.
  void append_value(double v) {
    if (std::isnan(v)) {
      out_.append("Nan");
    } else if (std::isinf(v)) {
      out_.append(v < 0 ? "-Inf" : "+Inf");
    } else {
      std::array<char, 64> buf{};
      const auto r =
          std::to_chars(buf.data(), buf.data() + buf.size(), v, std::chars_format::general,
                        std::numeric_limits<double>::max_digits10 - 1);
      out_.append(buf.data(), r.ptr);
    }
  }

  std::string& out_;
  bool reserve_ = true;
  std::string_view name_;
};

// Renders one family at a time into a buffer reused from family to family and hands on its text
// with the text's SHA-256: the collector keeps each family's gzip member and digest, not its text
// (issue 14: a bureau's plain text was 72 MB of the daemon's 164 MB, and the changed families' new
// text was held beside the old while a publish replaced them).
class PartWriter final : public reports::MetricWriter {
 public:
  using Emit = std::function<void(std::size_t, std::string_view, const SnapshotCollector::Digest&)>;
  explicit PartWriter(const Emit& emit) : text_(buffer_), emit_(emit) {}
  void begin_family(const reports::MetricFamilyDef& f, std::size_t subjects) override {
    buffer_.clear();
    text_.begin_family(f, subjects);
  }
  void sample(std::span<const reports::MetricLabel> labels, double value) override {
    text_.sample(labels, value);
  }
  void end_family(const reports::MetricFamilyDef& f) override {
    text_.end_family(f);
    SnapshotCollector::Digest digest{};
    unsigned int length = 0;
    if (EVP_Digest(buffer_.data(), buffer_.size(), digest.data(), &length, EVP_sha256(), nullptr) !=
            1 ||
        length != digest.size()) {
      throw std::runtime_error("SHA-256 of a metric family failed");
    }
    emit_(index_++, buffer_, digest);
  }

 private:
  std::string buffer_;
  TextWriter text_;
  const Emit& emit_;
  std::size_t index_ = 0;
};

// The text of one gzip member of `size` bytes; nullptr on a zlib failure.
std::shared_ptr<const std::string> gunzip(const std::string& member, std::size_t size) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 16) != Z_OK) return nullptr;
  std::string out(size, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(member.data()));
  z.avail_in = static_cast<uInt>(member.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = inflate(&z, Z_FINISH);
  const bool whole = rc == Z_STREAM_END && z.avail_out == 0;
  inflateEnd(&z);
  if (!whole) return nullptr;
  return std::make_shared<const std::string>(std::move(out));
}

std::shared_ptr<const std::string> join(
    const std::vector<std::shared_ptr<const std::string>>& parts) {
  if (parts.empty()) return nullptr;
  std::size_t size = 0;
  for (const auto& p : parts) size += p->size();
  std::string out;
  out.reserve(size);
  for (const auto& p : parts) out += *p;
  return std::make_shared<const std::string>(std::move(out));
}

}  // namespace

void SnapshotCollector::render_parts(
    const engine::Snapshot& s, const SnapshotMetricsOptions& o,
    const std::function<void(std::size_t, std::string_view, const Digest&)>& part) {
  const std::function<std::int64_t(engine::CivilDate)> midnight =
      o.midnight_utc ? o.midnight_utc : [](engine::CivilDate d) {
        return static_cast<std::int64_t>(std::chrono::sys_days{d}.time_since_epoch().count()) *
               86400;
      };
  PartWriter writer(part);
  reports::write_snapshot_metrics(s, filter(o.project_series), midnight, writer);
}

std::string SnapshotCollector::render_text(const engine::Snapshot& s,
                                           const SnapshotMetricsOptions& o, std::size_t size_hint) {
  const std::function<std::int64_t(engine::CivilDate)> midnight =
      o.midnight_utc ? o.midnight_utc : [](engine::CivilDate d) {
        return static_cast<std::int64_t>(std::chrono::sys_days{d}.time_since_epoch().count()) *
               86400;
      };
  std::string out;
  // The previous text's size and a little more: the text of one evaluation is about the last one's,
  // so it is written without a reallocation (each would copy all of it) and kept without much room
  // to spare.
  out.reserve(size_hint + size_hint / 32);
  TextWriter writer(out);
  reports::write_snapshot_metrics(s, filter(o.project_series), midnight, writer);
  if (out.capacity() > out.size() + out.size() / 16)
    out.shrink_to_fit();  // held until the next publish
  return out;
}

std::shared_ptr<const std::string> gzip(std::string_view text) {
  z_stream z{};
  // windowBits 15 + 16: a gzip wrapper; level 1: the text compresses ~10x even at the fastest
  // level.
  if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return nullptr;
  // The output grows as deflate writes it: sized to deflateBound (more than the text) and
  // zero-filled, it took as much memory as the text and kept it (a string does not give back what a
  // resize shrinks).
  std::string out;
  out.reserve(text.size() / 8 + 4096);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  int rc = Z_OK;
  while (rc == Z_OK) {
    const std::size_t done = out.size();
    out.resize(done + std::max<std::size_t>(out.capacity() - done, 1 << 16));
    z.next_out = reinterpret_cast<Bytef*>(out.data() + done);
    z.avail_out = static_cast<uInt>(out.size() - done);
    rc = deflate(&z, Z_FINISH);
    out.resize(out.size() - z.avail_out);
  }
  deflateEnd(&z);
  if (rc != Z_STREAM_END) return nullptr;
  if (out.capacity() > out.size() + out.size() / 8) out.shrink_to_fit();
  return std::make_shared<const std::string>(std::move(out));
}

SnapshotCollector::SnapshotCollector(SnapshotMetricsOptions options)
    : options_(std::move(options)) {}

void SnapshotCollector::for_each_family(const engine::Snapshot& s, const SnapshotMetricsOptions& o,
                                        const std::function<void(MetricFamily&&)>& emit) {
  const std::function<std::int64_t(engine::CivilDate)> midnight =
      o.midnight_utc ? o.midnight_utc : [](engine::CivilDate d) {
        return static_cast<std::int64_t>(std::chrono::sys_days{d}.time_since_epoch().count()) *
               86400;
      };
  FamilyBuilder builder(emit);
  // One family at a time, so that only one family's series are held while rendering (a city's 50k
  // projects make 450k series).
  reports::write_snapshot_metrics(s, filter(o.project_series), midnight, builder);
}

std::vector<MetricFamily> SnapshotCollector::families(const engine::Snapshot& s,
                                                      const SnapshotMetricsOptions& o) {
  std::vector<MetricFamily> out;
  for_each_family(s, o, [&](MetricFamily&& f) { out.push_back(std::move(f)); });
  return out;
}

void SnapshotCollector::publish(std::shared_ptr<const engine::Snapshot> s) {
  const std::lock_guard serial(publishing_);
  SnapshotMetricsOptions o;
  std::vector<Part> old;
  {
    std::lock_guard lock(mutex_);
    o = options_;
    old = parts_;
    // The inflated text of plain scrapes goes now, not after: it is not held beside a publish's
    // work.
    plain_.clear();
    publishing_now_ = true;
  }
  std::vector<Part> parts;
  PublishStats stats;
  if (s) {
    // Each family is rendered, then kept from the last publish when its text has the same SHA-256
    // and length: what is served is always the text of `s` (compared, never assumed unchanged).
    render_parts(*s, o, [&](std::size_t i, std::string_view text, const Digest& digest) {
      if (i < old.size() && old[i].size == text.size() && old[i].digest == digest) {
        parts.push_back(old[i]);
        ++stats.kept;
        return;
      }
      Part p;
      p.digest = digest;
      p.size = text.size();
      p.gzip = gzip(text);
      // Without its gzip member (zlib failed) the part keeps its text, and scrapes get plain text.
      if (!p.gzip) p.plain = std::make_shared<const std::string>(text);
      parts.push_back(std::move(p));
      ++stats.rendered;
    });
  }
  old.clear();
  std::lock_guard lock(mutex_);
  snapshot_ = std::move(s);
  parts_ = std::move(parts);
  plain_.clear();
  publishing_now_ = false;
  stats_ = stats;
}

void SnapshotCollector::drop_plain_text() {
  std::vector<std::shared_ptr<const std::string>> gone;
  std::lock_guard lock(mutex_);
  gone.swap(plain_);
}

void SnapshotCollector::set_options(SnapshotMetricsOptions options) {
  std::lock_guard lock(mutex_);
  options_ = std::move(options);
}

std::shared_ptr<const engine::Snapshot> SnapshotCollector::snapshot() const {
  std::lock_guard lock(mutex_);
  return snapshot_;
}

std::shared_ptr<const std::string> SnapshotCollector::text() const { return join(text_parts()); }

std::shared_ptr<const std::string> SnapshotCollector::gzip_text() const {
  return join(gzip_parts());
}

std::vector<std::shared_ptr<const std::string>> SnapshotCollector::text_parts() const {
  // The first plain scrape after a publish inflates the members (one at a time: the others wait
  // and then share them); the text is kept for the next plain scrapes until a publish starts.
  const std::lock_guard one(inflating_);
  std::vector<Part> parts;
  {
    std::lock_guard lock(mutex_);
    if (!plain_.empty() || parts_.empty()) return plain_;
    parts = parts_;
  }
  std::vector<std::shared_ptr<const std::string>> out;
  out.reserve(parts.size());
  for (const Part& p : parts) {
    std::shared_ptr<const std::string> text = p.plain ? p.plain : gunzip(*p.gzip, p.size);
    if (!text) return {};  // zlib failed: nothing rather than a wrong text
    out.push_back(std::move(text));
  }
  std::lock_guard lock(mutex_);
  // Kept only when no publish began meanwhile (it would serve the previous figures until the next).
  if (!publishing_now_ && parts_.size() == parts.size() &&
      std::equal(parts_.begin(), parts_.end(), parts.begin(), [](const Part& a, const Part& b) {
        return a.gzip == b.gzip && a.plain == b.plain;
      })) {
    plain_ = out;
  }
  return out;
}

std::vector<std::shared_ptr<const std::string>> SnapshotCollector::gzip_parts() const {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<const std::string>> out;
  out.reserve(parts_.size());
  for (const Part& p : parts_) {
    if (!p.gzip) return {};  // a part without its member: the scrape gets plain text
    out.push_back(p.gzip);
  }
  return out;
}

SnapshotCollector::PublishStats SnapshotCollector::last_publish() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

std::vector<MetricFamily> SnapshotCollector::Collect() const {
  std::shared_ptr<const engine::Snapshot> s;
  SnapshotMetricsOptions o;
  {
    std::lock_guard lock(mutex_);
    s = snapshot_;
    o = options_;
  }
  if (!s) return {};
  try {
    return families(*s, o);
  } catch (...) {
    return {};
  }
}

}  // namespace bw::daemon
