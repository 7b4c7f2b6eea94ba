#pragma once
// The piece `clara plot` and `clara render` show or sound: a MIDI file, or token
// text (notewise, chordwise, chamber) decoded first, as `clara decode` would.
#include <string>

#include "core/midi/score.hpp"
#include "tools/clara/cli.hpp"

namespace clara::cli {

// --tempo, --velocity, --line and the spec options, for token input.
void add_score_input_options(OptionSpec& spec);

// A file that starts with "MThd", or is named *.mid / *.midi, is read as MIDI
// (DataError naming the file and byte offset when it is malformed); anything else
// as tokens. NoInputError when the file does not exist.
Score read_score_input(const Args& args, const std::string& path);

}  // namespace clara::cli
