// Secret redaction for logs and errors: URLs lose their userinfo and the values of secret-looking
// query parameters (access_token, sign, key, ...). Every log line that names a URL passes through
// here.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace bw::net {

/// `https://user:pw@host/robot/send?access_token=abc&x=1` →
/// `https://***@host/robot/send?access_token=***&x=1`. Query parameters whose name contains token,
/// key, secret, sign, password, pwd, auth or ticket (ASCII, case-insensitive) are masked. Text that
/// is not a URL is returned unchanged.
std::string redact_url(std::string_view url);

/// Whether a query parameter (or header-like) name looks secret: it contains token, key, secret,
/// sign, password, pwd, auth or ticket (ASCII, case-insensitive). redact_url masks these values.
bool is_secret_name(std::string_view name);

/// Replaces every occurrence of each secret (when at least 4 characters long) in `text` with "***".
std::string redact_secrets(std::string text, std::initializer_list<std::string_view> secrets);

}  // namespace bw::net
