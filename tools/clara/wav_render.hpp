#pragma once
// A score rendered through core/render's AudioRenderer into a WAV file (16-bit
// stereo PCM, through libsndfile), for `clara render` and `clara demo`.
#include <cstdint>
#include <filesystem>

#include "core/midi/score.hpp"
#include "core/render/audio_render.hpp"

namespace clara::cli {

struct WavResult {
  std::int64_t frames = 0;
  double seconds = 0;
  double peak = 0;  // largest absolute sample before clipping
  double rms = 0;
};

// Throws SoundfontError (font unusable) and std::runtime_error naming `out` when it
// cannot be written; a partly written file is removed.
WavResult render_wav(const Score& score, const std::filesystem::path& soundfont,
                     const AudioRenderOptions& options, const std::filesystem::path& out);

struct WavWriteError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace clara::cli
