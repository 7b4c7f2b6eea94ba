#include "tools/clara/cli.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace clara::cli {

Args::Args(const std::vector<std::string>& argv, const OptionSpec& spec) {
  bool only_positional = false;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (only_positional || a == "-" || a.rfind("--", 0) != 0) {
      if (!only_positional && a.size() > 1 && a[0] == '-' && a != "-")
        throw UsageError("unknown option '" + a + "'");
      positional_.push_back(a);
      continue;
    }
    if (a == "--") {
      only_positional = true;
      continue;
    }
    if (a == "--help") {
      help_ = true;
      continue;
    }
    std::string name = a, value;
    bool inline_value = false;
    if (auto eq = a.find('='); eq != std::string::npos) {
      name = a.substr(0, eq);
      value = a.substr(eq + 1);
      inline_value = true;
    }
    if (spec.flags.count(name)) {
      if (inline_value) throw UsageError("option " + name + " takes no value");
      flags_.insert(name);
    } else if (spec.valued.count(name)) {
      if (!inline_value) {
        if (i + 1 >= argv.size()) throw UsageError("option " + name + " needs a value");
        value = argv[++i];
      }
      values_[name] = value;
    } else {
      throw UsageError("unknown option '" + name + "'");
    }
  }
  if (help_) return;
  if (positional_.size() < spec.min_positional)
    throw UsageError("missing argument (expected at least " + std::to_string(spec.min_positional) + ")");
  if (positional_.size() > spec.max_positional)
    throw UsageError("unexpected argument '" + positional_[spec.max_positional] + "'");
}

std::optional<std::string> Args::get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::string Args::get_or(const std::string& name, const std::string& fallback) const {
  return get(name).value_or(fallback);
}

std::string Args::require(const std::string& name) const {
  auto v = get(name);
  if (!v) throw UsageError("option " + name + " is required");
  return *v;
}

long Args::get_int(const std::string& name, long fallback, long lo, long hi) const {
  auto v = get(name);
  if (!v) return fallback;
  errno = 0;
  char* end = nullptr;
  long x = std::strtol(v->c_str(), &end, 10);
  if (v->empty() || *end != '\0' || errno == ERANGE)
    throw UsageError("option " + name + ": '" + *v + "' is not an integer");
  if (x < lo || x > hi)
    throw UsageError("option " + name + ": " + *v + " is outside " + std::to_string(lo) + ".." +
                     std::to_string(hi));
  return x;
}

double Args::get_double(const std::string& name, double fallback, double lo, double hi) const {
  auto v = get(name);
  if (!v) return fallback;
  errno = 0;
  char* end = nullptr;
  double x = std::strtod(v->c_str(), &end);
  if (v->empty() || *end != '\0' || errno == ERANGE || !std::isfinite(x))
    throw UsageError("option " + name + ": '" + *v + "' is not a number");
  if (x < lo || x > hi)
    throw UsageError("option " + name + ": " + *v + " is outside [" + std::to_string(lo) + ", " +
                     std::to_string(hi) + "]");
  return x;
}

}  // namespace clara::cli
