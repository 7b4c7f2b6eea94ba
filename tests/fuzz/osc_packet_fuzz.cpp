// libFuzzer entry for what a UDP datagram meets: the strict OSC packet decoder and its re-encoding
// checks (check_osc_packet in osc_fuzz_check.hpp), without the TCP stream framings that osc_fuzz
// adds. Several times faster per input, so that CI reaches the control issue's 5 M executions in
// minutes; osc_fuzz runs beside it for a time budget.
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/osc_fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  clara::fuzz::check_osc_packet({data, size});
  return 0;
}
