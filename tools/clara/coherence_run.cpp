#include "tools/clara/coherence_run.hpp"

#include <cmath>
#include <cstdio>
#include <random>

#include "core/encoding/codec.hpp"
#include "core/evaluation/passage.hpp"
#include "core/midi/midi_file.hpp"
#include "tools/clara/cli.hpp"
#include "tools/clara/duet_answer.hpp"

namespace clara::cli {
namespace {

struct Piece {
  std::string name;
  GridPiece grid;
  std::vector<Note> notes;  // the grid's notes as the model hears them (folded into its range)
  double beats = 0;
  int beats_per_bar = 4;
};

// Quarters a bar of the piece's opening metre holds, when that is a whole number the engine
// takes (1..32); 4 otherwise.
int beats_per_bar(const Score& score) {
  if (score.time_signatures.empty()) return 4;
  const TimeSignature& ts = score.time_signatures.front();
  const double q = ts.numerator * 4.0 / ts.denominator;
  if (q >= 1 && q <= 32 && std::abs(q - std::round(q)) < 1e-9)
    return static_cast<int>(std::round(q));
  return 4;
}

std::vector<Note> notes_of(const GridPiece& g, const EncodingSpec& spec) {
  std::vector<Note> out;
  for (const GridNote& n : g.notes)
    out.push_back(Note{spec.range.pitch_of(n.index),
                       static_cast<double>(n.start) / spec.sample_freq,
                       static_cast<double>(n.end()) / spec.sample_freq, 80});
  return out;
}

nlohmann::json key_json(const std::optional<Key>& k) {
  return k ? nlohmann::json(to_string(*k)) : nlohmann::json();
}
nlohmann::json opt_json(const std::optional<double>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json();
}

nlohmann::json scores_json(const CoherenceScores& s) {
  return {{"key", key_json(s.answer_key)}, {"same_key", s.same_key},
          {"related_key", s.related_key},  {"pc_distance", opt_json(s.pc_distance)},
          {"density", s.answer_density},   {"register_distance", opt_json(s.register_distance)},
          {"notes", s.answer_notes}};
}

nlohmann::json summary_json(const CoherenceSummary& s) {
  return {{"phrases", s.phrases},
          {"empty", s.empty_answers},
          {"related_key_rate", s.related_key_rate},
          {"related_key_ci95", {s.related_key_interval.low, s.related_key_interval.high}},
          {"same_key_rate", s.same_key_rate},
          {"pc_distance", s.pc_distance},
          {"pc_distance_count", s.pc_distance_count},
          {"density", s.answer_density},
          {"density_difference", s.density_difference},
          {"register_distance", s.register_distance},
          {"register_distance_count", s.register_distance_count}};
}

}  // namespace

CoherenceResult run_coherence(TokenModel& model, const Vocabulary& vocab, const EncodingSpec& spec,
                              const std::vector<std::filesystem::path>& files,
                              const std::vector<std::string>& names,
                              const CoherenceOptions& options,
                              const std::function<void()>& progress) {
  const double answer_beats =
      options.answer_beats > 0 ? options.answer_beats : options.phrase_beats;
  const double needed = options.phrase_beats + answer_beats;
  CoherenceResult result;
  std::vector<Piece>
      pieces;  // every readable piece at least `needed` long: phrases and random pool
  for (std::size_t i = 0; i < files.size(); ++i) {
    Piece p;
    p.name = names[i];
    try {
      const Score score = read_midi_file(files[i]);
      EncodeCounts counts;
      p.grid = quantise(score, spec, counts);
      p.beats_per_bar = beats_per_bar(score);
    } catch (const std::exception& e) {
      ++result.pieces_unreadable;
      result.unreadable.push_back(names[i] + ": " + e.what());
      continue;
    }
    ++result.pieces_read;
    p.notes = notes_of(p.grid, spec);
    p.beats = static_cast<double>(p.grid.steps) / spec.sample_freq;
    if (p.beats < needed || passage(p.notes, 0, options.phrase_beats).empty()) {
      ++result.pieces_too_short;
      continue;
    }
    pieces.push_back(std::move(p));
  }
  if (pieces.size() < 2)
    throw DataError("duet coherence: " + std::to_string(pieces.size()) + " of " +
                    std::to_string(files.size()) + " pieces are " + std::to_string(needed) +
                    " beats long or more with notes in the phrase; the random baseline needs two");
  const std::size_t n = options.samples ? std::min(options.samples, pieces.size()) : pieces.size();
  std::vector<CoherenceScores> clara, human, random;
  for (std::size_t i = 0; i < n; ++i) {
    const Piece& p = pieces[i];
    CoherenceRow row;
    row.piece = p.name;
    row.beats_per_bar = p.beats_per_bar;
    const std::vector<Note> phrase = passage(p.notes, 0, options.phrase_beats);
    const PassageView phrase_view{phrase, options.phrase_beats};
    const double bar = p.beats_per_bar;

    DuetAnswerOptions a;
    a.phrase_steps = std::llround(options.phrase_beats * spec.sample_freq);
    a.answer_beats = answer_beats;
    a.beats_per_bar = p.beats_per_bar;
    a.sampler = options.sampler;
    a.sampler.seed = options.seed + i;
    const DuetAnswer answer = answer_phrase(model, vocab, spec, p.grid, a);
    row.clara = score_answer(phrase_view, {answer.notes, answer_beats}, bar);
    row.clara_start_beats = answer.start_beats;
    row.clara_inside_phrase = answer.inside_phrase;

    const std::vector<Note> truth =
        passage(p.notes, options.phrase_beats, options.phrase_beats + answer_beats);
    row.human = score_answer(phrase_view, {truth, answer_beats}, bar);

    // Another piece and a whole-beat offset in it, from (seed, phrase): the same for every N.
    std::mt19937_64 rng(options.seed * 0x9E3779B97F4A7C15ULL + i + 1);
    std::size_t j = static_cast<std::size_t>(rng() % (pieces.size() - 1));
    if (j >= i) ++j;
    const Piece& other = pieces[j];
    const auto offsets = static_cast<std::uint64_t>(std::floor(other.beats - answer_beats)) + 1;
    row.random_piece = other.name;
    row.random_offset = static_cast<double>(rng() % offsets);
    const std::vector<Note> elsewhere =
        passage(other.notes, row.random_offset, row.random_offset + answer_beats);
    row.random = score_answer(phrase_view, {elsewhere, answer_beats}, bar);

    result.phrase_density += row.clara.phrase_density;
    clara.push_back(row.clara);
    human.push_back(row.human);
    random.push_back(row.random);
    result.rows.push_back(std::move(row));
    if (progress) progress();
  }
  result.phrase_density /= static_cast<double>(n);
  result.clara = summarise(clara, options.bootstrap);
  result.human = summarise(human, options.bootstrap);
  result.random = summarise(random, options.bootstrap);
  return result;
}

nlohmann::json to_json(const CoherenceResult& r) {
  nlohmann::json rows = nlohmann::json::array();
  for (const CoherenceRow& row : r.rows)
    rows.push_back({{"piece", row.piece},
                    {"beats_per_bar", row.beats_per_bar},
                    {"phrase_key", key_json(row.clara.phrase_key)},
                    {"phrase_density", row.clara.phrase_density},
                    {"clara", scores_json(row.clara)},
                    {"clara_start_beats", row.clara_start_beats},
                    {"clara_notes_inside_phrase", row.clara_inside_phrase},
                    {"human", scores_json(row.human)},
                    {"random", scores_json(row.random)},
                    {"random_piece", row.random_piece},
                    {"random_offset_beats", row.random_offset}});
  return {{"summary",
           {{"clara", summary_json(r.clara)},
            {"human", summary_json(r.human)},
            {"random", summary_json(r.random)}}},
          {"phrase_density", r.phrase_density},
          {"pieces_read", r.pieces_read},
          {"pieces_too_short", r.pieces_too_short},
          {"pieces_unreadable", r.unreadable},
          {"rows", rows}};
}

std::string format_table(const CoherenceResult& r) {
  std::string out;
  char line[256];
  const auto add = [&](const char* label, auto f) {
    std::snprintf(line, sizeof line, "  %-34s %18s %18s %18s\n", label, f(r.clara).c_str(),
                  f(r.human).c_str(), f(r.random).c_str());
    out += line;
  };
  const auto num = [](double v, const char* fmt) {
    char b[64];
    std::snprintf(b, sizeof b, fmt, v);
    return std::string(b);
  };
  std::snprintf(line, sizeof line, "  %-34s %18s %18s %18s\n", "", "Clara's answer",
                "true continuation", "random passage");
  out += line;
  add("key same or closely related",
      [&](const CoherenceSummary& s) { return num(100 * s.related_key_rate, "%.1f %%"); });
  add("  95 % bootstrap interval", [&](const CoherenceSummary& s) {
    return num(100 * s.related_key_interval.low, "%.1f") + ".." +
           num(100 * s.related_key_interval.high, "%.1f %%");
  });
  add("same key", [&](const CoherenceSummary& s) { return num(100 * s.same_key_rate, "%.1f %%"); });
  add("pc-histogram distance (JS, bits)",
      [&](const CoherenceSummary& s) { return num(s.pc_distance, "%.3f"); });
  add("note density (notes/beat)",
      [&](const CoherenceSummary& s) { return num(s.answer_density, "%.2f"); });
  add("|density - phrase's|",
      [&](const CoherenceSummary& s) { return num(s.density_difference, "%.2f"); });
  add("register distance (semitones)",
      [&](const CoherenceSummary& s) { return num(s.register_distance, "%.2f"); });
  add("passages without notes",
      [&](const CoherenceSummary& s) { return std::to_string(s.empty_answers); });
  std::snprintf(line, sizeof line, "  (the phrases: %.2f notes/beat)\n", r.phrase_density);
  out += line;
  return out;
}

}  // namespace clara::cli
