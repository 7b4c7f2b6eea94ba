#include "core/tempo/clock_ticks.hpp"

#include <stdexcept>
#include <string>

namespace clara {

ClockTicks::ClockTicks(int sample_freq) : sample_freq_(sample_freq) {
  if (sample_freq < 1 || sample_freq > 96)
    throw std::invalid_argument("clock ticks: sample_freq " + std::to_string(sample_freq) + " is outside 1..96");
}

}  // namespace clara
