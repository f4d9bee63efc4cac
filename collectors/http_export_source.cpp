#include "collectors/http_export_source.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include "net/crypto.h"
#include "net/http_client.h"
#include "net/redact.h"

namespace bw::collect {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
namespace urls = boost::urls;

bool safe_char(unsigned char c) { return std::isalnum(c) || c == '.' || c == '_' || c == '-'; }

// Bytes outside [A-Za-z0-9._-] become '_', a run of them one '_' (a Chinese name stays short).
std::string sanitize(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (safe_char(c)) {
      out += static_cast<char>(c);
    } else if (out.empty() || out.back() != '_') {
      out += '_';
    }
  }
  return out;
}

// The source name as a file name component. Names that had to be changed get a hash suffix so that
// two sources ("财政局" and "教育局") never share files.
std::string safe_source_name(std::string_view name) {
  std::string s = sanitize(name);
  if (s == name && !s.empty() && s != "." && s != "..") return s;
  std::uint32_t h = 2166136261u;  // FNV-1a
  for (unsigned char c : name) h = (h ^ c) * 16777619u;
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", h);
  return s + "-" + hex;
}

// --- The state file: one flat JSON object of strings. ---

// Anything but an object of strings is no state. Invalid UTF-8 is accepted: an ETag may carry
// obs-text bytes (RFC 9110 §8.8.3), and it must round-trip as it was received.
std::optional<std::map<std::string, std::string>> read_state(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  boost::json::parse_options options;
  options.allow_invalid_utf8 = true;
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(text, ec, {}, options);
  if (ec || !v.is_object()) return std::nullopt;
  std::map<std::string, std::string> out;
  for (const auto& [key, value] : v.get_object()) {
    if (!value.is_string()) return std::nullopt;
    out[std::string(key)] = std::string(value.get_string());
  }
  return out;
}

// Downloads are named <safe name>-<process token>-<counter>.csv. The token is random per process: a
// source rebuilt by a config reload must not delete the downloads its predecessor is still
// ingesting, while a restart (a container's PID is often 1 every time) must clean up after the
// previous process.
const std::string& process_token() {
  static const std::string token = [] {
    char hex[9];
    std::snprintf(hex, sizeof hex, "%08x", static_cast<unsigned>(std::random_device{}()));
    return std::string(hex);
  }();
  return token;
}

// A download of this source left by another process: <safe name>-<8 hex>-<digits>.csv, other token.
bool is_stale_download(std::string_view file_name, const std::string& safe_name) {
  constexpr std::string_view suffix = ".csv";
  constexpr std::size_t token_size = 8;
  if (file_name.size() < safe_name.size() + 1 + token_size + 2 + suffix.size() ||
      file_name.substr(0, safe_name.size()) != safe_name || file_name[safe_name.size()] != '-' ||
      file_name.substr(file_name.size() - suffix.size()) != suffix) {
    return false;
  }
  std::string_view rest = file_name.substr(safe_name.size() + 1);
  rest.remove_suffix(suffix.size());
  const std::string_view token = rest.substr(0, token_size);
  const std::string_view counter = rest.substr(token_size + 1);
  auto all = [](std::string_view v, auto pred) { return std::all_of(v.begin(), v.end(), pred); };
  return rest[token_size] == '-' && !counter.empty() &&
         all(token, [](unsigned char c) { return std::isxdigit(c); }) &&
         all(counter, [](unsigned char c) { return std::isdigit(c); }) && token != process_token();
}

std::string attempts_text(int n) { return std::to_string(n) + (n == 1 ? " attempt" : " attempts"); }

}  // namespace

std::string export_display_name(std::string_view url) {
  std::string name;
  if (const auto u = urls::parse_uri(url); u && !u->segments().empty())
    name = sanitize(u->segments().back());
  if (name.empty() || name == "." || name == ".." || name == "_") return "export.csv";
  return name;
}

HttpExportSource::HttpExportSource(const config::SourceConfig& c, fs::path state_dir,
                                   boost::asio::any_io_executor ex)
    : config_(c), ex_(std::move(ex)), rng_(std::random_device{}()) {
  const std::string who = "source " + c.name + ": ";
  const auto u = urls::parse_uri(c.url);
  if (!u || (u->scheme_id() != urls::scheme::http && u->scheme_id() != urls::scheme::https)) {
    throw std::invalid_argument(
        who + "url must be an http:// or https:// URL: " + net::redact_url(c.url));
  }
  if (c.retries < 0) throw std::invalid_argument(who + "retries must not be negative");
  if (c.file_kind) {
    file_kind_ = store::parse_file_kind(*c.file_kind);
    if (!file_kind_) throw std::invalid_argument(who + "unknown file kind '" + *c.file_kind + "'");
  }
  encoding_ = c.encoding;

  safe_name_ = safe_source_name(c.name);
  display_name_ = export_display_name(c.url);
  downloads_dir_ = state_dir / "downloads";
  state_file_ = state_dir / "sources" / (safe_name_ + ".json");
  fs::create_directories(downloads_dir_);
  fs::create_directories(state_file_.parent_path());

  // Downloads of an earlier process were never acknowledged (their validators were not saved): they
  // will be fetched again, so the files are garbage.
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(downloads_dir_, ec)) {
    if (is_stale_download(entry.path().filename().string(), safe_name_))
      fs::remove(entry.path(), ec);
  }

  // Validators belong to the URL they came from; a changed URL starts afresh.
  if (const auto state = read_state(state_file_)) {
    const auto url = state->find("url");
    if (url != state->end() && url->second == net::redact_url(c.url)) {
      if (const auto it = state->find("etag"); it != state->end()) validators_.etag = it->second;
      if (const auto it = state->find("last_modified"); it != state->end())
        validators_.last_modified = it->second;
    }
  }
}

