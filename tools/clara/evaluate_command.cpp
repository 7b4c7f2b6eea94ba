// clara evaluate: one report on a generator (issue 14). On the held-out (test) pieces of the
// corpus it was encoded from: NLL and accuracy beside its 5-gram; N generations (continuations
// of human test prompts with the card's sampling) judged by the critic (share judged human)
// and the composer classifier (inception score beside the human test passages', composer
// distribution); duet coherence against both baselines; music statistics of the generations
// beside the human passages. Deterministic for a seed.
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <sstream>

#include "core/evaluation/inception_score.hpp"
#include "core/evaluation/note_statistics.hpp"
#include "core/evaluation/pitch_class_histogram.hpp"
#include "core/evaluation/style_features.hpp"
#include "core/generation/ngram_model.hpp"
#include "core/model/classifier/classifier_files.hpp"
#include "core/duet/human_key.hpp"
#include "core/model/files/card_sampling.hpp"
#include "core/model/files/model_files.hpp"
#include "core/model/inference/batched_generation.hpp"
#include "core/model/inference/lstm_token_model.hpp"
#include "tools/clara/cli.hpp"
#include "tools/clara/coherence_run.hpp"
#include "tools/clara/held_out_pieces.hpp"
#include "tools/clara/judging_data.hpp"
#include "tools/clara/lm_score.hpp"
#include "tools/clara/model_access.hpp"
#include "tools/clara/progress.hpp"

