// clara demo: Clara's main job on its defaults. Until the real-time daemon
// exists this shows the foundation: the shipped sample encoded to notewise
// tokens and decoded back, with a check that every note survived.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>

#include "core/encoding/codec.hpp"
#include "core/install/data_dirs.hpp"
#include "core/midi/midi_file.hpp"
#include "tools/clara/cli.hpp"
#include "tools/clara/live_demo.hpp"
#ifdef CLARA_HAVE_MODEL
#include "tools/clara/continuation.hpp"
#include "tools/clara/model_access.hpp"
#endif

namespace clara::cli {
namespace fs = std::filesystem;
namespace {

constexpr const char* kSample = "anna-magdalena-20a.mid";

// samples/ in the first data folder that has the sample (core/install/data_dirs.hpp); when
// none has it, the path in the last one, so the error names where it should be.
fs::path default_sample() {
  const auto dirs = process_data_dirs();
  for (const auto& d : dirs)
    if (fs::exists(d / "samples" / kSample)) return d / "samples" / kSample;
  return dirs.back() / "samples" / kSample;
}

#ifdef CLARA_HAVE_MODEL
// Clara's part of the demo: the default model continues the sample, and both go
// into one file, the sample on one track and Clara on the next.
int continue_with_model(const Args& args, const std::vector<std::string>& prompt, const GridPiece& human,
                        const EncodingSpec& spec, double bpm) {
  const std::string name = args.get_or("--model", "notewise-piano");
  fs::path dir;
  try {
    dir = resolve_model_dir(name);
  } catch (const NoInputError& e) {
    std::cout << "  no model to continue with: " << e.what() << "\n";
    return kOk;
  }
  const ContinuationModel model(dir);
  if (!(model.spec() == spec)) throw DataError(dir.string() + ": the demo needs a notewise piano model");
  ContinuationRequest request;
  request.prompt = prompt;
  request.length = args.get_int("--length", 400, 1, 100000);
  request.sampler.seed = static_cast<std::uint64_t>(args.get_int("--seed", 0, 0, 1L << 40));
  request.sampler.top_k = 3;
  GrammarConfig rails;
  rails.max_note_steps = 8 * spec.sample_freq;
  rails.max_polyphony = 10;
  request.grammar = rails;
  const Continuation c = model.run(request);

  DecodeCounts dc;
  GridPiece clara = parse_tokens(c.tokens, spec, dc);
  for (auto& n : clara.notes) n.start += human.steps;
  clara.steps = human.steps + std::max<std::int64_t>(clara.steps, 0);
  Score duet = to_score(human, spec, DecodeOptions{bpm, 80, {}});
  Score answer = to_score(clara, spec, DecodeOptions{bpm, 80, {}});
  duet.parts[0].name = "human";
  answer.parts[0].name = "Clara (" + dir.filename().string() + ")";
  answer.parts[0].channel = 1;
  duet.parts.push_back(answer.parts[0]);
  const fs::path out = args.get_or("--duet", "demo-continuation.mid");
  write_midi_file(out, duet);
  std::cout << "  " << dir.filename().string() << " continued it with " << c.tokens.size() << " tokens ("
            << answer.note_count() << " notes, " << static_cast<double>(clara.steps - human.steps) / spec.sample_freq
            << " quarters; seed " << request.sampler.seed << ", top-3 half the time)"
            << "; " << c.seconds_per_step * 1e6 << " us per token on this machine\n"
            << "  piece + Clara's continuation on two tracks -> " << out.string() << "\n";
  return kOk;
}
#endif

int run(const Args& args) {
  if (!args.flag("--offline")) {
    LiveDemoOptions o;
    o.sample = args.get_or("--input", default_sample().string());
    o.model = args.get_or("--model", o.model);
    o.out_midi = args.get_or("--duet", "demo-duet.mid");
    o.out_png = fs::path(o.out_midi).replace_extension(".png");
    o.out_wav = fs::path(o.out_midi).replace_extension(".wav");
    o.server = args.get_or("--server", "");
    o.seed = static_cast<unsigned>(args.get_int("--seed", 0, 0, 1L << 30));
    o.follow = args.flag("--follow");
    return run_live_demo(o);
  }
  fs::path input = args.get_or("--input", default_sample().string());
  fs::path out = args.get_or("--out", "demo-roundtrip.mid");
  if (!fs::exists(input)) throw NoInputError(input.string() + ": no such file");
  auto t0 = std::chrono::steady_clock::now();
  Score score;
  try {
    score = read_midi_file(input);
  } catch (const MidiFileError& e) {
    throw DataError(e.what());
  }
  EncodingSpec spec = EncodingSpec::defaults(Encoding::notewise);
  EncodeCounts ec;
  GridPiece grid = quantise(score, spec, ec);
  auto tokens = encode(grid, spec);
  DecodeCounts dc;
  GridPiece back = parse_tokens(tokens, spec, dc);
  const double bpm = score.tempo_map.empty() ? 120.0 : score.tempo_map[0].bpm;
  Score decoded = to_score(back, spec, DecodeOptions{bpm, 80, {}});
  write_midi_file(out, decoded);
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();

  std::cout << "clara demo: " << input.filename().string() << " (" << score.parts.size() << " parts, "
            << score.note_count() << " notes, " << score.length_quarters() << " quarters)\n"
            << "  encoded to " << tokens.size() << " notewise tokens at " << spec.sample_freq
            << " steps per quarter; the first bars:\n   ";
  for (std::size_t i = 0; i < std::min<std::size_t>(tokens.size(), 24); ++i) std::cout << ' ' << tokens[i];
  std::cout << " ...\n";
  if (ec.merged)
    std::cout << "  " << ec.merged << " same-pitch notes sounding at once merged (the grid holds one per pitch)\n";
  if (ec.folded) std::cout << "  " << ec.folded << " notes folded by octaves into MIDI 33-94\n";
  bool same = back == grid;
  std::cout << "  decoded back: " << decoded.note_count() << " notes -> " << out.string() << "\n"
            << "  round trip " << (same ? "exact: every note's pitch, start and end on the grid survived"
                                        : "DIFFERS from the quantised input")
            << " (" << ms << " ms)\n";
  if (!same) return kSoftware;
#ifdef CLARA_HAVE_MODEL
  return continue_with_model(args, tokens, grid, spec, bpm);
#else
  std::cout << "  (built without LibTorch: no model to continue the piece with)\n";
  return kOk;
#endif
}

OptionSpec options() {
  return OptionSpec{}
      .valued("--model", "NAME", "model to play (default notewise-piano)")
      .valued("--input", "FILE.mid", "what the human plays (default: the shipped sample)")
      .valued("--duet", "FILE.mid", "duet / continuation output (default demo-duet.mid; offline demo-continuation.mid)")
      .valued("--seed", "S", "random seed (default 0)")
      .valued("--server", "NAME", "JACK server to use (default: the default server)")
      .flag("--follow", "play the sample with a +-3 % tempo drift to clarad --sync follow (started at 120 bpm) "
                        "and show the tempo Clara followed")
      .flag("--offline", "no ports: encode, decode and continue the sample")
      .valued("--out", "FILE.mid", "offline: the round-tripped sample (default demo-roundtrip.mid)")
      .valued("--length", "N", "offline: tokens to continue (default 400)");
}

}  // namespace

extern const Command demo_command{
    "demo", "show Clara at work on its defaults and shipped sample",
    "A live duet on real JACK ports, with no MIDI hardware needed: starts a JACK dummy server if\n"
    "none runs, starts clarad with the model in answer mode, plays bars 1-4 of the shipped sample\n"
    "(tools/samples/anna-magdalena-20a.mid) into clarad's input as a person would, then bars 5-8\n"
    "while Clara is still answering, records what Clara plays, and writes the duet as MIDI\n"
    "(demo-duet.mid: human and Clara on two tracks), as a piano-roll picture (demo-duet.png) and,\n"
    "when a General MIDI SoundFont is installed (Debian's fluid-soundfont-gm; see `clara render\n"
    "--help`), as audio rendered offline (demo-duet.wav); without one it says where it looked.\n"
    "Prints the reaction at the ports and clarad's timing figures; stops everything it started.\n\n"
    "--offline: no ports; encodes the sample to notewise tokens, decodes it back (checking that\n"
    "every note survived) and lets the model continue it into demo-continuation.mid.\n",
    options(), run};

}  // namespace clara::cli
