#include "daemon/config/cc_controls.hpp"

#include <array>

namespace clara::daemon {

namespace {

constexpr RealRange real(const IntRange& r) { return {static_cast<double>(r.lo), static_cast<double>(r.hi)}; }

using enum CcControlKind;

// Knob defaults for the two ranges open at 0: top_p 0.01 is as good as greedy, 0.25 beats
// a sixteenth note's silence; both far enough from 0 to stay inside the range.
const std::array<CcControl, 11> kControls{{
    {"temperature", continuous, false, limits::temperature, 0.05, 5.0, "sampler.temperature",
     "sampling temperature: low is safe and repetitive, high adventurous (exponential suits it)"},
    {"random_freq", continuous, false, limits::random_freq, 0.0, 1.0, "sampler.random_freq",
     "how often the seed policy samples instead of taking the likeliest token"},
    {"top_p", continuous, false, limits::top_p, 0.01, 1.0, "sampler.top_p", "nucleus size of the top-p policy"},
    {"answer_bars", continuous, true, real(limits::answer_bars), 1.0, 64.0, "duet.answer_bars",
     "longest answer, in bars"},
    {"velocity", continuous, true, real(limits::velocity), 0.0, 127.0, "duet.velocity",
     "Clara's fixed velocity; 0 follows the human's dynamics"},
    {"tempo", continuous, false, limits::tempo, 20.0, 400.0, "duet.tempo", "grid tempo in bpm (exponential suits it)"},
    {"silence_beats", continuous, false, limits::answer_silence_beats, 0.25, 64.0, "duet.answer_silence_beats",
     "beats of silence that end the human's phrase"},
    {"mode", button, false, {0, 0}, 0, 0, "", "next mode: answer, accompany, solo, listen, answer, ..."},
    {"start_stop", button, false, {0, 0}, 0, 0, "", "Clara stops playing, or starts again in the mode she had"},
    {"panic", button, false, {0, 0}, 0, 0, "", "end every sounding note now"},
    {"reset", button, false, {0, 0}, 0, 0, "", "Clara forgets the session so far, as at a new piece"},
}};

}  // namespace

std::span<const CcControl> cc_controls() { return kControls; }

const CcControl* find_cc_control(std::string_view name) {
  for (const auto& c : kControls)
    if (c.name == name) return &c;
  return nullptr;
}

std::string cc_control_names() {
  std::string s;
  for (const auto& c : kControls) s += (s.empty() ? "" : ", ") + std::string(c.name);
  return s;
}

}  // namespace clara::daemon
