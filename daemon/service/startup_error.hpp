#pragma once
// A start-up failure with the sysexits.h code clarad exits with.
#include <stdexcept>
#include <string>

namespace clara::daemon {

struct StartupError : std::runtime_error {
  StartupError(int code, const std::string& what) : std::runtime_error(what), exit_code(code) {}
  int exit_code;
};

}  // namespace clara::daemon
