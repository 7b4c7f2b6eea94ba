#include "core/render/audio_render.hpp"

#include <fluidsynth.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "core/midi/gm_programs.hpp"

namespace clara {
namespace {

// FluidSynth prints its errors to stderr by default; a library must not, so the
// last error is kept for the exception that reports it.
thread_local std::string fluid_last_error;

void keep_error(int, const char* message, void*) { fluid_last_error = message ? message : ""; }
void drop(int, const char*, void*) {}

void quiet_fluidsynth() {
  fluid_set_log_function(FLUID_PANIC, keep_error, nullptr);
  fluid_set_log_function(FLUID_ERR, keep_error, nullptr);
  fluid_set_log_function(FLUID_WARN, drop, nullptr);
  fluid_set_log_function(FLUID_INFO, drop, nullptr);
  fluid_set_log_function(FLUID_DBG, drop, nullptr);
}

struct Event {
  std::int64_t frame;
  bool on;
  int channel, key, velocity;
};

constexpr std::size_t kBlock = 512;

}  // namespace

struct AudioRenderer::Synth {
  fluid_settings_t* settings = nullptr;
  fluid_synth_t* synth = nullptr;
  ~Synth() {
    if (synth) delete_fluid_synth(synth);
    if (settings) delete_fluid_settings(settings);
  }
};

double score_seconds_at(const Score& score, double quarter) {
  double seconds = 0, at = 0, bpm = 120;
  for (const auto& t : score.tempo_map) {
    if (!(t.bpm > 0) || !std::isfinite(t.bpm) || !std::isfinite(t.quarter)) continue;
    if (t.quarter >= quarter) break;
    if (t.quarter > at) seconds += (t.quarter - at) * 60.0 / bpm, at = t.quarter;
    bpm = t.bpm;
  }
  return seconds + (quarter - at) * 60.0 / bpm;
}

std::int64_t render_frames(const Score& score, const AudioRenderOptions& o) {
  double end = 0;
  for (const auto& p : score.parts)
    for (const auto& n : p.notes)
      if (std::isfinite(n.end)) end = std::max(end, n.end);
  return std::llround((score_seconds_at(score, end) + o.release_seconds) * o.sample_rate);
}

AudioRenderer::AudioRenderer(const std::filesystem::path& soundfont, const AudioRenderOptions& options)
    : options_(options), soundfont_(soundfont) {
  if (options.sample_rate < 8000 || options.sample_rate > 96000)
    throw std::invalid_argument("sample rate " + std::to_string(options.sample_rate) + " Hz is outside 8000..96000");
  if (!(options.release_seconds >= 0 && options.release_seconds <= 60))
    throw std::invalid_argument("release tail must be 0..60 s");
  if (!(options.gain > 0 && options.gain <= 10)) throw std::invalid_argument("gain must be in (0, 10]");
  // FluidSynth hands files it does not recognise to libinstpatch, which complains on
  // stderr; a SoundFont 2 (or 3) file is a RIFF form of type sfbk, checked first.
  {
    std::ifstream in(soundfont, std::ios::binary);
    if (!in) throw SoundfontError(soundfont.string() + ": cannot open");
    char head[12] = {};
    in.read(head, sizeof head);
    if (in.gcount() != 12 || std::memcmp(head, "RIFF", 4) != 0 || std::memcmp(head + 8, "sfbk", 4) != 0)
      throw SoundfontError(soundfont.string() + ": not a SoundFont (no RIFF sfbk header)");
  }
  synth_ = load();
}

// A fresh synthesizer for each render: one that has played keeps state that no reset
// clears (reverb memory, channel history), and a render must not depend on the one
// before it.
std::unique_ptr<AudioRenderer::Synth> AudioRenderer::load() const {
  quiet_fluidsynth();
  auto s = std::make_unique<Synth>();
  s->settings = new_fluid_settings();
  if (!s->settings) throw SoundfontError("FluidSynth: cannot create its settings");
  fluid_settings_setnum(s->settings, "synth.sample-rate", options_.sample_rate);
  fluid_settings_setnum(s->settings, "synth.gain", options_.gain);
  fluid_settings_setint(s->settings, "synth.threadsafe-api", 0);  // one thread drives it
  fluid_settings_setint(s->settings, "synth.cpu-cores", 1);       // and it starts none
  // Samples load when a program selects them, not all 140 MB of a GM font up front
  // (the load is then about ten times faster), synchronously in program_change.
  fluid_settings_setint(s->settings, "synth.dynamic-sample-loading", 1);
  s->synth = new_fluid_synth(s->settings);
  if (!s->synth) throw SoundfontError("FluidSynth: cannot create a synthesizer: " + fluid_last_error);
  fluid_last_error.clear();
  if (fluid_synth_sfload(s->synth, soundfont_.c_str(), 1) == FLUID_FAILED)
    throw SoundfontError(soundfont_.string() + ": not a SoundFont FluidSynth can load" +
                         (fluid_last_error.empty() ? std::string() : " (" + fluid_last_error + ")"));
  return s;
}

AudioRenderer::~AudioRenderer() = default;

std::int64_t AudioRenderer::render(const Score& score, const AudioSink& sink) {
  if (!synth_) synth_ = load();
  const std::unique_ptr<Synth> used = std::move(synth_);
  fluid_synth_t* synth = used->synth;
  const double rate = options_.sample_rate;

  // Channels: each part's own unless another part holds it with another program.
  std::array<int, 16> program;
  program.fill(-1);
  std::vector<int> channel_of(score.parts.size());
  for (std::size_t i = 0; i < score.parts.size(); ++i) {
    const Part& p = score.parts[i];
    int ch = std::clamp(p.channel, 0, 15);
    const int prog = std::clamp(p.program, 0, 127);
    if (program[static_cast<std::size_t>(ch)] >= 0 && program[static_cast<std::size_t>(ch)] != prog &&
        ch != kGmPercussionChannel) {
      for (int c = 0; c < 16; ++c)
        if (c != kGmPercussionChannel && program[static_cast<std::size_t>(c)] < 0) {
          ch = c;
          break;
        }
    }
    program[static_cast<std::size_t>(ch)] = prog;
    channel_of[i] = ch;
  }
  for (int c = 0; c < 16; ++c)
    if (program[static_cast<std::size_t>(c)] >= 0) fluid_synth_program_change(synth, c, program[static_cast<std::size_t>(c)]);

  std::vector<Event> events;
  const auto min_frames = static_cast<std::int64_t>(std::ceil(0.010 * rate));
  for (std::size_t i = 0; i < score.parts.size(); ++i)
    for (const Note& n : score.parts[i].notes) {
      if (!std::isfinite(n.start) || !std::isfinite(n.end) || n.pitch < 0 || n.pitch > 127) continue;
      const auto on = std::llround(score_seconds_at(score, std::max(0.0, n.start)) * rate);
      const auto off = std::max(on + min_frames, std::llround(score_seconds_at(score, n.end) * rate));
      events.push_back({on, true, channel_of[i], n.pitch, std::clamp(n.velocity, 1, 127)});
      events.push_back({off, false, channel_of[i], n.pitch, 0});
    }
  // At one frame note-offs go first: a key struck again as it is released sounds again.
  std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    return a.frame != b.frame ? a.frame < b.frame : (!a.on && b.on);
  });

  const std::int64_t total = render_frames(score, options_);
  std::vector<float> buffer(2 * kBlock);
  std::size_t e = 0;
  for (std::int64_t pos = 0; pos < total;) {
    for (; e < events.size() && events[e].frame <= pos; ++e) {
      const Event& ev = events[e];
      if (ev.on) fluid_synth_noteon(synth, ev.channel, ev.key, ev.velocity);
      else fluid_synth_noteoff(synth, ev.channel, ev.key);
    }
    std::int64_t next = std::min<std::int64_t>(total, pos + static_cast<std::int64_t>(kBlock));
    if (e < events.size()) next = std::min(next, events[e].frame);
    const int n = static_cast<int>(next - pos);
    fluid_synth_write_float(synth, n, buffer.data(), 0, 2, buffer.data(), 1, 2);
    sink(buffer.data(), static_cast<std::size_t>(n));
    pos = next;
  }
  // Events at or past the end (with a tail of 0 s): no note-on sounds, every note-off is sent.
  for (; e < events.size(); ++e)
    if (!events[e].on) fluid_synth_noteoff(synth, events[e].channel, events[e].key);
  return total;
}

}  // namespace clara
