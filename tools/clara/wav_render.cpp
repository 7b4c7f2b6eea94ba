#include "tools/clara/wav_render.hpp"

#include <sndfile.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <system_error>

namespace clara::cli {

WavResult render_wav(const Score& score, const std::filesystem::path& soundfont, const AudioRenderOptions& options,
                     const std::filesystem::path& out) {
  AudioRenderer renderer(soundfont, options);  // the font is checked before the file is created
  SF_INFO info{};
  info.samplerate = options.sample_rate;
  info.channels = 2;
  info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
  std::unique_ptr<SNDFILE, decltype(&sf_close)> file(sf_open(out.c_str(), SFM_WRITE, &info), sf_close);
  if (!file) throw WavWriteError(out.string() + ": cannot create (" + sf_strerror(nullptr) + ")");
  // Loud chords can pass full scale: clip them rather than let them wrap around.
  sf_command(file.get(), SFC_SET_CLIPPING, nullptr, SF_TRUE);
  WavResult r;
  double sum = 0;
  bool failed = false;
  r.frames = renderer.render(score, [&](const float* x, std::size_t frames) {
    for (std::size_t i = 0; i < 2 * frames; ++i) {
      r.peak = std::max(r.peak, static_cast<double>(std::abs(x[i])));
      sum += static_cast<double>(x[i]) * x[i];
    }
    if (!failed && sf_writef_float(file.get(), x, static_cast<sf_count_t>(frames)) != static_cast<sf_count_t>(frames))
      failed = true;
  });
  const bool closed = sf_close(file.release()) == 0;
  if (failed || !closed) {
    std::error_code ec;
    std::filesystem::remove(out, ec);
    throw WavWriteError(out.string() + ": write failed (disk full?)");
  }
  r.seconds = static_cast<double>(r.frames) / options.sample_rate;
  r.rms = r.frames > 0 ? std::sqrt(sum / (2.0 * static_cast<double>(r.frames))) : 0;
  return r;
}

}  // namespace clara::cli
