#include "daemon/service/process_exit.hpp"

#include <cstdio>
#include <cstdlib>
#include <exception>

#include "daemon/log/logger.hpp"
#include "daemon/service/startup_error.hpp"

namespace clara::daemon {

void run_and_exit(const std::function<int()>& body) {
  int code;
  try {
    code = body();
  } catch (const StartupError& e) {
    log::error("%s", e.what());
    code = e.exit_code;
  } catch (const std::exception& e) {
    log::error("%s", e.what());
    code = 70;
  }
  std::fflush(nullptr);
  std::_Exit(code);
}

}  // namespace clara::daemon
