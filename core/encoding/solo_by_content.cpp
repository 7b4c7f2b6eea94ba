#include "core/encoding/solo_by_content.hpp"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstdio>

namespace clara {

namespace {

std::string fixed(double x, int decimals) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, x);
  return buf;
}

std::string part_name(const Score& score, std::size_t i) {
  return "part " + std::to_string(i) + " ('" + score.parts[i].name + "')";
}

// Counts onset groups and those where two or more pitch classes sound.
struct OnsetCount {
  std::size_t onsets = 0, polyphonic = 0;
};

OnsetCount count_onsets(std::vector<Note>& notes, const SoloCriteria& c) {
  std::sort(notes.begin(), notes.end(), [](const Note& a, const Note& b) {
    return a.start != b.start ? a.start < b.start : a.pitch < b.pitch;
  });
  OnsetCount out;
  std::vector<const Note*> held;  // notes sounding past the last onset + hold
  for (std::size_t i = 0; i < notes.size();) {
    const double t = notes[i].start;
    std::size_t j = i;
    std::uint16_t classes = 0;
    for (; j < notes.size() && notes[j].start - t < c.chord_window; ++j)
      classes |= static_cast<std::uint16_t>(1u << (notes[j].pitch % 12));
    // Onsets only move forward, so a note that stopped counting never counts again.
    std::erase_if(held, [&](const Note* n) { return n->end <= t + c.hold; });
    for (const Note* n : held) classes |= static_cast<std::uint16_t>(1u << (n->pitch % 12));
    ++out.onsets;
    if (std::popcount(classes) >= 2) ++out.polyphonic;
    for (; i < j; ++i) held.push_back(&notes[i]);
  }
  return out;
}

}  // namespace

double polyphony_of(std::vector<Note> notes, const SoloCriteria& criteria) {
  const OnsetCount n = count_onsets(notes, criteria);
  return n.onsets == 0 ? 0.0 : static_cast<double>(n.polyphonic) / static_cast<double>(n.onsets);
}

PartFigures part_figures(const Part& part, std::size_t index, double piece_quarters,
                         const SoloCriteria& criteria) {
  PartFigures f;
  f.part = index;
  f.notes = part.notes.size();
  if (part.notes.empty()) return f;
  f.lowest = 127;
  f.highest = 0;
  double sum = 0;
  for (const Note& n : part.notes) {
    f.lowest = std::min(f.lowest, n.pitch);
    f.highest = std::max(f.highest, n.pitch);
    sum += n.pitch;
  }
  f.mean_pitch = sum / static_cast<double>(part.notes.size());
  std::vector<Note> notes = part.notes;
  const OnsetCount n = count_onsets(notes, criteria);
  f.polyphony = static_cast<double>(n.polyphonic) / static_cast<double>(n.onsets);
  f.onsets_per_quarter = piece_quarters > 0 ? static_cast<double>(n.onsets) / piece_quarters : 0.0;
  return f;
}

SoloDecision find_solo_by_content(const Score& score, const std::vector<bool>& may_be_solo,
                                  const SoloCriteria& c) {
  SoloDecision d;
  const double length = score.length_quarters();
  for (std::size_t i = 0; i < score.parts.size(); ++i) {
    if (score.parts[i].notes.empty()) continue;
    PartFigures f = part_figures(score.parts[i], i, length, c);
    f.may_be_solo = i >= may_be_solo.size() || may_be_solo[i];
    d.figures.push_back(f);
  }
  if (d.figures.size() < 2) {
    d.reason = "content cannot decide: fewer than two parts have notes";
    return d;
  }
  // Ties go to the earlier part, so the result never depends on sort stability.
  auto higher = [](const PartFigures& a, const PartFigures& b) {
    return a.mean_pitch != b.mean_pitch ? a.mean_pitch > b.mean_pitch : a.part < b.part;
  };
  const PartFigures& bass = *std::min_element(
      d.figures.begin(), d.figures.end(), [&](const PartFigures& a, const PartFigures& b) {
        return a.mean_pitch != b.mean_pitch ? a.mean_pitch < b.mean_pitch : a.part < b.part;
      });
  std::vector<PartFigures> lines;
  for (const PartFigures& f : d.figures)
    if (f.may_be_solo && f.part != bass.part && f.polyphony <= c.monophonic_max) lines.push_back(f);
  std::sort(lines.begin(), lines.end(), higher);
  if (lines.empty()) {
    d.reason =
        "content cannot decide: no part but the lowest is a mostly monophonic line "
        "(polyphony <= " +
        fixed(c.monophonic_max, 2) + ") that is not named as a keyboard";
    return d;
  }
  const PartFigures& solo = lines[0];
  if (lines.size() > 1 && solo.mean_pitch - lines[1].mean_pitch < c.margin) {
    d.reason = "content cannot decide: " + part_name(score, solo.part) + " and " +
               part_name(score, lines[1].part) + " are both monophonic lines, mean pitch " +
               fixed(solo.mean_pitch, 1) + " and " + fixed(lines[1].mean_pitch, 1) +
               ", less than " + fixed(c.margin, 0) + " semitones apart";
    return d;
  }
  for (const PartFigures& f : d.figures)
    if (f.part != solo.part && f.mean_pitch > solo.mean_pitch && f.polyphony < c.polyphonic_min) {
      d.reason = "content cannot decide: " + part_name(score, f.part) + " lies above the line " +
                 part_name(score, solo.part) + " (mean pitch " + fixed(f.mean_pitch, 1) + " > " +
                 fixed(solo.mean_pitch, 1) + ") and is not chordal (polyphony " +
                 fixed(f.polyphony, 2) + " < " + fixed(c.polyphonic_min, 2) + ")";
      return d;
    }
  std::vector<Note> rest;
  for (const PartFigures& f : d.figures)
    if (f.part != solo.part)
      rest.insert(rest.end(), score.parts[f.part].notes.begin(), score.parts[f.part].notes.end());
  const double rest_polyphony = polyphony_of(std::move(rest), c);
  if (rest_polyphony < c.polyphonic_min) {
    d.reason = "content cannot decide: the parts besides " + part_name(score, solo.part) +
               " do not sound as chords together (polyphony " + fixed(rest_polyphony, 2) + " < " +
               fixed(c.polyphonic_min, 2) + "): lines without a piano";
    return d;
  }
  d.solo = static_cast<int>(solo.part);
  d.reason = "by content: " + part_name(score, solo.part) + " is a monophonic line (polyphony " +
             fixed(solo.polyphony, 2) + ", pitches " + std::to_string(solo.lowest) + ".." +
             std::to_string(solo.highest) + ", mean " + fixed(solo.mean_pitch, 1) + ", " +
             fixed(solo.onsets_per_quarter, 2) + " onsets/quarter)" +
             (lines.size() > 1 ? ", " + fixed(solo.mean_pitch - lines[1].mean_pitch, 1) +
                                     " semitones above the next line"
                               : std::string(", the only one above the bass")) +
             "; the other parts together are chordal (polyphony " + fixed(rest_polyphony, 2) + ")";
  return d;
}

}  // namespace clara
