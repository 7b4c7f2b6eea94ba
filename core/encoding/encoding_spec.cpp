#include "core/encoding/encoding_spec.hpp"

namespace clara {

std::string_view to_string(Encoding e) {
  switch (e) {
    case Encoding::notewise: return "notewise";
    case Encoding::chordwise: return "chordwise";
    case Encoding::chamber: return "chamber";
  }
  return "notewise";
}

Encoding parse_encoding(std::string_view name) {
  for (Encoding e : {Encoding::notewise, Encoding::chordwise, Encoding::chamber})
    if (name == to_string(e)) return e;
  throw EncodingError("unknown encoding '" + std::string(name) +
                      "' (expected notewise, chordwise or chamber)");
}

EncodingSpec EncodingSpec::defaults(Encoding e) {
  EncodingSpec spec;
  spec.encoding = e;
  spec.sample_freq = e == Encoding::chordwise ? 4 : 12;
  spec.parts = e == Encoding::chamber ? PartTable::solo_piano() : PartTable::piano();
  return spec;
}

void EncodingSpec::validate() const {
  // A grid this fine would make wait tokens and step counts overflow int.
  if (sample_freq < 1 || sample_freq > 960)
    throw EncodingError("sample frequency " + std::to_string(sample_freq) +
                        " must be an integer in 1..960 steps per quarter note");
  try {
    range.validate();
    parts.validate(range.size);
  } catch (const std::invalid_argument& e) {
    throw EncodingError(e.what());
  }
}

}  // namespace clara
