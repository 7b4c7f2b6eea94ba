// libFuzzer entry: see osc_fuzz_check.hpp for the properties checked.
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/osc_fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  clara::fuzz::check_osc_bytes({data, size});
  return 0;
}
