#include "tools/clara/judging_data.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <fstream>
#include <iostream>
#include <mutex>
#include <random>
#include <thread>

#include "core/encoding/codec.hpp"
#include "core/hash/sha256.hpp"
#include "core/midi/midi_file.hpp"
#include "core/model/files/model_files.hpp"
#include "core/model/inference/batched_generation.hpp"
#include "tools/clara/cli.hpp"
#include "tools/clara/progress.hpp"

namespace clara::cli {
namespace fs = std::filesystem;

namespace {

std::string first_folder(const std::string& relative) {
  const auto slash = relative.find('/');
  return slash == std::string::npos ? std::string("(top)") : relative.substr(0, slash);
}

std::optional<Split> split_named(std::string_view s) {
  if (s == "train") return Split::train;
  if (s == "valid") return Split::valid;
  if (s == "test") return Split::test;
  return std::nullopt;
}

}  // namespace

LabelledCorpus labelled_corpus(const fs::path& corpus, const fs::path& generator_dir, const EncodingSpec& spec) {
  if (!fs::is_directory(corpus)) throw NoInputError(corpus.string() + ": no such corpus folder");
  LabelledCorpus out;
  const fs::path manifest = generator_dir / "data-manifest.toml";
  if (fs::exists(manifest)) {
    toml::table t;
    try {
      t = toml::parse_file(manifest.string());
    } catch (const toml::parse_error& e) {
      throw DataError(manifest.string() + ":" + std::to_string(e.source().begin.line) + ": " +
                      std::string(e.description()));
    }
    const toml::array* files = t["files"].as_array();
    if (!files) throw DataError(manifest.string() + ": no [[files]] table");
    std::size_t row = 0;
    for (const auto& f : *files) {
      ++row;
      const toml::table* ft = f.as_table();
      const auto path = ft ? (*ft)["path"].value<std::string>() : std::nullopt;
      const auto split = ft ? (*ft)["split"].value<std::string>() : std::nullopt;
      if (!path || !split || !split_named(*split))
        throw DataError(manifest.string() + ": [[files]] entry " + std::to_string(row) +
                        " lacks a path or a split of train, valid or test");
      if (!fs::exists(corpus / *path))
        throw DataError(manifest.string() + ": " + *path + " is not in " + corpus.string() +
                        ": give the corpus the generator was encoded from");
      const auto composer = (*ft)["composer"].value<std::string>();
      out.pieces.push_back({*path, composer ? *composer : first_folder(*path), *split_named(*split)});
    }
    // Named by the model, not the path: cards travel with the model folder.
    out.source = "the split of " + generator_dir.filename().string() + "/data-manifest.toml";
  } else {
    std::vector<std::string> all;
    for (auto it = fs::recursive_directory_iterator(corpus, fs::directory_options::follow_directory_symlink);
         it != fs::recursive_directory_iterator(); ++it) {
      if (!it->is_regular_file()) continue;
      std::string ext = it->path().extension().string();
      std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
      if (ext != ".mid" && ext != ".midi") continue;
      try {
        EncodeCounts counts;
        quantise(read_midi_file(it->path()), spec, counts);
      } catch (const std::exception&) {
        continue;  // encode skips it too
      }
      all.push_back(fs::relative(it->path(), corpus).generic_string());
    }
    std::sort(all.begin(), all.end());
    const CorpusSplit split = split_corpus(all, SplitOptions{});
    for (std::size_t i = 0; i < all.size(); ++i) out.pieces.push_back({all[i], first_folder(all[i]), split.splits[i]});
    out.source = "the pieces of " + corpus.string() + " split as `clara encode --corpus` (seed 0)";
  }
  std::sort(out.pieces.begin(), out.pieces.end(),
            [](const LabelledPiece& a, const LabelledPiece& b) { return a.path < b.path; });
  if (out.pieces.empty()) throw DataError(corpus.string() + ": no MIDI pieces");
  return out;
}

std::vector<PieceTokens> encode_pieces(const fs::path& corpus, const std::vector<LabelledPiece>& pieces,
                                       const EncodingSpec& spec, const Vocabulary& vocab, int threads) {
  std::vector<std::optional<PieceTokens>> done(pieces.size());
  std::vector<std::string> errors(pieces.size());
  std::atomic<std::size_t> next{0};
  std::mutex progress_lock;
  Progress progress("encoding pieces", pieces.size(), "pieces");
  auto work = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < pieces.size();) {
      try {
        done[i] = encode_piece(corpus, pieces[i], spec, vocab);
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
      std::lock_guard<std::mutex> g(progress_lock);
      progress.advance();
    }
  };
  const int n = std::max(1, threads > 0 ? threads : static_cast<int>(std::thread::hardware_concurrency()));
  std::vector<std::thread> pool;
  for (int t = 1; t < n; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  progress.finish();
  std::vector<PieceTokens> out;
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    if (done[i])
      out.push_back(std::move(*done[i]));
    else
      std::cerr << "skipped: " << errors[i] << "\n";
  }
  return out;
}