fs::path HttpExportSource::next_download_path() {
  fs::path p;
  std::error_code ec;
  do {
    p = downloads_dir_ /
        (safe_name_ + "-" + process_token() + "-" + std::to_string(++download_counter_) + ".csv");
  } while (fs::exists(fs::symlink_status(p, ec)));
  return p;
}

boost::asio::awaitable<Result<std::vector<ExportFile>>> HttpExportSource::poll() {
  const std::string what = "GET " + net::redact_url(config_.url);
  try {
    net::HttpRequest req;
    req.url = config_.url;
    req.connect_timeout = config_.connect_timeout;
    req.read_timeout = config_.read_timeout;
    req.max_body_bytes = config_.max_bytes;
    req.ca_file = config_.ca_file;
    using Kind = config::HttpAuth::Kind;
    if (config_.auth.kind == Kind::bearer && !config_.auth.secret.empty()) {
      req.headers.emplace_back("Authorization", "Bearer " + config_.auth.secret.value);
    } else if (config_.auth.kind == Kind::basic) {
      req.headers.emplace_back("Authorization", "Basic " + net::base64_encode(config_.auth.username + ":" +
                                                                  config_.auth.secret.value));
    }
    if (!validators_.etag.empty()) req.headers.emplace_back("If-None-Match", validators_.etag);
    if (!validators_.last_modified.empty())
      req.headers.emplace_back("If-Modified-Since", validators_.last_modified);

    std::error_code dir_ec;
    fs::create_directories(downloads_dir_, dir_ec);
    if (dir_ec) {
      ++stats_.failures;
      co_return fail(Errc::io,
                     what + ": cannot create " + downloads_dir_.string() + ": " + dir_ec.message());
    }

    const int max_attempts = config_.retries + 1;
    std::string reason;
    bool retryable = false;
    int attempt = 1;
    for (;; ++attempt) {
      if (attempt > 1) {
        // Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"): uniform in [0,
        // cap].
        auto cap = config_.backoff_initial;
        for (int k = 2; k < attempt && cap < config_.backoff_max; ++k) cap *= 2;
        cap = std::min(cap, config_.backoff_max);
        std::uniform_int_distribution<std::int64_t> jitter(0,
                                                           std::max<std::int64_t>(cap.count(), 0));
        asio::steady_timer timer(ex_, std::chrono::milliseconds(jitter(rng_)));
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        ++stats_.retries;
      }
      ++stats_.attempts;
      req.body_to_file = next_download_path();
      const auto r = co_await net::http_get(ex_, req);
      if (r && r->status == 304) {
        ++stats_.not_modified;
        co_return std::vector<ExportFile>{};
      }
      if (r && r->status == 200) {
        pending_[req.body_to_file] = {r->header("ETag").value_or(""),
                                      r->header("Last-Modified").value_or("")};
        ++stats_.downloads;
        ExportFile f;
        f.source = config_.name;
        f.name = display_name_;
        f.path = req.body_to_file;
        f.kind = file_kind_;
        f.encoding = encoding_;
        co_return std::vector<ExportFile>{std::move(f)};
      }
      std::error_code ignored;
      fs::remove(req.body_to_file, ignored);  // another 2xx may have written a body
      if (!r) {
        reason = r.error().reason;
        retryable = r.error().retryable;
      } else {
        reason = "HTTP " + std::to_string(r->status);
        if (r->status >= 300 && r->status <= 399) reason += " (redirects are not followed)";
        retryable = net::retryable_status(r->status);
      }
      if (!retryable || attempt >= max_attempts) break;
    }
    ++stats_.failures;
    co_return fail(retryable ? Errc::unavailable : Errc::invalid_input,
                   what + " failed after " + attempts_text(attempt) + ": " + reason);
  } catch (const std::exception& e) {
    // Not expected (no call above reports by throwing, bad_alloc aside); a coroutine must not
    // throw.
    ++stats_.failures;
    co_return fail(Errc::internal, what + ": " + e.what());
  }
}

void HttpExportSource::done(const ExportFile& file, const Result<store::IngestReport>& outcome) {
  const auto it = pending_.find(file.path);
  if (it == pending_.end()) return;  // not a download of ours: never delete a stranger's file
  std::error_code ignored;
  fs::remove(file.path, ignored);
  if (outcome) {
    validators_ = it->second;
    save_validators();
  }
  pending_.erase(it);
}

void HttpExportSource::save_validators() {
  // Secrets are never written: the URL is stored redacted, only to notice a changed URL.
  const std::string text = boost::json::serialize(boost::json::object{
                               {"url", net::redact_url(config_.url)},
                               {"etag", validators_.etag},
                               {"last_modified", validators_.last_modified},
                           }) +
                           "\n";
  fs::path tmp = state_file_;
  tmp += ".tmp";
  std::error_code ec;
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) ec = std::make_error_code(std::errc::io_error);
  }
  if (!ec) fs::rename(tmp, state_file_, ec);
  if (ec) {
    ++stats_.state_write_errors;
    std::error_code ignored;
    fs::remove(tmp, ignored);
  }
}

}  // namespace bw::collect
