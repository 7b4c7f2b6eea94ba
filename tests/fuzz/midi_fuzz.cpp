// libFuzzer entry: see midi_fuzz_check.hpp for the property checked.
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/midi_fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  clara::fuzz::check_midi_bytes({data, size});
  return 0;
}
