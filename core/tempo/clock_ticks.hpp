#pragma once
// Clara as MIDI Clock master: where each 24-ppqn clock tick falls on the duet's grid, so that a
// drum machine or a DAW slaved to her follows her tempo, changes and stalls included. Tick k
// sits at grid step k * sample_freq / 24; its time is read from the grid's own step -> time map
// (a step's time never moves once committed), between the two steps around it.
#include <cstdint>
#include <vector>

namespace clara {

class ClockTicks {
 public:
  static constexpr int kPulsesPerQuarter = 24;

  // `sample_freq`: grid steps a quarter note (1..96).
  explicit ClockTicks(int sample_freq);

  // Appends to `out` the time (ns) of every tick not given yet that lies on or between steps
  // before `until_step` (the first step whose time may still move: the frontier, which a stall
  // slides later), in order; `time_of(step)` is the grid's time of a step before `until_step`.
  template <class TimeOf>
  void until(std::int64_t until_step, TimeOf&& time_of, std::vector<std::int64_t>& out) {
    for (;;) {
      const std::int64_t scaled = next_ * sample_freq_;  // the tick's step, times 24
      const std::int64_t step = scaled / kPulsesPerQuarter, part = scaled % kPulsesPerQuarter;
      if (step >= until_step || (part != 0 && step + 1 >= until_step)) return;
      const std::int64_t t0 = time_of(step);
      out.push_back(part == 0 ? t0 : t0 + (time_of(step + 1) - t0) * part / kPulsesPerQuarter);
      ++next_;
    }
  }

  std::int64_t ticks_given() const { return next_; }

 private:
  std::int64_t sample_freq_;
  std::int64_t next_ = 0;
};

}  // namespace clara
