// `clara train-composer` and `clara train-critic`: the judging models (issue 14, SPEC §6).
// Both read a corpus through a generator's data manifest (its split, so the held-out pieces
// are the generator's own), cut fixed-length samples, train a SequenceClassifier with
// class-balanced epochs, and finish with held-out (test) figures written beside the model.
#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/evaluation/style_features.hpp"
#include "core/model/classifier/classifier_files.hpp"
#include "core/model/classifier/classifier_trainer.hpp"
#include "core/model/classifier/feature_baseline.hpp"
#include "core/model/files/model_files.hpp"
#include "tools/clara/cli.hpp"
#include "tools/clara/judging_data.hpp"
#include "tools/clara/model_access.hpp"

namespace clara::cli {
namespace {
namespace fs = std::filesystem;

std::atomic<bool> g_stop{false};
extern "C" void on_sigint_judge(int) { g_stop.store(true); }

struct Common {
  fs::path generator_dir, corpus, out;
  model::ModelCard generator;
  Vocabulary vocab;
  EncodingSpec spec;
  std::size_t sample_tokens = 512;
  model::ClassifierTrainOptions train;
  int threads = 0;
};

Common read_common(const Args& args, const std::string& kind) {
  Common c;
  c.generator_dir = resolve_model_dir(args.get_or("--model", "notewise-piano"));
  c.corpus = args.require("--corpus");
  c.out = args.require("--out");
  try {
    c.generator = model::ModelCard::load(c.generator_dir / "model.toml");
    c.vocab = Vocabulary::load(c.generator_dir / c.generator.vocabulary_file);
  } catch (const std::exception& e) {
    throw DataError(e.what());
  }
  c.spec = spec_of(c.generator);
  c.sample_tokens = static_cast<std::size_t>(args.get_int("--sample-tokens", 512, 16, 4096));
  c.threads = static_cast<int>(args.get_int("--threads", 0, 0, 256));
  auto& o = c.train;
  o.sizes = c.generator.architecture;
  if (!args.flag("--init-encoder")) {
    // From scratch the sizes may differ from the generator's.
    o.sizes.emb = args.get_int("--emb", o.sizes.emb, 1, 8192);
    o.sizes.hidden = args.get_int("--hidden", o.sizes.hidden, 1, 8192);
    o.sizes.layers = args.get_int("--layers", o.sizes.layers, 1, 16);
  } else {
    if (args.has("--emb") || args.has("--hidden") || args.has("--layers"))
      throw UsageError("--init-encoder takes the generator's sizes; leave out --emb/--hidden/--layers");
    o.init_from = c.generator_dir;
  }
  o.epochs = args.get_int("--epochs", 6, 1, 1000);
  o.batch_size = args.get_int("--bs", 32, 2, 4096);
  o.peak_lr = args.get_double("--lr", 3e-3, 1e-7, 1);
  o.seed = static_cast<std::uint64_t>(args.get_int("--seed", 1, 0, 1L << 40));
  o.threads = c.threads;
  if (args.has("--checkpoint")) o.checkpoint_dir = fs::path(args.require("--checkpoint"));
  o.resume = args.flag("--resume");
  if (o.resume && !o.checkpoint_dir) throw UsageError("--resume needs --checkpoint DIR");
  o.max_minutes = args.get_double("--max-minutes", 0, 0, 1e6);
  o.stop = &g_stop;
  o.out_dir = c.out;
  o.progress = !args.flag("--quiet");
  o.generator = c.generator;
  o.card.kind = kind;
  o.card.name = c.out.filename().string();
  o.card.sample_tokens = static_cast<std::int64_t>(c.sample_tokens);
  o.report = [](const std::string& s) { std::cout << s << std::flush; };
  o.card.samples_per_epoch = args.get_int("--samples-per-epoch", 4000, 64, 10000000);
  return c;
}

model::ClassifierSamples samples_of(const std::vector<PieceTokens>& pieces, const std::vector<ChunkRef>& chunks,
                                    std::size_t length) {
  model::ClassifierSamples s;
  for (const auto& c : chunks) {
    s.tokens.push_back(chunk_tokens(pieces, c, length));
    s.labels.push_back(c.label);
  }
  return s;
}

struct HeldOutFigures {
  double accuracy = 0, balanced_accuracy = 0;
  std::vector<std::vector<std::int64_t>> confusion;
  std::size_t samples = 0;
};

HeldOutFigures figures_of(const std::vector<std::vector<double>>& probs, const std::vector<int>& labels,
                          std::size_t classes) {
  HeldOutFigures f;
  f.confusion.assign(classes, std::vector<std::int64_t>(classes, 0));
  for (std::size_t i = 0; i < probs.size(); ++i) {
    const auto pred = static_cast<std::size_t>(std::max_element(probs[i].begin(), probs[i].end()) - probs[i].begin());
    ++f.confusion[static_cast<std::size_t>(labels[i])][pred];
  }
  double correct = 0, recall = 0;
  std::size_t present = 0;
  for (std::size_t c = 0; c < classes; ++c) {
    std::int64_t row = 0;
    for (auto n : f.confusion[c]) row += n;
    correct += static_cast<double>(f.confusion[c][c]);
    if (row > 0) recall += static_cast<double>(f.confusion[c][c]) / static_cast<double>(row), ++present;
  }
  f.samples = probs.size();
  f.accuracy = probs.empty() ? 0 : correct / static_cast<double>(probs.size());
  f.balanced_accuracy = present ? recall / static_cast<double>(present) : 0;
  return f;
}

// Per piece: the class of the mean of its chunks' distributions (a piece is judged on all of it).
HeldOutFigures piece_figures(const std::vector<std::vector<double>>& probs, const std::vector<ChunkRef>& chunks,
                             std::size_t classes) {
  std::map<std::uint32_t, std::pair<std::vector<double>, int>> per_piece;
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    auto& [sum, label] = per_piece[chunks[i].piece];
    if (sum.empty()) sum.assign(classes, 0.0);
    for (std::size_t k = 0; k < classes; ++k) sum[k] += probs[i][k];
    label = chunks[i].label;
  }
  std::vector<std::vector<double>> rows;
  std::vector<int> labels;
  for (auto& [piece, v] : per_piece) rows.push_back(v.first), labels.push_back(v.second);
  return figures_of(rows, labels, classes);
}

nlohmann::json figures_json(const HeldOutFigures& f) {
  return {{"samples", f.samples}, {"accuracy", f.accuracy}, {"balanced_accuracy", f.balanced_accuracy},
          {"confusion", f.confusion}};
}

void print_figures(const std::string& what, const HeldOutFigures& f, const std::vector<std::string>& classes) {
  std::printf("%s: accuracy %.1f %%, balanced accuracy %.1f %% over %zu samples\n", what.c_str(), 100 * f.accuracy,
              100 * f.balanced_accuracy, f.samples);
  std::cout << model::format_confusion(f.confusion, classes);
}

std::vector<std::vector<double>> features_of(const std::vector<std::vector<int>>& samples, const Vocabulary& vocab,
                                             const EncodingSpec& spec) {
  std::vector<std::vector<double>> out;
  for (const auto& s : samples) {
    std::vector<std::string> tokens;
    for (int id : s) tokens.push_back(vocab.token(id));
    double beats = 0;
    const auto notes = notes_of_tokens(tokens, spec, &beats);
    const auto f = style_features(notes, beats);
    out.emplace_back(f.begin(), f.end());
  }
  return out;
}

// Writes the held-out figures into the model folder and seals it again.
void write_held_out(const fs::path& dir, const nlohmann::json& j) {
  model::write_atomically(dir / "held-out.json", j.dump(2) + "\n");
  model::write_sha256sums(dir);
}

void run_training(Common& c, const std::function<model::ClassifierSamples(std::int64_t)>& train,
                  const model::ClassifierSamples& valid) {
  std::signal(SIGINT, on_sigint_judge);
  model::ClassifierTrainResult r;
  try {
    r = model::train_classifier(train, valid, c.vocab, c.train);
  } catch (const model::TrainError& e) {  // the classifier's own and the shared steps'
    throw DataError(e.what());
  } catch (const model::ModelFileError& e) {
    throw DataError(e.what());
  }
  std::signal(SIGINT, SIG_DFL);
  std::printf("%s: %s after %lld epochs, %.0f s; valid accuracy %.1f %%\n", c.out.string().c_str(),
              r.finished ? "finished" : "stopped", static_cast<long long>(r.epochs), r.seconds,
              100 * r.valid_accuracy);
}

int run_composer(const Args& args) {
  Common c = read_common(args, "composer");
  const LabelledCorpus lc = labelled_corpus(c.corpus, c.generator_dir, c.spec);
  std::map<std::string, std::size_t> train_pieces;
  for (const auto& p : lc.pieces)
    if (p.split == Split::train) ++train_pieces[p.label];
  ClassChoice choice;
  try {
    choice = choose_classes(train_pieces, static_cast<std::size_t>(args.get_int("--classes", 8, 2, 100)),
                            args.flag("--other"));
  } catch (const std::invalid_argument& e) {
    throw DataError(c.corpus.string() + ": " + e.what());
  }
  std::vector<LabelledPiece> wanted;
  for (const auto& p : lc.pieces)
    if (choice.class_of(p.label) >= 0) wanted.push_back(p);
  std::ostringstream how;
  how << "the " << (choice.grouped_other ? choice.classes.size() - 1 : choice.classes.size())
      << " composers with the most training pieces";
  if (choice.grouped_other) how << ", the rest grouped as other";
  else how << "; " << choice.excluded.size() << " others excluded";
  how << "; every epoch draws each class equally often";
  std::printf("classes (%s):", how.str().c_str());
  for (const auto& cl : choice.classes) std::printf(" %s", cl.c_str());
  std::printf("\n");

  const auto pieces = encode_pieces(c.corpus, wanted, c.spec, c.vocab, c.threads);
  const auto train_chunks = cut_chunks(pieces, Split::train, c.sample_tokens, choice);
  const auto valid_chunks = cut_chunks(pieces, Split::valid, c.sample_tokens, choice);
  const auto test_chunks = cut_chunks(pieces, Split::test, c.sample_tokens, choice);
  if (train_chunks.empty()) throw DataError(c.corpus.string() + ": no training piece is " +
                                            std::to_string(c.sample_tokens + 2) + " tokens long");
  const std::size_t k = choice.classes.size();
  auto pieces_per = [&](Split s) {
    std::vector<std::int64_t> n(k, 0);
    for (const auto& p : pieces)
      if (p.piece.split == s) ++n[static_cast<std::size_t>(choice.class_of(p.piece.label))];
    return n;
  };
  auto& card = c.train.card;
  card.classes = choice.classes;
  card.class_choice = how.str();
  card.data = lc.source + ", " + std::to_string(c.sample_tokens) + "-token chunks";
  card.train_pieces = pieces_per(Split::train);
  card.valid_pieces = pieces_per(Split::valid);
  card.test_pieces = pieces_per(Split::test);
  card.data_license = c.generator.data_license;
  std::printf("chunks: train %zu, valid %zu, test %zu\n", train_chunks.size(), valid_chunks.size(),
              test_chunks.size());

  const auto per_epoch = static_cast<std::size_t>(card.samples_per_epoch);
  const auto seed = c.train.seed;
  auto train = [&](std::int64_t epoch) {
    return samples_of(pieces, balanced_draw(train_chunks, k, per_epoch, seed * 7919 + static_cast<std::uint64_t>(epoch)),
                      c.sample_tokens);
  };
  run_training(c, train, samples_of(pieces, valid_chunks, c.sample_tokens));

  // Held-out figures: the network, then the features baseline fitted on a balanced draw of
  // the same training chunks.
  const model::JudgingModel judged(c.out);
  const auto test = samples_of(pieces, test_chunks, c.sample_tokens);
  const auto net_probs = judged.probabilities(test.tokens);
  const auto net = figures_of(net_probs, test.labels, k);
  print_figures("test chunks (network)", net, choice.classes);
  const auto net_pieces = piece_figures(net_probs, test_chunks, k);
  print_figures("test pieces (network, chunks' mean)", net_pieces, choice.classes);
  const auto fit = samples_of(pieces, balanced_draw(train_chunks, k, std::min<std::size_t>(per_epoch, 8000), seed + 1),
                              c.sample_tokens);
  model::FeatureClassifier baseline;
  baseline.fit(features_of(fit.tokens, c.vocab, c.spec), fit.labels, static_cast<int>(k), seed);
  const auto base_probs = baseline.probabilities(features_of(test.tokens, c.vocab, c.spec));
  const auto base = figures_of(base_probs, test.labels, k);
  print_figures("test chunks (pitch-class + note-statistics baseline)", base, choice.classes);
  const auto base_pieces = piece_figures(base_probs, test_chunks, k);
  print_figures("test pieces (baseline, chunks' mean)", base_pieces, choice.classes);
  write_held_out(c.out, {{"split", "test"},
                         {"source", lc.source},
                         {"classes", choice.classes},
                         {"test_pieces", card.test_pieces},
                         {"network", figures_json(net)},
                         {"network_pieces", figures_json(net_pieces)},
                         {"features_baseline", figures_json(base)},
                         {"features_baseline_pieces", figures_json(base_pieces)}});
  return kOk;
}

std::vector<fs::path> generator_list(const Args& args, const fs::path& judged) {
  std::vector<fs::path> out;
  const std::string list = args.get_or("--generators", "");
  if (list.empty()) return {judged};
  std::stringstream ss(list);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(resolve_model_dir(item));
  if (out.empty()) throw UsageError("--generators: no model named");
  return out;
}

int run_critic(const Args& args) {
  Common c = read_common(args, "critic");
  LabelledCorpus lc = labelled_corpus(c.corpus, c.generator_dir, c.spec);
  for (auto& p : lc.pieces) p.label = "human";
  const ClassChoice human = choose_classes({{"human", 1}, {"generated", 0}}, 2, false);
  const auto pieces = encode_pieces(c.corpus, lc.pieces, c.spec, c.vocab, c.threads);
  GenerationPlan plan;
  plan.generators = generator_list(args, c.generator_dir);
  plan.prompt_tokens = static_cast<std::size_t>(args.get_int("--prompt-tokens", 64, 1, 4096));
  plan.sample_tokens = c.sample_tokens;
  const auto generated_train = static_cast<std::size_t>(args.get_int("--generated", 3000, 32, 1000000));
  const auto held = static_cast<std::size_t>(args.get_int("--held-out-samples", 400, 16, 1000000));
  fs::create_directories(c.out);
  const fs::path manifest = c.out / "generated-samples.tsv";
  if (!c.train.resume) fs::remove(manifest);

  std::map<Split, std::vector<GeneratedSample>> fake;
  std::map<Split, std::vector<ChunkRef>> real;
  for (Split s : {Split::train, Split::valid, Split::test}) {
    real[s] = cut_chunks(pieces, s, c.sample_tokens, human);
    if (real[s].empty()) throw DataError(c.corpus.string() + ": no " + std::string(to_string(s)) +
                                         " piece is " + std::to_string(c.sample_tokens + 2) + " tokens long");
    plan.count = s == Split::train ? generated_train : held;
    plan.seed = c.train.seed * 31 + static_cast<std::uint64_t>(s);
    fake[s] = generate_samples(plan, pieces, real[s], c.vocab, std::string(to_string(s)) + " samples");
    write_generation_manifest(manifest, std::string(to_string(s)), fake[s]);
  }
  auto& card = c.train.card;
  card.classes = {"human", "generated"};
  std::string gens;
  for (const auto& g : plan.generators) gens += (gens.empty() ? "" : ", ") + g.filename().string();
  card.class_choice = "human: chunks of the corpus pieces; generated: continuations by " + gens +
                      " of a " + std::to_string(plan.prompt_tokens) +
                      "-token human prompt from the same split (generated-samples.tsv); epochs draw both equally";
  card.data = lc.source + ", " + std::to_string(c.sample_tokens) + "-token samples";
  card.data_license = c.generator.data_license;
  auto count = [&](Split s) {
    std::int64_t n = 0;
    for (const auto& p : pieces) n += p.piece.split == s;
    return std::vector<std::int64_t>{n, 0};
  };
  card.train_pieces = count(Split::train);
  card.valid_pieces = count(Split::valid);
  card.test_pieces = count(Split::test);

  // A held-out set: every generated sample and as many human chunks, drawn evenly.
  auto held_set = [&](Split s) {
    model::ClassifierSamples out;
    const auto& f = fake[s];
    const auto humans = balanced_draw(real[s], 2, f.size(), c.train.seed + 17 + static_cast<std::uint64_t>(s));
    for (const auto& h : humans) out.tokens.push_back(chunk_tokens(pieces, h, c.sample_tokens)), out.labels.push_back(0);
    for (const auto& g : f) out.tokens.push_back(g.tokens), out.labels.push_back(1);
    return out;
  };
  const auto per_epoch = static_cast<std::size_t>(card.samples_per_epoch);
  auto train = [&](std::int64_t epoch) {
    model::ClassifierSamples out;
    std::mt19937_64 rng(c.train.seed * 104729 + static_cast<std::uint64_t>(epoch));
    const auto& tr = real[Split::train];
    const auto& gf = fake[Split::train];
    for (std::size_t i = 0; i < per_epoch; ++i) {
      if (i % 2 == 0) {
        out.tokens.push_back(chunk_tokens(pieces, tr[rng() % tr.size()], c.sample_tokens));
        out.labels.push_back(0);
      } else {
        out.tokens.push_back(gf[rng() % gf.size()].tokens);
        out.labels.push_back(1);
      }
    }
    return out;
  };
  run_training(c, train, held_set(Split::valid));

  const model::JudgingModel judged(c.out);
  const auto test = held_set(Split::test);
  const auto probs = judged.probabilities(test.tokens);
  const auto net = figures_of(probs, test.labels, 2);
  print_figures("test", net, card.classes);
  // Per generator: how often its test samples were judged human.
  nlohmann::json per_gen = nlohmann::json::object();
  std::map<std::string, std::pair<std::size_t, std::size_t>> judged_human;
  const auto& tf = fake[Split::test];
  for (std::size_t i = 0; i < tf.size(); ++i) ++judged_human[tf[i].generator].second;
  for (std::size_t i = 0; i < tf.size(); ++i)
    if (probs[tf.size() + i][0] > 0.5) ++judged_human[tf[i].generator].first;
  for (const auto& [g, hn] : judged_human) {
    std::printf("  %s: %zu of %zu test samples judged human (%.1f %%)\n", g.c_str(), hn.first, hn.second,
                100.0 * static_cast<double>(hn.first) / static_cast<double>(hn.second));
    per_gen[g] = {{"judged_human", hn.first}, {"samples", hn.second}};
  }
  write_held_out(c.out, {{"split", "test"}, {"source", lc.source}, {"classes", card.classes},
                         {"network", figures_json(net)}, {"generated_judged_human", per_gen}});
  return kOk;
}

OptionSpec common_options(OptionSpec spec) {
  return spec.valued("--corpus", "DIR", "MIDI corpus the generator was encoded from (required)")
      .valued("--out", "models/NAME", "model folder to write (required)")
      .valued("--model", "NAME", "generator whose vocabulary, encoding and split to use (default notewise-piano)")
      .flag("--init-encoder", "start from the generator's encoder weights (its sizes)")
      .valued("--emb", "E", "embedding size from scratch (default: the generator's)")
      .valued("--hidden", "H", "hidden size from scratch (default: the generator's)")
      .valued("--layers", "L", "LSTM layers from scratch (default: the generator's)")
      .valued("--sample-tokens", "N", "tokens per sample, 16..4096 (default 512)")
      .valued("--epochs", "N", "epochs (default 6)")
      .valued("--samples-per-epoch", "N", "training samples drawn per epoch (default 4000)")
      .valued("--bs", "N", "batch size (default 32)")
      .valued("--lr", "X", "peak learning rate (default 3e-3)")
      .valued("--seed", "S", "random seed (default 1)")
      .valued("--threads", "N", "threads (default 0: all cores)")
      .valued("--checkpoint", "DIR", "write a checkpoint here after every epoch")
      .flag("--resume", "continue from --checkpoint")
      .valued("--max-minutes", "M", "stop cleanly after M minutes (default 0 = no limit)")
      .flag("--quiet", "no progress bar");
}

}  // namespace

