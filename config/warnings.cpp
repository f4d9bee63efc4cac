#include "config/warnings.h"

#include <sys/stat.h>

#include <cstdio>
#include <system_error>

namespace bw::config {
namespace {

namespace fs = std::filesystem;

// Secret::origin is "file <path>" for *_file keys (load.cpp).
void secret_file(const Secret& s, const std::string& key, std::vector<std::string>& out) {
  constexpr std::string_view prefix = "file ";
  if (s.origin.rfind(prefix, 0) != 0) return;
  const std::string path = s.origin.substr(prefix.size());
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return;  // read at load; gone since: the reload will say so
  const unsigned mode = st.st_mode & 0777u;
  if ((mode & 077u) == 0) return;
  char octal[8];
  std::snprintf(octal, sizeof octal, "%04o", mode);
  out.push_back(key + ": " + path + " is readable by " +
                ((mode & 070u) != 0 && (mode & 007u) != 0 ? "group and others"
                 : (mode & 070u) != 0                     ? "group"
                                                          : "others") +
                " (mode " + octal + "); chmod 600 it");
}

// The host of a host:port that check_listen accepted ("[::1]:9464" → "::1").
std::string listen_host(const std::string& listen) {
  if (!listen.empty() && listen.front() == '[') return listen.substr(1, listen.find(']') - 1);
  return listen.substr(0, listen.rfind(':'));
}

bool loopback(const std::string& host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
}

}  // namespace

std::vector<std::string> warnings(const Config& c) {
  std::vector<std::string> out;
  std::error_code ec;
  const bool server = c.database.native().rfind("postgresql://", 0) == 0 ||
                      c.database.native().rfind("postgres://", 0) == 0;
  const fs::path db_dir = server ? fs::path() : c.database.parent_path();
  if (!db_dir.empty() && !fs::is_directory(db_dir, ec)) {
    out.push_back("database: the folder " + db_dir.string() +
                  " does not exist (the daemon creates it at start: check the path)");
  }
  for (std::size_t i = 0; i < c.sources.size(); ++i) {
    const SourceConfig& s = c.sources[i];
    const std::string key = "sources[" + std::to_string(i) + "] (" + s.name + ")";
    if (s.kind == SourceKind::files) {
      for (const fs::path& f : s.files) {
        if (!fs::exists(f, ec)) out.push_back(key + ".files: " + f.string() + " does not exist");
      }
    }
    secret_file(s.auth.secret, key + ".auth", out);
  }
  for (std::size_t i = 0; i < c.tokens.size(); ++i) {
    secret_file(c.tokens[i].token,
                "tokens[" + std::to_string(i) + "] (" + c.tokens[i].name + ").token_file", out);
  }
  for (std::size_t i = 0; i < c.alerts.receivers.size(); ++i) {
    const ReceiverConfig& r = c.alerts.receivers[i];
    const std::string key = "alerts.receivers[" + std::to_string(i) + "] (" + r.name + ")";
    secret_file(r.smtp_password, key + ".smtp_password_file", out);
    secret_file(r.url_secret, key + ".url_file", out);
    secret_file(r.token, key + ".token_file", out);
    secret_file(r.secret, key + ".secret_file", out);
  }
  if (!loopback(listen_host(c.server.listen))) {
    const std::string key = "server.listen: " + c.server.listen + " is not a loopback address";
    if (!c.server.tls()) {
      out.push_back(key +
                    " and TLS is off (tls_cert_file, tls_key_file): tokens, uploads and "
                    "budget data cross the network in clear");
    }
    if (c.tokens.empty()) {
      out.push_back(key +
                    " and no tokens are configured: the API's reads are open to the network "
                    "and its writes (uploads, silences) are refused");
    }
  }
  return out;
}

}  // namespace bw::config