std::vector<GeneratedSample> generate_samples(const GenerationPlan& plan, const std::vector<PieceTokens>& pieces,
                                              const std::vector<ChunkRef>& prompts, const Vocabulary& vocab,
                                              const std::string& label) {
  if (plan.generators.empty()) throw UsageError("no generator models given");
  if (prompts.empty()) throw DataError("no human passage long enough to prompt the generators (" + label + ")");
  std::mt19937_64 rng(plan.seed);
  std::vector<GeneratedSample> out(plan.count);
  // The plan of every sample first, so a sample does not depend on how batches fall.
  for (std::size_t i = 0; i < plan.count; ++i) {
    GeneratedSample& s = out[i];
    const auto& g = plan.generators[i % plan.generators.size()];
    s.generator = g.filename().string();
    const ChunkRef c = prompts[rng() % prompts.size()];
    s.prompt_piece = pieces[c.piece].piece.path;
    s.prompt_offset = c.offset;
    s.tokens = chunk_tokens(pieces, c, plan.prompt_tokens);
    SamplerConfig& sc = s.sampler;
    switch (rng() % 5) {
      case 0: sc.policy = SamplingPolicy::kTopP, sc.top_p = 0.9; break;
      case 1: sc.policy = SamplingPolicy::kTopP, sc.top_p = 0.95; break;
      case 2: sc.policy = SamplingPolicy::kTemperature; break;
      case 3: sc.policy = SamplingPolicy::kTopK, sc.top_k = 8; break;
      default: sc.policy = SamplingPolicy::kSeed, sc.random_freq = std::uniform_real_distribution<double>(0, 1)(rng);
               sc.top_k = 1 + static_cast<int>(rng() % 10);
    }
    sc.temperature = std::round(std::uniform_real_distribution<double>(0.8, 1.2)(rng) * 100) / 100;
    sc.seed = rng();
  }
  Progress progress("generating " + label, plan.count, "samples");
  constexpr std::size_t kBatch = 64;
  for (std::size_t gi = 0; gi < plan.generators.size(); ++gi) {
    model::LoadedModel m;
    try {
      m = model::load_model_folder(plan.generators[gi]);
    } catch (const model::ModelFileError& e) {
      throw DataError(e.what());
    }
    if (!(m.vocab == vocab))
      throw DataError(plan.generators[gi].string() + ": its vocabulary is not the judged generator's");
    std::vector<std::size_t> mine;
    for (std::size_t i = gi; i < plan.count; i += plan.generators.size()) mine.push_back(i);
    for (std::size_t first = 0; first < mine.size(); first += kBatch) {
      std::vector<model::GenerationStream> streams;
      const std::size_t n = std::min(kBatch, mine.size() - first);
      for (std::size_t b = 0; b < n; ++b) streams.push_back({out[mine[first + b]].tokens, out[mine[first + b]].sampler});
      const auto made = model::generate_batch(*m.model, vocab, streams, plan.sample_tokens, GrammarConfig{});
      for (std::size_t b = 0; b < n; ++b) out[mine[first + b]].tokens = made[b];
      progress.advance(n);
    }
  }
  progress.finish();
  return out;
}

void write_generation_manifest(const fs::path& file, const std::string& split,
                               const std::vector<GeneratedSample>& samples) {
  const bool fresh = !fs::exists(file);
  std::ofstream out(file, std::ios::app);
  if (!out) throw std::runtime_error(file.string() + ": cannot write");
  if (fresh)
    out << "split\tindex\tgenerator\tpolicy\ttemperature\ttop_k\ttop_p\trandom_freq\tseed\tprompt_piece\tprompt_offset\n";
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const auto& s = samples[i];
    out << split << '\t' << i << '\t' << s.generator << '\t' << to_string(s.sampler.policy) << '\t'
        << s.sampler.temperature << '\t' << s.sampler.top_k << '\t' << s.sampler.top_p << '\t'
        << s.sampler.random_freq << '\t' << s.sampler.seed << '\t' << s.prompt_piece << '\t' << s.prompt_offset
        << '\n';
  }
}

}  // namespace clara::cli
