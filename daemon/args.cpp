#include "daemon/args.h"

namespace bw::daemon {

Result<Args> Args::parse(const std::vector<std::string>& args, const std::set<std::string>& options,
                         const std::set<std::string>& flags) {
  Args a;
  bool only_positionals = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& s = args[i];
    if (only_positionals || s.size() < 3 || s.rfind("--", 0) != 0) {
      if (s == "--") {
        only_positionals = true;
        continue;
      }
      a.positionals_.push_back(s);
      continue;
    }
    std::string name = s.substr(2);
    std::optional<std::string> value;
    if (const auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    if (flags.contains(name)) {
      if (value) return fail(Errc::invalid_input, "option --" + name + " takes no value");
      a.flags_.insert(name);
      continue;
    }
    if (!options.contains(name)) return fail(Errc::invalid_input, "unknown option --" + name);
    if (!value) {
      if (i + 1 >= args.size()) return fail(Errc::invalid_input, "option --" + name + " needs a value");
      value = args[++i];
    }
    a.values_[name].push_back(*value);
  }
  return a;
}

std::optional<std::string> Args::get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> Args::all(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

std::string Args::get_or(const std::string& name, const std::string& fallback) const {
  return get(name).value_or(fallback);
}

}  // namespace bw::daemon