extern const Command train_composer_command{
    "train-composer",
    "train the composer classifier on a corpus",
    "Labels are the corpus folders (the composer); the classes are the --classes composers with the\n"
    "most training pieces (default 8), the rest excluded, or grouped as \"other\" with --other. The split\n"
    "is the generator's own (its data-manifest.toml): test pieces never train, in any key. Training\n"
    "pieces are read in 12 keys, held-out ones in their own; samples are --sample-tokens chunks, and\n"
    "every epoch draws each class equally often. Prints validation accuracy and a confusion matrix\n"
    "per epoch; at the end the test figures of the network and of a pitch-class + note-statistics\n"
    "baseline fitted on the same training chunks, also written to OUT/held-out.json.\n",
    common_options(OptionSpec{}
                       .valued("--classes", "N", "composers to tell apart, 2..100 (default 8)")
                       .flag("--other", "group the remaining composers as class \"other\"")),
    run_composer,
};

extern const Command train_critic_command{
    "train-critic",
    "train the critic (human vs generated) on a corpus and generations",
    "Human samples are --sample-tokens chunks of the corpus pieces; generated ones are continuations of\n"
    "a --prompt-tokens human prompt by each model of --generators in turn (default: --model), with a\n"
    "policy (top-p 0.9/0.95, temperature, top-k 8, the seed's) and temperature (0.8..1.2) drawn from\n"
    "the seed, each recorded in OUT/generated-samples.tsv. Prompts come from the split the samples\n"
    "are for, so test samples never saw a training piece's prompt. --generated N training samples,\n"
    "--held-out-samples each for validation and test (with as many human chunks). Prints the test\n"
    "accuracy and each generator's judged-human rate; OUT/held-out.json keeps them.\n",
    common_options(OptionSpec{}
                       .valued("--generators", "A,B,..", "generator models for the generated samples")
                       .valued("--generated", "N", "generated training samples (default 3000)")
                       .valued("--held-out-samples", "N", "generated samples for validation and for test (default 400)")
                       .valued("--prompt-tokens", "N", "human prompt before each generation (default 64)")),
    run_critic,
};

}  // namespace clara::cli
