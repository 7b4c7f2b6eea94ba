#include "daemon/service/memory_probe.hpp"

#include <fstream>
#include <string>

namespace clara::daemon {

long peak_rss_kb() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

}  // namespace clara::daemon
