// clara coherence: Clara as a duet partner. Held-out phrases are answered through the duet
// engine in answer mode, offline, and the answer is scored against the phrase beside two
// baselines (coherence_run.hpp).
#include <cstdio>
#include <fstream>
#include <iostream>

#include "core/duet/human_key.hpp"
#include "core/model/files/card_sampling.hpp"
#include "core/model/files/model_files.hpp"
#include "core/model/inference/lstm_token_model.hpp"
#include "tools/clara/cli.hpp"
#include "tools/clara/coherence_run.hpp"
#include "tools/clara/duet_answer.hpp"
#include "tools/clara/held_out_pieces.hpp"
#include "tools/clara/model_access.hpp"
#include "tools/clara/progress.hpp"

namespace clara::cli {
namespace fs = std::filesystem;
namespace {

int run(const Args& args) {
  const fs::path dir = resolve_model_dir(args.require("--model"));
  const bool corpus = args.has("--corpus");
  if (corpus == args.has("--files"))
    throw UsageError("give --corpus DIR or --files FILE..., one of them");
  if (!corpus && args.has("--split")) throw UsageError("--split only applies with --corpus");
  CoherenceOptions o;
  o.phrase_beats = args.get_double("--phrase-beats", 16, 1, 256);
  o.answer_beats = args.get_double("--answer-beats", 0, 0, 256);
  o.samples = static_cast<std::size_t>(args.get_int("--samples", 0, 0, 1000000));
  o.seed = static_cast<std::uint64_t>(args.get_int("--seed", 0, 0, 1L << 40));
  o.bootstrap.seed = o.seed;
  o.bootstrap.resamples = static_cast<int>(args.get_int("--resamples", 1000, 1, 1000000));

  model::LoadedModel loaded;
  try {
    loaded = model::load_model_folder(dir);
  } catch (const model::ModelFileError& e) {
    throw DataError(e.what());
  }
  const EncodingSpec spec = spec_of(loaded.card);
  if (spec.parts.entries.size() != 1)
    throw DataError(dir.string() +
                    ": duet coherence plays the phrase as one part; this model has " +
                    std::to_string(spec.parts.entries.size()));

  std::vector<fs::path> files;
  std::vector<std::string> names;
  std::string source;
  if (corpus) {
    const fs::path root = args.require("--corpus");
    if (!fs::is_directory(root)) throw NoInputError(root.string() + ": not a folder");
    const HeldOutPieces h = held_out_pieces(
        root, dir, parse_held_out(args.get_or("--split", "test")), SplitOptions{}, spec);
    files = h.files;
    names = h.relative;
    source = h.source;
  } else {
    std::string list = args.require("--files");
    for (const auto& p : args.positional()) list += "," + p;
    std::size_t at = 0;
    while (at <= list.size()) {
      const std::size_t comma = std::min(list.find(',', at), list.size());
      const std::string f = list.substr(at, comma - at);
      if (!f.empty()) {
        if (!fs::exists(f)) throw NoInputError(f + ": no such file");
        files.emplace_back(f);
        names.push_back(f);
      }
      at = comma + 1;
    }
    source = "the files given";
  }
  if (files.empty()) throw NoInputError("no pieces to take phrases from (" + source + ")");

  model::LstmTokenModel lm(*loaded.model);
  // As clarad plays it when nothing overrides: the card's sampling, else the built-in one.
  o.sampler.key_keeping = kDefaultKeyKeeping;  // clarad's built-in
  model::apply_card_sampling(loaded.card.sampling, {}, o.sampler);
  if (args.has("--key-keeping"))
    o.sampler.key_keeping = args.get_double("--key-keeping", 0, 0, SamplerConfig::kMaxKeyKeeping);
  std::string sampling =
      loaded.card.sampling.empty()
          ? "built-in sampling"
          : "the card's sampling (" + loaded.card.sampling.describe() + ")";
  char strength[32];
  std::snprintf(strength, sizeof strength, "%g", o.sampler.key_keeping);
  sampling += std::string(", key_keeping ") + strength;

  const std::size_t expected = o.samples ? std::min(o.samples, files.size()) : files.size();
  Progress progress("coherence", expected, "phrases");
  const CoherenceResult r =
      run_coherence(lm, loaded.vocab, spec, files, names, o, [&] { progress.advance(); });
  progress.finish();

  const double answer_beats = o.answer_beats > 0 ? o.answer_beats : o.phrase_beats;
  std::printf(
      "duet coherence of %s: %zu phrases (the first %g beats of each piece, answered for %g "
      "beats), seed %llu\n",
      dir.filename().string().c_str(), r.rows.size(), o.phrase_beats, answer_beats,
      static_cast<unsigned long long>(o.seed));
  std::printf("  %s; answer mode, %g-beat phrase-end silence\n", sampling.c_str(),
              DuetAnswerOptions{}.silence_beats);
  std::printf("  pieces: %s; %zu read, %zu too short%s\n", source.c_str(), r.pieces_read,
              r.pieces_too_short,
              r.pieces_unreadable
                  ? (", " + std::to_string(r.pieces_unreadable) + " unreadable").c_str()
                  : "");
  std::fputs(format_table(r).c_str(), stdout);

  if (auto p = args.get("--json")) {
    nlohmann::json j = to_json(r);
    j["model"] = dir.filename().string();
    j["pieces_from"] = source;
    j["phrase_beats"] = o.phrase_beats;
    j["answer_beats"] = answer_beats;
    j["seed"] = o.seed;
    j["bootstrap_resamples"] = o.bootstrap.resamples;
    j["sampling"] = sampling;
    j["key_keeping"] = o.sampler.key_keeping;
    std::ofstream f(*p);
    f << j.dump(1) << "\n";
    if (!f) throw std::runtime_error(*p + ": cannot write");
    std::printf("wrote %s\n", p->c_str());
  }
  return kOk;
}

OptionSpec options() {
  return OptionSpec{}
      .valued("--model", "NAME|PATH", "the model that answers (required)")
      .valued("--corpus", "DIR",
              "take the held-out pieces of this corpus (the one the model was encoded from)")
      .valued("--split", "NAME", "with --corpus: test (default), valid, or held-out (both)")
      .valued("--files", "FILE[,FILE...]",
              "take these MIDI files instead (more may follow as arguments)")
      .positional("FILE", "more files for --files", 0, 100000)
      .valued("--phrase-beats", "B",
              "the phrase: the first B beats (quarters) of each piece (default 16)")
      .valued("--answer-beats", "B",
              "how long the answer and both baselines are (default: as the phrase)")
      .valued("--samples", "N", "at most N phrases, the pieces in path order (default: all)")
      .valued("--seed", "S",
              "seed of Clara's sampling, the random passages and the bootstrap (default 0)")
      .valued("--key-keeping", "K",
              "strength of the key-keeping bias, 0..16 (default: the card's, else 1.5 as clarad; "
              "0 = off)")
      .valued("--resamples", "N",
              "bootstrap resamples for the key-agreement interval (default 1000)")
      .valued("--json", "FILE", "write the summary and every phrase's scores as JSON");
}

}  // namespace

extern const Command coherence_command{
    "coherence", "Clara as a duet partner: her answers to held-out phrases vs two baselines",
    "For each held-out piece, the phrase is its first --phrase-beats beats; the model answers it\n"
    "through the duet engine in answer mode, offline, with clarad's default phrasing and the "
    "sampling it would use\n(the model card's, else the built-in).\n"
    "Its answer, the piece's true continuation and a random passage of another held-out piece "
    "(all\n"
    "as long) are compared with the phrase: key agreement (Krumhansl-Schmuckler; same key or a\n"
    "closely related one), pitch-class histogram distance (Jensen-Shannon, bits), note density "
    "and\n"
    "register continuity. Held-out pieces: with --corpus, those the model's data-manifest.toml "
    "puts\n"
    "in the test split (or, without one, the split `clara encode --corpus` makes with its "
    "defaults).\n"
    "Deterministic for a seed. docs/evaluation.md defines every figure.\n",
    options(), run};

}  // namespace clara::cli
