#pragma once
// General MIDI level 1 program names, for labels a person reads (legends, logs).
#include <string_view>

namespace clara {

// The GM name of program 0..127 (0-based, "Acoustic Grand Piano" is 0); "" outside.
std::string_view gm_program_name(int program);

// MIDI channel 10 (index 9) plays the GM percussion kit whatever the program.
inline constexpr int kGmPercussionChannel = 9;

}  // namespace clara
