#include "core/encoding/grid_piece.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace clara {

namespace {

// Quarter positions from real files are sums of tick ratios; without a tolerance
// 1/3 * 12 = 3.9999999 would floor to 3.
constexpr double kStepTolerance = 1e-9;
// Keeps step arithmetic far from int64 overflow whatever the file says.
constexpr double kMaxSteps = 1e12;

std::string note_name(std::size_t part, std::size_t note) {
  return "part " + std::to_string(part) + " note " + std::to_string(note);
}

std::int64_t to_step(double quarters, int sf, std::size_t part, std::size_t note) {
  const double x = quarters * sf;
  if (!std::isfinite(x) || x < -kStepTolerance || x > kMaxSteps)
    throw EncodingError(note_name(part, note) + ": time " + std::to_string(quarters) +
                        " quarter notes is negative, not finite or too large");
  return static_cast<std::int64_t>(std::floor(x + kStepTolerance));
}

bool by_key_then_start(const GridNote& a, const GridNote& b) {
  if (a.part != b.part) return a.part < b.part;
  if (a.index != b.index) return a.index < b.index;
  if (a.start != b.start) return a.start < b.start;
  return a.length > b.length;
}

bool by_start(const GridNote& a, const GridNote& b) {
  if (a.start != b.start) return a.start < b.start;
  if (a.part != b.part) return a.part < b.part;
  return a.index < b.index;
}

}  // namespace

void normalise(GridPiece& piece, std::size_t& merged) {
  std::vector<GridNote>& in = piece.notes;
  // Lambdas, not function pointers, so the comparisons inline into the sort.
  std::sort(in.begin(), in.end(), [](const GridNote& a, const GridNote& b) { return by_key_then_start(a, b); });
  std::vector<GridNote> out;
  out.reserve(in.size());
  std::size_t i = 0;
  while (i < in.size()) {
    // One (part, index) row: sweep its notes in start order.
    GridNote cur = in[i];
    std::int64_t run_end = cur.end();
    std::size_t j = i + 1;
    for (; j < in.size() && in[j].part == cur.part && in[j].index == cur.index; ++j) {
      const GridNote& n = in[j];
      if (n.start == cur.start) {
        ++merged;
        run_end = std::max(run_end, n.end());
      } else if (n.start < run_end) {
        ++merged;
        cur.length = n.start - cur.start;
        out.push_back(cur);
        cur.start = n.start;
        run_end = std::max(run_end, n.end());
      } else {
        cur.length = run_end - cur.start;
        out.push_back(cur);
        cur.start = n.start;
        run_end = n.end();
      }
    }
    cur.length = run_end - cur.start;
    out.push_back(cur);
    i = j;
  }
  std::sort(out.begin(), out.end(), [](const GridNote& a, const GridNote& b) { return by_start(a, b); });
  for (const GridNote& n : out) piece.steps = std::max(piece.steps, n.end());
  in = std::move(out);
}

GridPiece quantise(const Score& score, const EncodingSpec& spec, EncodeCounts& counts) {
  spec.validate();
  const std::vector<int> entry_of = spec.parts.assign(score);
  const int sf = spec.sample_freq;
  GridPiece piece;
  piece.parts = static_cast<int>(spec.parts.entries.size());
  std::size_t total = 0;
  for (const Part& p : score.parts) total += p.notes.size();
  piece.notes.reserve(total);
  for (std::size_t pi = 0; pi < score.parts.size(); ++pi) {
    const int entry = entry_of[pi];
    if (entry < 0) continue;
    const int floor_index = spec.parts.entries[static_cast<std::size_t>(entry)].index_floor;
    const std::vector<Note>& notes = score.parts[pi].notes;
    for (std::size_t ni = 0; ni < notes.size(); ++ni) {
      const Note& n = notes[ni];
      if (n.pitch < 0 || n.pitch > 127)
        throw EncodingError(note_name(pi, ni) + ": pitch " + std::to_string(n.pitch) + " is not 0..127");
      if (!(n.end >= n.start))
        throw EncodingError(note_name(pi, ni) + ": ends before it starts");
      ++counts.notes_in;
      GridNote g;
      g.part = entry;
      g.start = to_step(n.start, sf, pi, ni);
      g.length = to_step(n.end - n.start, sf, pi, ni);
      if (g.length == 0) {
        g.length = 1;
        ++counts.zero_length;
      }
      g.index = spec.range.fold(n.pitch);
      if (g.index != n.pitch - spec.range.lowest) ++counts.folded;
      if (g.index < floor_index) {
        g.index += 12 * ((floor_index - g.index + 11) / 12);
        ++counts.raised;
      }
      piece.notes.push_back(g);
    }
  }
  normalise(piece, counts.merged);
  return piece;
}

GridPiece transpose(const GridPiece& piece, int semitones, int range_size, std::size_t& dropped) {
  GridPiece out;
  out.parts = piece.parts;
  out.steps = piece.steps;
  out.notes.reserve(piece.notes.size());
  for (GridNote n : piece.notes) {
    n.index += semitones;
    if (n.index < 0 || n.index >= range_size) {
      ++dropped;
      continue;
    }
    out.notes.push_back(n);
  }
  // A uniform shift keeps the (start, part, index) order and the no-overlap rule.
  return out;
}

Score to_score(const GridPiece& piece, const EncodingSpec& spec, const DecodeOptions& options) {
  if (!(options.bpm > 0) || !std::isfinite(options.bpm))
    throw EncodingError("tempo " + std::to_string(options.bpm) + " bpm must be positive");
  if (options.velocity < 1 || options.velocity > 127)
    throw EncodingError("velocity " + std::to_string(options.velocity) + " is not 1..127");
  const auto& entries = spec.parts.entries;
  if (!options.programs.empty() && options.programs.size() != entries.size())
    throw EncodingError("got " + std::to_string(options.programs.size()) + " programs for " +
                        std::to_string(entries.size()) + " parts");
  Score score;
  score.tempo_map.push_back({0.0, options.bpm});
  score.time_signatures.push_back({0.0, 4, 4});
  for (std::size_t e = 0; e < entries.size(); ++e) {
    Part part;
    part.name = entries[e].name;
    part.program = options.programs.empty() ? entries[e].program : options.programs[e];
    if (part.program < 0 || part.program > 127)
      throw EncodingError("program " + std::to_string(part.program) + " for part '" + part.name +
                          "' is not 0..127");
    // Channel 9 is percussion in General MIDI.
    part.channel = static_cast<int>(e < 9 ? e : std::min<std::size_t>(e + 1, 15));
    part.track = static_cast<int>(e + 1);
    score.parts.push_back(std::move(part));
  }
  const double sf = spec.sample_freq;
  for (const GridNote& n : piece.notes) {
    if (n.part < 0 || static_cast<std::size_t>(n.part) >= entries.size() ||
        !spec.range.contains_index(n.index))
      throw EncodingError("grid note at step " + std::to_string(n.start) +
                          " lies outside the spec's parts or range");
    Note note;
    note.pitch = spec.range.pitch_of(n.index);
    note.start = static_cast<double>(n.start) / sf;
    note.end = static_cast<double>(n.end()) / sf;
    note.velocity = options.velocity;
    score.parts[static_cast<std::size_t>(n.part)].notes.push_back(note);
  }
  // Grid order is (start, part, index), so each part is already (start, pitch) sorted.
  return score;
}

}  // namespace clara
