// clara generate: continue a prompt (a MIDI file or tokens) with a trained model,
// one token at a time through the inference session, sampled the seed's way or
// with temperature / top-k / top-p, with the grammar guard rails on.
#include <cmath>
#include <fstream>
#include <optional>
#include <iostream>
#include <sstream>

#include "core/encoding/codec.hpp"
#include "core/evaluation/candidate_ranking.hpp"
#include "core/model/classifier/classifier_files.hpp"
#include "core/midi/midi_file.hpp"
#include "tools/clara/cli.hpp"
#include "tools/clara/continuation.hpp"
#include "tools/clara/model_access.hpp"
#include "tools/clara/token_io.hpp"

namespace clara::cli {
namespace fs = std::filesystem;
namespace {

SamplingPolicy parse_policy(const std::string& s) {
  if (s == "seed") return SamplingPolicy::kSeed;
  if (s == "temperature") return SamplingPolicy::kTemperature;
  if (s == "top-k") return SamplingPolicy::kTopK;
  if (s == "top-p") return SamplingPolicy::kTopP;
  throw UsageError("option --policy: '" + s + "' is not seed, temperature, top-k or top-p");
}

// "top-p 0.95 at T 1": the parameters the policy uses.
std::string describe_sampling(const SamplerConfig& c) {
  std::ostringstream os;
  os << model::card_policy_name(c.policy);
  switch (c.policy) {
    case SamplingPolicy::kSeed: os << " top-" << c.top_k << " " << c.random_freq << " of the time"; break;
    case SamplingPolicy::kTopK: os << " " << c.top_k; break;
    case SamplingPolicy::kTopP: os << " " << c.top_p; break;
    case SamplingPolicy::kTemperature: break;
  }
  os << " at T " << c.temperature;
  return os.str();
}

int run(const Args& args) {
  const fs::path out = args.require("--out");
  if (args.has("--prompt") && args.has("--prompt-tokens"))
    throw UsageError("give --prompt or --prompt-tokens, not both");
  const long length = args.get_int("--length", 500, 1, 10'000'000);
  fs::path dir = resolve_model_dir(args.require("--model"));
  const ContinuationModel model(dir);
  const EncodingSpec& spec = model.spec();

  ContinuationRequest request;
  request.length = length;
  if (auto p = args.get("--prompt")) {
    if (!fs::exists(*p)) throw NoInputError(*p + ": no such file");
    try {
      EncodeCounts counts;
      request.prompt = encode_score(read_midi_file(*p), spec, counts);
    } catch (const std::exception& e) {
      throw DataError(e.what());
    }
  } else if (auto p = args.get("--prompt-tokens")) {
    for (auto& line : read_token_lines(*p)) request.prompt.insert(request.prompt.end(), line.begin(), line.end());
  }
  const auto& prompt = request.prompt;

  // Built-in < the model card's [sampling] < flags, key by key.
  SamplerConfig& sc = request.sampler;
  const bool chordwise = spec.encoding == Encoding::chordwise;
  // The seed found top-3 best for notewise and the top choice best for chordwise.
  sc.top_k = chordwise ? 1 : 3;
  sc.random_freq = chordwise ? 0.0 : 0.5;
  const model::CardSampling& card_sampling = model.card().sampling;
  model::apply_card_sampling(card_sampling, {}, sc);
  if (auto p = args.get("--policy")) sc.policy = parse_policy(*p);
  sc.temperature = args.get_double("--temperature", sc.temperature, -1e300, 1e300);
  sc.top_k = static_cast<int>(args.get_int("--top-k", sc.top_k, -1000000, 1000000));
  sc.top_p = args.get_double("--top-p", sc.top_p, -1e300, 1e300);
  sc.random_freq = args.get_double("--random-freq", sc.random_freq, -1e300, 1e300);
  sc.seed = static_cast<std::uint64_t>(args.get_int("--seed", 0, 0, std::numeric_limits<long>::max()));
  try {
    sc.validate();
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  if (!chordwise && !args.flag("--no-guard-rails")) {
    GrammarConfig gc;
    gc.max_note_steps = static_cast<int>(args.get_int("--max-note-steps", 8L * spec.sample_freq, 0, 1'000'000));
    gc.max_polyphony = static_cast<int>(args.get_int("--polyphony", 10, 0, 128));
    request.grammar = gc;
  }
  if (auto p = args.get("--precision")) {
    const auto precision = clara::model::parse_precision(*p);
    if (!precision) throw UsageError("option --precision: '" + *p + "' is not fp32, int8 or auto");
    request.precision = *precision;
  }
  request.device = clara::model::Device::automatic;
  if (auto d = args.get("--device")) {
    const auto device = clara::model::parse_device(*d);
    if (!device) throw UsageError("option --device: '" + *d + "' is not cpu, cuda or auto");
    request.device = *device;
  }
  const long candidates = args.get_int("--candidates", 1, 1, 1024);
  if (candidates > 1 && request.device == clara::model::Device::cuda)
    throw UsageError("--candidates runs Clara's batched CPU step: --device cuda applies to one continuation");
  if (args.has("--critic") && candidates < 2) throw UsageError("--critic ranks candidates: give --candidates N (N >= 2)");
  Continuation result;
  std::string ranking;
  if (candidates > 1) {
    // Best of N: the critic's most human continuation.
    const fs::path critic_dir = resolve_model_dir(args.get_or("--critic", "critic-notewise-piano"));
    std::optional<model::JudgingModel> critic;
    try {
      critic.emplace(critic_dir);
    } catch (const model::ModelFileError& e) {
      throw DataError(e.what());
    }
    if (critic->card().kind != "critic") throw DataError(critic_dir.string() + ": not a critic (classifier.toml: kind)");
    if (!(critic->vocab() == model.vocab()))
      throw DataError(critic_dir.string() + ": reads another vocabulary than " + dir.filename().string());
    const auto window = static_cast<std::size_t>(critic->card().sample_tokens);
    auto all = model.run_candidates(request, static_cast<std::size_t>(candidates));
    std::vector<int> prompt_ids;
    for (const auto& t : request.prompt) prompt_ids.push_back(model.vocab().id(t));
    std::vector<std::vector<int>> windows;
    for (const auto& c : all) {
      std::vector<int> ids;
      for (const auto& t : c) ids.push_back(model.vocab().id(t));
      auto w = critic_window(prompt_ids, ids, window);
      if (!w)
        throw UsageError("the critic reads " + std::to_string(window) + " tokens: make --length plus the prompt (" +
                         std::to_string(request.prompt.size()) + ") at least that");
      windows.push_back(std::move(*w));
    }
    const auto ranked = rank_candidates(critic->probabilities(windows));
    std::ostringstream os;
    os << "  best of " << candidates << " by " << critic_dir.filename().string() << ": candidate "
       << ranked.front().index + 1 << " (seed " << sc.seed + ranked.front().index << ")";
    for (const auto& r : ranked) os << (r.index == ranked.front().index ? " [" : ", ") << "#" << r.index + 1 << " "
                                    << static_cast<int>(std::lround(100 * r.human)) << " %";
    os << " judged human]\n";
    ranking = os.str();
    result.tokens = std::move(all[ranked.front().index]);
    sc.seed += ranked.front().index;
  } else {
    result = model.run(request);
  }
  const auto& generated = result.tokens;
  const std::size_t unknown = result.unknown_prompt_tokens;
  const bool ended = result.ended;

  std::vector<std::string> written = generated;
  if (args.flag("--with-prompt")) written.insert(written.begin(), prompt.begin(), prompt.end());
  if (auto t = args.get("--tokens")) {
    std::ofstream f(*t, std::ios::binary);
    f << join_tokens(written) << '\n';
    if (!f) throw std::runtime_error(*t + ": cannot write");
  }
  DecodeCounts dc;
  DecodeOptions options;
  options.bpm = args.get_double("--tempo", 120.0, 1.0, 1000.0);
  Score score = to_score(parse_tokens(written, spec, dc), spec, options);
  write_midi_file(out, score);
  const bool flags_set_sampling = args.has("--policy") || args.has("--temperature") || args.has("--top-k") ||
                                  args.has("--top-p") || args.has("--random-freq");
  std::cout << "generated " << generated.size() << " tokens with " << dir.filename().string() << " (seed "
            << sc.seed << ", " << describe_sampling(sc)
            << (card_sampling.empty() ? ", built-in" : flags_set_sampling ? ", card and flags" : ", model card")
            << ") after a " << prompt.size() << "-token prompt"
            << (unknown ? " (" + std::to_string(unknown) + " prompt tokens unknown to the model)" : "")
            << (ended ? "; the model ended the piece" : "") << "\n  " << score.note_count() << " notes, "
            << score.length_quarters() << " quarters at " << options.bpm << " bpm -> " << out.string() << "\n";
  if (request.precision != clara::model::Precision::fp32 && candidates == 1)
    std::cout << "  precision " << result.precision.reason << "\n";
  if (candidates == 1) std::cout << "  device " << result.device.reason << "\n";
  std::cout << ranking;
  return kOk;
}

OptionSpec options() {
  return OptionSpec{}
      .valued("--model", "NAME|PATH", "a folder under models/, or a model folder (required)")
      .valued("--prompt", "FILE.mid", "prompt as MIDI")
      .valued("--prompt-tokens", "FILE", "prompt as tokens (not with --prompt)")
      .valued("--out", "OUT.mid", "output MIDI file (required)")
      .valued("--length", "N", "tokens to generate (default 500)")
      .valued("--seed", "S", "random seed (default 0)")
      .valued("--policy", "P", "seed, temperature, top-k or top-p (default: the model card's, else seed)")
      .valued("--temperature", "T", "0.05..5 (default: the card's, else 1)")
      .valued("--top-k", "K", "candidates (default: the card's, else 3; chordwise 1, as the seed advises)")
      .valued("--top-p", "P", "nucleus mass for --policy top-p (default: the card's, else 0.9)")
      .valued("--random-freq", "R",
              "how often the seed policy samples instead of taking the top (default: the card's, else 0.5; chordwise 0)")
      .valued("--max-note-steps", "N", "force a note-off after N grid steps (default 8 quarters; 0 = off)")
      .valued("--polyphony", "N", "at most N notes sounding per instrument (default 10; 0 = off)")
      .flag("--no-guard-rails", "sample raw model output (unmatched ends, double onsets allowed)")
      .flag("--with-prompt", "write the prompt before the continuation")
      .valued("--tokens", "FILE", "also write the tokens")
      .valued("--tempo", "BPM", "tempo of the MIDI file (default 120)")
      .valued("--candidates", "N", "generate N continuations at once and keep the critic's most human (default 1)")
      .valued("--critic", "NAME|PATH", "the critic that ranks --candidates (default critic-notewise-piano)")
      .valued("--precision", "P",
              "fp32 (default), int8 (int8 weights, faster) or auto (int8 where measured faster and as accurate)")
      .valued("--device", "D",
              "cpu (Clara's kernels), cuda (LibTorch on the GPU) or auto (default: the step measured at batch 1 on "
              "each device, the faster; --candidates always runs on the cpu)");
}

}  // namespace

extern const Command generate_command{
    "generate", "continue a prompt with a trained model and write MIDI",
    "Primes the model with the prompt (none: it starts a new piece) and samples N tokens.\n"
    "Sampling defaults to the model card's [sampling] (what the model was measured to sound\n"
    "best with); each flag overrides its key. Without one, the seed's policy: the top token,\n"
    "but with probability R a draw among the top K renormalised at temperature T.\n"
    "Same model, prompt and seed: same output.\n"
    "--candidates N samples N continuations in one batch (seeds S..S+N-1, each exactly --length\n"
    "tokens) and keeps the one --critic judges most human, on the last tokens it reads of prompt and\n"
    "continuation; the report lists every candidate's score.\n",
    options(), run};

}  // namespace clara::cli
