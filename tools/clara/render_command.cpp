// clara render: a piece to a WAV file, offline, through FluidSynth and a General
// MIDI SoundFont, each part on its own program.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <iostream>

#include "core/render/audio_render.hpp"
#include "tools/clara/cli.hpp"
#include "tools/clara/score_input.hpp"
#include "tools/clara/soundfont_search.hpp"
#include "tools/clara/wav_render.hpp"

namespace clara::cli {
namespace fs = std::filesystem;
namespace {

int run(const Args& args) {
  const std::string input = args.positional()[0];
  const std::string out = args.require("--out");
  std::string ext = fs::path(out).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  if (ext != ".wav") throw UsageError("option --out: '" + out + "': clara render writes WAV files (.wav)");
  AudioRenderOptions o;
  o.sample_rate = static_cast<int>(args.get_int("--sample-rate", o.sample_rate, 8000, 96000));
  o.release_seconds = args.get_double("--tail", o.release_seconds, 0, 60);
  o.gain = args.get_double("--gain", o.gain, 0.01, 10);

  const Score score = read_score_input(args, input);
  fs::path font;
  if (auto given = args.get("--soundfont")) {
    font = *given;
    if (!fs::exists(font)) throw NoInputError(font.string() + ": no such SoundFont (--soundfont)");
  } else {
    const SoundfontSearch s = find_soundfont();
    if (!s.found)
      throw NoInputError("no SoundFont found (looked at " + s.looked_at_text() +
                         "): install Debian's fluid-soundfont-gm, or pass --soundfont PATH");
    font = *s.found;
  }
  WavResult r;
  try {
    r = render_wav(score, font, o, out);
  } catch (const SoundfontError& e) {
    throw DataError(e.what());
  } catch (const WavWriteError& e) {
    std::cerr << "clara render: " << e.what() << "\n";
    return kCantCreate;
  }
  std::cout << "rendered " << input << " (" << score.note_count() << " notes) with " << font.string() << " -> "
            << out << ": " << std::round(r.seconds * 100) / 100 << " s at " << o.sample_rate << " Hz (the last note's end + "
            << o.release_seconds << " s tail), peak " << std::round(20 * std::log10(std::max(r.peak, 1e-9)) * 10) / 10
            << " dBFS" << (r.peak > 1 ? " (clipped: lower --gain)" : "") << "\n";
  return kOk;
}

OptionSpec options() {
  OptionSpec o;
  o.positional("PIECE", "a MIDI file, or a token file (decoded first; - for standard input)", 1, 1)
      .valued("--out", "FILE.wav", "the audio file (required): 16-bit stereo WAV")
      .valued("--soundfont", "PATH", "SoundFont (.sf2/.sf3) to play with (default: searched, see below)")
      .valued("--sample-rate", "HZ", "8000..96000 (default 44100)")
      .valued("--tail", "SECONDS", "rendered after the last note ends, for release and reverb (default 2)")
      .valued("--gain", "G", "FluidSynth's master gain (default 0.3)");
  add_score_input_options(o);
  return o;
}

}  // namespace

extern const Command render_command{
    "render", "a piece to a WAV file through FluidSynth (offline)",
    "Plays a piece (MIDI, or tokens decoded as `clara decode` would) through FluidSynth with a\n"
    "General MIDI SoundFont, faster than real time and with no audio device, into a 16-bit stereo\n"
    "WAV file. Each part plays the program its track chose (its first program change; channel 10\n"
    "is percussion); two parts on one channel with different programs are given separate\n"
    "channels. The file lasts from 0 to the last note's end plus --tail.\n\n"
    "The SoundFont: --soundfont PATH, else the first found of CLARA_SOUNDFONT_PATH's entries\n"
    "(colon-separated files or folders) when it is set, else /usr/share/sounds/sf2/FluidR3_GM.sf2\n"
    "(Debian's fluid-soundfont-gm), /usr/share/sounds/sf2/default-GM.sf2,\n"
    "/usr/share/soundfonts/FluidR3_GM.sf2, /usr/share/soundfonts/default.sf2,\n"
    "/usr/share/sounds/sf3/default-GM.sf3. None found: exit 66, naming where it looked.\n",
    options(), run};

}  // namespace clara::cli