namespace clara::cli {
namespace fs = std::filesystem;
namespace {

model::JudgingModel load_judge(const std::string& name, const std::string& kind, const Vocabulary& vocab) {
  const fs::path dir = resolve_model_dir(name);
  try {
    model::JudgingModel j(dir);
    if (j.card().kind != kind)
      throw DataError(dir.string() + ": a " + j.card().kind + ", not a " + kind + " (classifier.toml: kind)");
    if (!(j.vocab() == vocab))
      throw DataError(dir.string() + ": reads another vocabulary than the model evaluated");
    return j;
  } catch (const model::ModelFileError& e) {
    throw DataError(e.what());
  }
}

struct MusicStats {
  double density = 0, polyphony = 0, mean_length = 0;
  std::array<double, 6> length_shares{};
  PitchClassHistogram pitch_classes{};
  std::size_t samples = 0;
};

MusicStats music_stats(const std::vector<std::vector<int>>& samples, const Vocabulary& vocab,
                       const EncodingSpec& spec) {
  MusicStats m;
  std::size_t poly_n = 0, len_n = 0;
  for (const auto& s : samples) {
    std::vector<std::string> tokens;
    for (int id : s) tokens.push_back(vocab.token(id));
    double beats = 0;
    const auto notes = notes_of_tokens(tokens, spec, &beats);
    m.density += note_density(notes, beats);
    if (auto p = polyphony(notes)) m.polyphony += *p, ++poly_n;
    if (auto d = note_length_distribution(notes)) {
      for (std::size_t k = 0; k < 6; ++k) m.length_shares[k] += d->shares[k];
      m.mean_length += d->mean;
      ++len_n;
    }
    const auto h = pitch_class_histogram(notes);
    for (std::size_t k = 0; k < 12; ++k) m.pitch_classes[k] += h[k] * static_cast<double>(notes.size());
  }
  m.samples = samples.size();
  if (!samples.empty()) m.density /= static_cast<double>(samples.size());
  if (poly_n) m.polyphony /= static_cast<double>(poly_n);
  if (len_n) {
    for (auto& x : m.length_shares) x /= static_cast<double>(len_n);
    m.mean_length /= static_cast<double>(len_n);
  }
  double total = 0;
  for (double x : m.pitch_classes) total += x;
  if (total > 0)
    for (auto& x : m.pitch_classes) x /= total;
  return m;
}

nlohmann::json stats_json(const MusicStats& m) {
  return {{"samples", m.samples},           {"density_notes_per_beat", m.density}, {"polyphony", m.polyphony},
          {"mean_note_beats", m.mean_length}, {"note_length_shares", m.length_shares},
          {"pitch_class_histogram", m.pitch_classes}};
}

std::vector<double> mean_row(const ProbabilityRows& rows) {
  std::vector<double> m(rows.empty() ? 0 : rows.front().size(), 0.0);
  for (const auto& r : rows)
    for (std::size_t k = 0; k < r.size(); ++k) m[k] += r[k] / static_cast<double>(rows.size());
  return m;
}

std::vector<std::size_t> top_counts(const ProbabilityRows& rows) {
  std::vector<std::size_t> n(rows.empty() ? 0 : rows.front().size(), 0);
  for (const auto& r : rows) ++n[static_cast<std::size_t>(std::max_element(r.begin(), r.end()) - r.begin())];
  return n;
}

std::string pct(double x) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f %%", 100 * x);
  return b;
}
std::string num(double x, int digits = 3) {
  char b[32];
  std::snprintf(b, sizeof b, "%.*f", digits, x);
  return b;
}

int run(const Args& args) {
  const fs::path dir = resolve_model_dir(args.require("--model"));
  const fs::path corpus = args.require("--corpus");
  const auto n = static_cast<std::size_t>(args.get_int("--samples", 200, 2, 100000));
  const auto seed = static_cast<std::uint64_t>(args.get_int("--seed", 0, 0, 1L << 40));
  const int threads = static_cast<int>(args.get_int("--threads", 0, 0, 256));
  const auto prompt_tokens = static_cast<std::size_t>(args.get_int("--prompt-tokens", 64, 1, 4096));
  const auto phrases = static_cast<std::size_t>(args.get_int("--phrases", 0, 0, 100000));
  const HeldOut held = parse_held_out(args.get_or("--split", "test"));
  const std::string split_words = held == HeldOut::test ? "test" : held == HeldOut::valid ? "valid" : "test and valid";
  BootstrapOptions boot;
  boot.seed = seed;
  boot.resamples = static_cast<int>(args.get_int("--resamples", 1000, 1, 1000000));

  model::LoadedModel gen;
  try {
    gen = model::load_model_folder(dir);
  } catch (const model::ModelFileError& e) {
    throw DataError(e.what());
  }
  const EncodingSpec spec = spec_of(gen.card);
  const auto critic = load_judge(args.get_or("--critic", "critic-notewise-piano"), "critic", gen.vocab);
  const auto composer = load_judge(args.get_or("--composer", "composer-notewise-piano"), "composer", gen.vocab);
  const auto L = static_cast<std::size_t>(std::max(critic.card().sample_tokens, composer.card().sample_tokens));
  auto cut = [](const std::vector<std::vector<int>>& s, std::size_t len) {
    std::vector<std::vector<int>> out;
    for (const auto& x : s) out.emplace_back(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(len));
    return out;
  };

  // The held-out pieces, in their own key.
  const LabelledCorpus lc = labelled_corpus(corpus, dir, spec);
  std::vector<LabelledPiece> test;
  for (const auto& p : lc.pieces)
    if ((p.split == Split::test && held != HeldOut::valid) || (p.split == Split::valid && held != HeldOut::test))
      test.push_back(p);
  if (test.empty()) throw DataError(lc.source + ": no " + split_words + " pieces");
  const auto pieces = encode_pieces(corpus, test, spec, gen.vocab, threads);
  ClassChoice all;
  all.classes = {"human", "generated"};
  all.grouped_other = true;  // every label is human here
  // Every held-out split asked for (valid and test pieces are both read in their own key only).
  auto held_chunks = [&](std::size_t length) {
    std::vector<ChunkRef> out;
    for (Split s : {Split::valid, Split::test}) {
      if ((s == Split::test && held == HeldOut::valid) || (s == Split::valid && held == HeldOut::test)) continue;
      auto c = cut_chunks(pieces, s, length, all);
      out.insert(out.end(), c.begin(), c.end());
    }
    return out;
  };
  std::vector<ChunkRef> human_chunks = held_chunks(L);
  for (auto& c : human_chunks) c.label = 0;
  if (human_chunks.empty())
    throw DataError(lc.source + ": no " + split_words + " piece is " + std::to_string(L + 2) + " tokens long");
  std::vector<std::vector<int>> human;
  for (const auto& c : human_chunks) human.push_back(chunk_tokens(pieces, c, L));

  // 1. Held-out NLL beside the 5-gram.
  std::vector<std::vector<int>> lines;
  for (const auto& p : pieces) lines.push_back(p.keys.front());
  if (threads > 0) set_torch_threads(threads);
  const LmScore lm = score_model(*gen.model, lines);
  std::optional<NgramEvaluation> ngram;
  if (fs::exists(dir / "baseline.ngram")) {
    try {
      ngram = NgramModel::load(dir / "baseline.ngram").evaluate(lines);
    } catch (const std::exception& e) {
      throw DataError(e.what());
    }
  }

  // 2. Generations: continuations of human test prompts with the card's sampling.
  SamplerConfig sc;
  model::apply_card_sampling(gen.card.sampling, {}, sc);
  std::vector<model::GenerationStream> streams;
  std::mt19937_64 rng(seed);
  std::vector<ChunkRef> prompts = held_chunks(prompt_tokens);
  for (std::size_t i = 0; i < n; ++i) {
    model::GenerationStream s;
    s.prompt = chunk_tokens(pieces, prompts[rng() % prompts.size()], prompt_tokens);
    s.sampler = sc;
    s.sampler.seed = seed * 1000003 + i;
    streams.push_back(std::move(s));
  }
  std::vector<std::vector<int>> generated;
  GrammarConfig grammar;
  grammar.max_note_steps = 8 * spec.sample_freq;
  grammar.max_polyphony = 10;
  {
    Progress progress("generating", n, "samples");
    for (std::size_t first = 0; first < n; first += 64) {
      std::vector<model::GenerationStream> batch(streams.begin() + static_cast<std::ptrdiff_t>(first),
                                                 streams.begin() + static_cast<std::ptrdiff_t>(std::min(n, first + 64)));
      for (auto& g : model::generate_batch(*gen.model, gen.vocab, batch, L, grammar)) generated.push_back(std::move(g));
      progress.advance(batch.size());
    }
    progress.finish();
  }

  // 3. The judges.
  const auto crit_gen = critic.probabilities(cut(generated, static_cast<std::size_t>(critic.card().sample_tokens)));
  const auto crit_hum = critic.probabilities(cut(human, static_cast<std::size_t>(critic.card().sample_tokens)));
  auto judged_human = [](const ProbabilityRows& r) {
    double k = 0;
    for (const auto& p : r) k += p[0] > 0.5;
    return k / static_cast<double>(r.size());
  };
  const auto comp_gen = composer.probabilities(cut(generated, static_cast<std::size_t>(composer.card().sample_tokens)));
  const auto comp_hum = composer.probabilities(cut(human, static_cast<std::size_t>(composer.card().sample_tokens)));
  const InceptionScore is_gen = inception_score_with_interval(comp_gen, boot);
  const InceptionScore is_hum = inception_score_with_interval(comp_hum, boot);

  // 4. Duet coherence on the test pieces.
  CoherenceOptions co;
  co.seed = seed;
  co.samples = phrases;
  co.bootstrap = boot;
  co.sampler.key_keeping = kDefaultKeyKeeping;  // as clarad plays: the key-keeping bias on
  model::apply_card_sampling(gen.card.sampling, {}, co.sampler);
  if (args.has("--key-keeping"))
    co.sampler.key_keeping = args.get_double("--key-keeping", 0, 0, SamplerConfig::kMaxKeyKeeping);
  std::vector<fs::path> files;
  std::vector<std::string> names;
  for (const auto& p : test) files.push_back(corpus / p.path), names.push_back(p.path);
  model::LstmTokenModel token_model(*gen.model);
  CoherenceResult coherence;
  std::string coherence_missing;  // why it could not be measured (too few long pieces)
  {
    Progress progress("coherence", phrases ? std::min(phrases, files.size()) : files.size(), "phrases");
    try {
      coherence = run_coherence(token_model, gen.vocab, spec, files, names, co, [&] { progress.advance(); });
    } catch (const DataError& e) {
      coherence_missing = e.what();
    }
    progress.finish();
  }

  // 5. Music statistics.
  const MusicStats ms_gen = music_stats(generated, gen.vocab, spec), ms_hum = music_stats(human, gen.vocab, spec);
  const double pc_js = jensen_shannon_distance(ms_gen.pitch_classes, ms_hum.pitch_classes).value_or(NAN);

  const double tokens = static_cast<double>(lm.tokens);
  nlohmann::json j;
  j["model"] = dir.filename().string();
  j["seed"] = seed;
  j["held_out"] = {{"source", lc.source}, {"split", args.get_or("--split", "test")}, {"pieces", pieces.size()}, {"human_passages", human.size()},
                   {"passage_tokens", L}};
  j["language_model"] = {{"tokens", lm.tokens}, {"nll", lm.nll / tokens}, {"top1", static_cast<double>(lm.top1) / tokens},
                         {"top3", static_cast<double>(lm.top3) / tokens}};
  if (ngram) j["language_model"]["baseline_nll"] = ngram->mean_nll(), j["language_model"]["baseline_top1"] = ngram->top1_accuracy();
  j["generations"] = {{"samples", n}, {"tokens_each", L}, {"prompt_tokens", prompt_tokens},
                      {"sampling", gen.card.sampling.empty() ? "built-in" : gen.card.sampling.describe()}};
  j["critic"] = {{"model", critic.folder().filename().string()},
                 {"generated_judged_human", judged_human(crit_gen)},
                 {"human_judged_human", judged_human(crit_hum)}};
  j["inception_score"] = {{"composer_model", composer.folder().filename().string()},
                          {"classes", composer.card().classes},
                          {"generated", is_gen.score},
                          {"generated_ci95", {is_gen.interval.low, is_gen.interval.high}},
                          {"human", is_hum.score},
                          {"human_ci95", {is_hum.interval.low, is_hum.interval.high}},
                          {"ratio", is_gen.score / is_hum.score},
                          {"generated_composer_mean", mean_row(comp_gen)},
                          {"generated_composer_top", top_counts(comp_gen)},
                          {"human_composer_mean", mean_row(comp_hum)}};
  j["coherence"] = coherence_missing.empty() ? to_json(coherence) : nlohmann::json{{"not_measured", coherence_missing}};
  j["coherence"]["key_keeping"] = co.sampler.key_keeping;
  j["music"] = {{"generated", stats_json(ms_gen)}, {"human", stats_json(ms_hum)}, {"pitch_class_js_bits", pc_js}};

  std::ostringstream md;
  md << "## `clara evaluate --model " << dir.filename().string() << "` (seed " << seed << ")\n\n";
  md << "Held out: " << pieces.size() << " " << split_words << " pieces (" << lc.source << "); " << n << " generations of " << L
     << " tokens after a " << prompt_tokens << "-token human prompt, sampling: "
     << j["generations"]["sampling"].get<std::string>() << "; " << human.size() << " human passages of " << L
     << " tokens.\n\n";
  md << "| measure | " << dir.filename().string() << " | reference |\n|---|---|---|\n";
  md << "| held-out NLL (nats/token) | " << num(lm.nll / tokens, 4) << " | 5-gram "
     << (ngram ? num(ngram->mean_nll(), 4) : std::string("-")) << " |\n";
  md << "| top-1 accuracy | " << pct(static_cast<double>(lm.top1) / tokens) << " | 5-gram "
     << (ngram ? pct(ngram->top1_accuracy()) : std::string("-")) << " |\n";
  md << "| judged human by the critic | " << pct(judged_human(crit_gen)) << " | human passages "
     << pct(judged_human(crit_hum)) << " |\n";
  md << "| inception score (95 % CI) | " << num(is_gen.score, 2) << " (" << num(is_gen.interval.low, 2) << ".."
     << num(is_gen.interval.high, 2) << ") | human " << num(is_hum.score, 2) << " (" << num(is_hum.interval.low, 2)
     << ".." << num(is_hum.interval.high, 2) << "); ratio " << num(is_gen.score / is_hum.score, 2) << " |\n";
  if (coherence_missing.empty())
    md << "| duet coherence: key same or related (" << coherence.rows.size() << " phrases, key_keeping "
       << co.sampler.key_keeping << ") | "
       << pct(coherence.clara.related_key_rate) << " | true continuation " << pct(coherence.human.related_key_rate)
       << ", random passage " << pct(coherence.random.related_key_rate) << " |\n";
  else
    md << "| duet coherence | not measured: " << coherence_missing << " | |\n";
  md << "| pitch-class JS distance to the human passages | " << num(pc_js, 4) << " | 0 |\n";
  md << "| note density (notes/beat) | " << num(ms_gen.density, 2) << " | " << num(ms_hum.density, 2) << " |\n";
  md << "| polyphony | " << num(ms_gen.polyphony, 2) << " | " << num(ms_hum.polyphony, 2) << " |\n";
  md << "| mean note length (beats) | " << num(ms_gen.mean_length, 3) << " | " << num(ms_hum.mean_length, 3) << " |\n";
  md << "\nComposer distribution (mean probability; generations / human passages):\n\n| composer | generated | human |\n|---|---|---|\n";
  const auto mg = mean_row(comp_gen), mh = mean_row(comp_hum);
  for (std::size_t k = 0; k < composer.card().classes.size(); ++k)
    md << "| " << composer.card().classes[k] << " | " << pct(mg[k]) << " | " << pct(mh[k]) << " |\n";
  md << "\nNote lengths (share of notes; generated / human): ";
  const char* bands[] = {"<1/4", "1/4-1/2", "1/2-1", "1-2", "2-4", ">=4"};
  for (std::size_t k = 0; k < 6; ++k)
    md << bands[k] << " " << pct(ms_gen.length_shares[k]) << " / " << pct(ms_hum.length_shares[k])
       << (k < 5 ? "; " : "\n");

  std::cout << md.str();
  if (auto p = args.get("--json")) {
    std::ofstream f(*p);
    f << j.dump(1) << "\n";
    if (!f) throw std::runtime_error(*p + ": cannot write");
  }
  if (auto p = args.get("--markdown")) {
    std::ofstream f(*p);
    f << md.str();
    if (!f) throw std::runtime_error(*p + ": cannot write");
  }
  return kOk;
}

}  // namespace

