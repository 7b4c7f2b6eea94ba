#pragma once
// A score rendered to sound offline with FluidSynth and a General MIDI SoundFont:
// no audio device, no clock, no threads; the samples go to a sink the caller
// gives (`clara render` writes them to a WAV file, tests keep them in memory).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>

#include "core/midi/score.hpp"

namespace clara {

struct SoundfontError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct AudioRenderOptions {
  int sample_rate = 44100;       // 8000..96000 Hz (FluidSynth's range)
  double release_seconds = 2.0;  // rendered after the last note ends: release and reverb tails
  double gain = 0.3;             // FluidSynth's master gain (its default, 0.2, is quiet)
};

// Seconds from the start to `quarter` through the score's tempo map (120 bpm
// before the first tempo and when it has none).
double score_seconds_at(const Score& score, double quarter);

// The length of a render: the last note's end in seconds plus the release tail,
// in frames at the sample rate (rounded to the nearest frame).
std::int64_t render_frames(const Score& score, const AudioRenderOptions& options);

// Stereo frames, interleaved left/right, in [-1, 1] before the writer clips.
using AudioSink = std::function<void(const float* interleaved, std::size_t frames)>;

class AudioRenderer {
 public:
  // Loads the SoundFont (again for each render after the first: a synthesizer that
  // has played cannot be reset exactly, and each render must be the same). Throws
  // SoundfontError naming the path when FluidSynth cannot load it, and
  // std::invalid_argument for options out of range.
  AudioRenderer(const std::filesystem::path& soundfont, const AudioRenderOptions& options = {});
  ~AudioRenderer();
  AudioRenderer(const AudioRenderer&) = delete;
  AudioRenderer& operator=(const AudioRenderer&) = delete;

  // Plays the score on a fresh synthesizer and hands render_frames(score)
  // frames to sink in blocks; returns that count. Each part plays its program on
  // its channel (channel 10 is the GM percussion kit); a part whose channel another
  // part already holds with a different program moves to a free channel, so every
  // part keeps its instrument while channels last. Every note-on has its note-off;
  // a note shorter than 10 ms sounds for 10 ms.
  std::int64_t render(const Score& score, const AudioSink& sink);

  const AudioRenderOptions& options() const { return options_; }

 private:
  struct Synth;
  std::unique_ptr<Synth> load() const;
  AudioRenderOptions options_;
  std::filesystem::path soundfont_;
  std::unique_ptr<Synth> synth_;  // loaded, not played yet
};

}  // namespace clara
