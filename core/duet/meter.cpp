#include "core/duet/meter.hpp"

#include <charconv>
#include <cmath>
#include <sstream>

#include "core/duet/duet_config.hpp"

namespace clara {
namespace {

std::string format(double x) {
  std::ostringstream os;
  os << x;
  return os.str();
}

}  // namespace

std::variant<Meter, std::string> make_meter(double num, double den) {
  if (!(num >= 1 && num <= 64)) return "meter numerator " + format(num) + " is outside 1..64";
  if (num != std::floor(num)) return "meter numerator " + format(num) + " is not a whole number";
  if (den != 1 && den != 2 && den != 4 && den != 8 && den != 16)
    return "meter denominator " + format(den) + " is not 1, 2, 4, 8 or 16";
  const double quarters = num * 4 / den;
  if (quarters != std::floor(quarters) || quarters < 1 || quarters > DuetLimits::kMaxBeatsPerBar)
    return "meter " + format(num) + "/" + format(den) + " is not a whole number of quarter notes from 1 to " +
           std::to_string(DuetLimits::kMaxBeatsPerBar) + " (" + format(quarters) + ")";
  return Meter{static_cast<int>(num), static_cast<int>(den)};
}

std::variant<Meter, std::string> parse_meter(std::string_view text) {
  auto trim = [](std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return s;
  };
  const std::size_t slash = text.find('/');
  const std::string why = "meter '" + std::string(text) + "': ";
  if (slash == std::string_view::npos) return why + "expected N/D, such as 3/4 or 6/8";
  int v[2] = {0, 0};
  const std::string_view parts[2] = {trim(text.substr(0, slash)), trim(text.substr(slash + 1))};
  for (int i = 0; i < 2; ++i) {
    const auto [ptr, ec] = std::from_chars(parts[i].data(), parts[i].data() + parts[i].size(), v[i]);
    if (parts[i].empty() || ec != std::errc() || ptr != parts[i].data() + parts[i].size())
      return why + "expected N/D, such as 3/4 or 6/8";
  }
  auto m = make_meter(v[0], v[1]);
  if (auto* error = std::get_if<std::string>(&m)) return why + *error;
  return m;
}

}  // namespace clara