extern const Command evaluate_command{
    "evaluate",
    "judge a generator: NLL, critic, inception score, duet coherence, music statistics",
    "On the test pieces of --corpus (the model's data manifest chooses them; the corpus it was encoded\n"
    "from): held-out NLL and top-1 beside the model's 5-gram; --samples continuations of human test\n"
    "prompts (the card's sampling, seeded) judged by --critic (share judged human, beside the human\n"
    "passages' share) and --composer (inception score with a bootstrap interval beside the human\n"
    "passages', composer distribution); duet coherence against the true continuation and a random\n"
    "passage (as `clara coherence`); note density, polyphony, note lengths and pitch-class distance of\n"
    "the generations beside the human passages. Prints a Markdown report; --json and --markdown\n"
    "write it. --split valid or held-out takes the valid pieces too (never trained on either).\n"
    "Same model, corpus and seed: same figures.\n",
    OptionSpec{}
        .valued("--model", "NAME|PATH", "the generator to judge (required)")
        .valued("--corpus", "DIR", "the corpus the model was encoded from (required)")
        .valued("--critic", "NAME|PATH", "critic (default critic-notewise-piano)")
        .valued("--composer", "NAME|PATH", "composer classifier (default composer-notewise-piano)")
        .valued("--samples", "N", "generations to judge (default 200)")
        .valued("--prompt-tokens", "N", "human prompt before each generation (default 64)")
        .valued("--split", "NAME", "held-out pieces: test (default), valid, or held-out (both; never trained on)")
        .valued("--phrases", "N", "duet-coherence phrases at most (default: every held-out piece)")
        .valued("--seed", "S", "seed of the sampling, the prompts and the bootstrap (default 0)")
        .valued("--key-keeping", "K",
                "duet coherence: strength of the key-keeping bias, 0..16 (default: the card's, else 1.5 as "
                "clarad; 0 = off)")
        .valued("--resamples", "N", "bootstrap resamples (default 1000)")
        .valued("--threads", "N", "threads (default 0: LibTorch's choice)")
        .valued("--json", "FILE", "write every figure as JSON")
        .valued("--markdown", "FILE", "write the report as Markdown"),
    run,
};

}  // namespace clara::cli
