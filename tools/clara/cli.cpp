#include "tools/clara/cli.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include <CLI/CLI.hpp>

namespace clara::cli {

OptionSpec& OptionSpec::valued(std::string name, std::string value, std::string help) {
  options.push_back({std::move(name), std::move(value), std::move(help)});
  return *this;
}

OptionSpec& OptionSpec::flag(std::string name, std::string help) {
  options.push_back({std::move(name), "", std::move(help)});
  return *this;
}

OptionSpec& OptionSpec::positional(std::string name, std::string help, std::size_t min, std::size_t max) {
  positional_name = std::move(name);
  positional_help = std::move(help);
  min_positional = min;
  max_positional = max;
  return *this;
}

void declare(CLI::App& app, const OptionSpec& spec) {
  for (const auto& o : spec.options) {
    if (o.value.empty()) {
      app.add_flag(o.name, o.help)->disable_flag_override();
    } else {
      app.add_option(o.name, o.help)
          ->type_name(o.value)
          ->expected(1)
          ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    }
  }
  if (spec.max_positional > 0) {
    // CLI11 fills a positional only while it wants more; an optional one is
    // expected from 1 and simply not required.
    auto* p = app.add_option(spec.positional_name, spec.positional_help)
                  ->type_name("")
                  ->expected(static_cast<int>(std::max<std::size_t>(1, spec.min_positional)),
                             static_cast<int>(spec.max_positional));
    if (spec.min_positional > 0) p->required();
    if (spec.max_positional > 1) p->allow_extra_args();  // else CLI11 stops filling at the minimum
  }
}

Args::Args(const CLI::App& parsed, const OptionSpec& spec) {
  for (const auto& o : spec.options) {
    const CLI::Option* opt = parsed.get_option(o.name);
    if (opt->count() == 0) continue;
    if (o.value.empty())
      flags_.insert(o.name);
    else
      values_[o.name] = opt->as<std::string>();
  }
  if (spec.max_positional > 0) positional_ = parsed.get_option(spec.positional_name)->results();
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
