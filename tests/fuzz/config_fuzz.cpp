// libFuzzer entry: see config_fuzz_check.hpp for the properties checked. A violated one
// aborts with its message, so libFuzzer keeps the input as a crash.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "tests/fuzz/config_fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    clara::fuzz::check_config_bytes({data, size});
  } catch (const std::logic_error& e) {
    std::fprintf(stderr, "config_fuzz: %s\n", e.what());
    std::abort();
  }
  return 0;
}
