#pragma once
// `clara demo`: a real duet on real ports, on a machine with no MIDI hardware.
// Starts a JACK dummy server if none runs, starts clarad with the default model,
// plays the shipped phrase into clara:midi_in as a person would, records what
// Clara plays back, writes the duet as MIDI, as a piano-roll picture and (with a
// SoundFont installed) as audio, prints the reaction and timing figures, and stops
// everything it started.
#include <filesystem>
#include <string>

namespace clara::cli {

struct LiveDemoOptions {
  std::filesystem::path sample;            // the phrase file
  std::string model = "notewise-piano";
  std::filesystem::path out_midi = "demo-duet.mid";
  std::filesystem::path out_png = "demo-duet.png";  // the piano roll
  std::filesystem::path out_wav = "demo-duet.wav";  // written when a SoundFont is found
  std::string server;                      // JACK server; empty: default, or our own dummy one
  unsigned seed = 0;
  // --follow: clarad runs with --sync follow (still configured at 120 bpm) and the sample is
  // played at its own tempo drifting +-3 % (a sine over 24 beats), so Clara must find the
  // human's tempo; the demo prints the tempo she followed.
  bool follow = false;
};

// Returns an exit code; prints what it does. Throws NoInputError / DataError.
int run_live_demo(const LiveDemoOptions& options);

}  // namespace clara::cli
