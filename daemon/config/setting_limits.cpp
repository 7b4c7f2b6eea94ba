#include "daemon/config/setting_limits.hpp"

#include <cmath>
#include <sstream>

namespace clara::daemon {

std::string IntRange::text() const { return std::to_string(lo) + ".." + std::to_string(hi); }

bool RealRange::contains(double v) const {
  if (!std::isfinite(v)) return false;
  return (lo_open ? v > lo : v >= lo) && v <= hi;
}

std::string RealRange::text() const {
  std::ostringstream os;
  os << (lo_open ? "(" : "[") << lo << ", " << hi << "]";
  return os.str();
}

}  // namespace clara::daemon
