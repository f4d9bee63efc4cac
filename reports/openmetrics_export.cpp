#include "reports/openmetrics_export.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace bw::reports {
namespace {

using Labels = std::vector<std::pair<std::string, std::string>>;

// Label values and HELP texts: backslash, double quote and line feed escaped (OpenMetrics 1.0
// escaped-string).
void write_escaped(std::string& out, std::string_view s) {
  for (char ch : s) {
    switch (ch) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += ch;
    }
  }
}

void write_number(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
    return;
  }
  if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
    return;
  }
  char buf[64];
  // Shortest representation that reads back to the same double.
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// One metric family: its series in first-seen order, each with its samples in the order added
// (ascending time, because snapshots are added in ascending as_of order).
class Family {
 public:
  /// `extra`: the rendered extra labels (`k="v",...`), written after each series' own labels.
  Family(std::string name, std::string_view type, std::string help, std::string extra)
      : name_(std::move(name)), type_(type), help_(std::move(help)), extra_(std::move(extra)) {}

  void add(std::span<const MetricLabel> labels, std::int64_t ts, double value) {
    std::string key;
    for (const MetricLabel& l : labels) {
      if (!key.empty()) key += ',';
      key += l.name;
      key += "=\"";
      write_escaped(key, l.value);
      key += '"';
    }
    if (!extra_.empty()) {
      if (!key.empty()) key += ',';
      key += extra_;
    }
    auto [it, inserted] = index_.try_emplace(key, series_.size());
    if (inserted) series_.push_back({std::move(key), {}});
    series_[it->second].samples.emplace_back(ts, value);
  }

  void write(std::ostream& out) const {
    std::string text = "# TYPE " + name_ + " " + type_ + "\n# HELP " + name_ + " ";
    write_escaped(text, help_);
    text += '\n';
    for (const Series& s : series_) {
      for (const auto& [ts, value] : s.samples) {
        text += name_;
        if (!s.labels.empty()) {
          text += '{';
          text += s.labels;
          text += '}';
        }
        text += ' ';
        write_number(text, value);
        text += ' ';
        text += std::to_string(ts);
        text += '\n';
      }
      if (text.size() > (1u << 16)) {
        out << text;
        text.clear();
      }
    }
    out << text;
  }

 private:
  struct Series {
    std::string labels;
    std::vector<std::pair<std::int64_t, double>> samples;
  };
  std::string name_;
  std::string type_;
  std::string help_;
  std::string extra_;
  std::vector<Series> series_;
  std::unordered_map<std::string, std::size_t> index_;
};

// The families in first-seen order, so the output lists them as /metrics does.
class Families {
 public:
  explicit Families(const Labels& extra) {
    for (const auto& [k, v] : extra) {
      if (!extra_.empty()) extra_ += ',';
      extra_ += k;
      extra_ += "=\"";
      write_escaped(extra_, v);
      extra_ += '"';
    }
  }

  Family& operator()(const MetricFamilyDef& f) {
    auto [it, inserted] = index_.try_emplace(f.name, families_.size());
    if (inserted) families_.emplace_back(f.name, to_string(f.type), f.help, extra_);
    return families_[it->second];
  }
  void write(std::ostream& out) const {
    for (const Family& f : families_) f.write(out);
  }

 private:
  std::string extra_;
  std::vector<Family> families_;
  std::unordered_map<std::string, std::size_t> index_;
};

std::int64_t default_midnight_utc(engine::CivilDate d) {
  // Asia/Shanghai: UTC+8 all year.
  return static_cast<std::int64_t>(std::chrono::sys_days{d}.time_since_epoch().count()) * 86400 -
         8 * 3600;
}

// Adds one snapshot's samples, stamped with its time, to the families gathered so far.
class SnapshotSamples final : public MetricWriter {
 public:
  SnapshotSamples(Families& fam, std::int64_t ts) : fam_(fam), ts_(ts) {}
  void begin_family(const MetricFamilyDef& f, std::size_t) override { current_ = &fam_(f); }
  void sample(std::span<const MetricLabel> labels, double value) override {
    current_->add(labels, ts_, value);
  }
  void end_family(const MetricFamilyDef&) override { current_ = nullptr; }

 private:
  Families& fam_;
  std::int64_t ts_;
  Family* current_ = nullptr;
};

void add_snapshot(Families& fam, const engine::Snapshot& s, const OpenMetricsOptions& o) {
  const std::function<std::int64_t(engine::CivilDate)> midnight =
      o.midnight_utc ? o.midnight_utc : default_midnight_utc;
  SnapshotSamples samples(fam, sample_timestamp(s.as_of, o));
  write_snapshot_metrics(s, o.project_series, midnight, samples);
}

}  // namespace

std::string extra_labels_error(const std::vector<std::pair<std::string, std::string>>& labels) {
  std::vector<std::string_view> own;
  for (const MetricFamilyDef& f : snapshot_metric_catalogue()) own.insert(own.end(), f.labels.begin(), f.labels.end());
  std::vector<std::string_view> seen;
  for (const auto& [name, value] : labels) {
    const bool valid = !name.empty() && !(name[0] >= '0' && name[0] <= '9') &&
                       std::all_of(name.begin(), name.end(), [](char c) {
                         return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                (c >= '0' && c <= '9') || c == '_';
                       });
    if (!valid)
      return "label name '" + name + "' is not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)";
    if (name.rfind("__", 0) == 0)
      return "label name '" + name + "' is reserved (names starting with __)";
    if (std::find(own.begin(), own.end(), name) != own.end())
      return "label '" + name + "' is already a label of the exported series";
    if (std::find(seen.begin(), seen.end(), name) != seen.end())
      return "label '" + name + "' is given twice";
    if (value.empty())
      return "label '" + name + "' has an empty value (Prometheus drops empty labels)";
    seen.push_back(name);
  }
  return {};
}

std::vector<engine::CivilDate> month_ends_between(engine::CivilDate from, engine::CivilDate to) {
  std::vector<engine::CivilDate> out;
  for (engine::CivilDate d = engine::month_end(from); d <= to;
       d = engine::month_end(engine::add_days(d, 1))) {
    out.push_back(d);
  }
  return out;
}

std::int64_t sample_timestamp(engine::CivilDate as_of, const OpenMetricsOptions& o) {
  const engine::CivilDate next = engine::add_days(as_of, 1);
  return (o.midnight_utc ? o.midnight_utc(next) : default_midnight_utc(next)) - 1;
}

void write_openmetrics(std::ostream& out, std::span<const engine::Snapshot> snapshots,
                       const OpenMetricsOptions& o) {
  for (std::size_t i = 1; i < snapshots.size(); ++i) {
    if (!(snapshots[i - 1].as_of < snapshots[i].as_of)) {
      throw std::invalid_argument(
          "write_openmetrics: snapshots must be in strictly ascending as_of order");
    }
  }
  if (const std::string e = extra_labels_error(o.extra_labels); !e.empty())
    throw std::invalid_argument("write_openmetrics: " + e);
  // OpenMetrics wants each family's samples together, so the months are gathered before anything is
  // written.
  Families fam(o.extra_labels);
  for (const engine::Snapshot& s : snapshots) add_snapshot(fam, s, o);
  fam.write(out);
  out << "# EOF\n";
}

}  // namespace bw::reports
