#pragma once
// The baseline's view of a passage (issue 14: the composer classifier is compared with a
// pitch-class-histogram + note-statistics classifier trained on the same split): a fixed
// vector of figures any score has, whatever its key of origin or length.
#include <array>
#include <span>
#include <string>
#include <vector>

#include "core/encoding/encoding_spec.hpp"
#include "core/midi/score.hpp"

namespace clara {

// 12 onset pitch-class shares, then density (notes/beat), polyphony, mean and standard
// deviation of the MIDI key (/12, in octaves), the six note-length shares and the mean note
// length (beats), the share of onsets that start a chord (another onset at the same time).
inline constexpr std::size_t kStyleFeatures = 12 + 2 + 2 + 6 + 1 + 1;
using StyleFeatures = std::array<double, kStyleFeatures>;

StyleFeatures style_features(std::span<const Note> notes, double length_beats);

// The notes a token passage decodes to (a notewise or chordwise stretch, cut anywhere:
// ends of notes begun before it are ignored, notes still open at its end close there).
std::vector<Note> notes_of_tokens(std::span<const std::string> tokens, const EncodingSpec& spec,
                                  double* length_beats = nullptr);

}  // namespace clara
