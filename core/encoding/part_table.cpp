#include "core/encoding/part_table.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <span>
#include <stdexcept>

namespace clara {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool contains_any(const std::string& haystack, std::span<const std::string_view> needles) {
  return std::any_of(needles.begin(), needles.end(), [&](std::string_view n) {
    return haystack.find(n) != std::string::npos;
  });
}

// SPEC §1's lists, plus the words real track names in the corpus use ("chant",
// "soprano", "bass", brass instruments). Keyboard words are checked first so
// "piano bass" stays a keyboard.
constexpr std::array<std::string_view, 9> kKeyboardWords{
    "piano", "harp", "organ", "clavier", "cembalo", "keyboard", "celesta", "clavichord", "klavier"};
constexpr std::array<std::string_view, 24> kMelodyWords{
    "violin", "viola", "cello", "flute", "oboe", "clarinet", "recorder", "voice", "piccolo",
    "string", "bassoon", "horn", "trumpet", "trombone", "tuba", "soprano", "alto", "tenor",
    "bass", "baritone", "chant", "vocal", "sax", "fagott"};

double mean_pitch(const Part& part) {
  double sum = 0;
  for (const Note& n : part.notes) sum += n.pitch;
  return sum / static_cast<double>(part.notes.size());
}

bool valid_prefix(const std::string& p) {
  if (p.empty()) return false;
  if (!std::all_of(p.begin(), p.end(), [](char c) { return c >= 'a' && c <= 'z'; })) return false;
  // The notewise parser reads "end..." and "wait..." first.
  return p.rfind("end", 0) != 0 && p.rfind("wait", 0) != 0;
}

}  // namespace

InstrumentEvidence classify_with_evidence(const Part& part) {
  const std::string name = lower(part.name);
  if (contains_any(name, kKeyboardWords)) return {InstrumentClass::keyboard, PartBasis::name};
  if (contains_any(name, kMelodyWords)) return {InstrumentClass::melody, PartBasis::name};
  const int p = part.program;
  if ((p >= 0 && p <= 23) || p == 46) return {InstrumentClass::keyboard, PartBasis::program};
  if ((p >= 40 && p <= 45) || (p >= 52 && p <= 54) || (p >= 56 && p <= 79))
    return {InstrumentClass::melody, PartBasis::program};
  return {InstrumentClass::other, PartBasis::program};
}

InstrumentClass classify_instrument(const Part& part) { return classify_with_evidence(part).instrument; }

std::string_view to_string(PartBasis b) {
  switch (b) {
    case PartBasis::name: return "name";
    case PartBasis::program: return "program";
    case PartBasis::content: return "content";
    case PartBasis::any: return "any";
  }
  return "any";
}

std::string_view to_string(InstrumentClass c) {
  switch (c) {
    case InstrumentClass::keyboard: return "keyboard";
    case InstrumentClass::melody: return "melody";
    case InstrumentClass::other: return "other";
  }
  return "other";
}

PartTable PartTable::piano() {
  return {"piano", {{"p", "Piano", 0, PartRole::rest, 0, false}}, false, true};
}

PartTable PartTable::solo_piano() {
  return {"solo_piano",
          {{"v", "Violin", 40, PartRole::highest_melody, 22, true},
           {"p", "Piano", 0, PartRole::rest, 0, false}},
          true,
          true};
}

PartTable PartTable::string_quartet() {
  // Floors are each instrument's lowest open string in the 62-note window
  // (G3 = 22, C3 = 15, C2 = 3), so only a mis-assigned part is moved.
  return {"string_quartet",
          {{"vi", "Violin I", 40, PartRole::highest_melody, 22, true},
           {"vii", "Violin II", 40, PartRole::highest_melody, 22, true},
           {"vla", "Viola", 41, PartRole::highest_melody, 15, true},
           {"vc", "Violoncello", 42, PartRole::rest, 3, true}},
          true,
          false};
}

PartTable PartTable::by_name(std::string_view name) {
  if (name == "piano") return piano();
  if (name == "solo_piano") return solo_piano();
  if (name == "string_quartet") return string_quartet();
  throw std::invalid_argument("unknown part table '" + std::string(name) +
                              "' (known: piano, solo_piano, string_quartet)");
}

void PartTable::validate(int range_size) const {
  if (entries.empty()) throw std::invalid_argument("part table '" + name + "' has no entries");
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const PartEntry& e = entries[i];
    const std::string where = "part table '" + name + "' entry " + std::to_string(i) + ": ";
    if (!valid_prefix(e.prefix))
      throw std::invalid_argument(where + "prefix '" + e.prefix +
                                  "' must be lower-case letters not starting with 'end' or 'wait'");
    for (std::size_t j = 0; j < i; ++j)
      if (entries[j].prefix == e.prefix)
        throw std::invalid_argument(where + "duplicate prefix '" + e.prefix + "'");
    if (e.role == PartRole::rest && i + 1 != entries.size())
      throw std::invalid_argument(where + "only the last entry may take the remaining parts");
    if (e.index_floor < 0 || e.index_floor > range_size - 12)
      throw std::invalid_argument(where + "index floor " + std::to_string(e.index_floor) +
                                  " must lie in 0.." + std::to_string(range_size - 12));
    if (e.program < 0 || e.program > 127)
      throw std::invalid_argument(where + "program " + std::to_string(e.program) + " is not 0..127");
  }
}

std::vector<int> PartTable::assign(const Score& score) const {
  PartAssignment a = explain(score);
  if (!a.error.empty()) throw PartAssignmentError(a.error);
  return std::move(a.entry);
}

PartAssignment PartTable::explain(const Score& score) const {
  PartAssignment a;
  a.entry.assign(score.parts.size(), -1);
  a.basis.assign(score.parts.size(), classify ? PartBasis::program : PartBasis::any);
  std::vector<int>& out = a.entry;
  std::vector<std::size_t> melody;  // indices of melody parts, highest mean pitch first
  std::vector<std::size_t> others;
  for (std::size_t i = 0; i < score.parts.size(); ++i) {
    const Part& part = score.parts[i];
    if (part.notes.empty()) continue;
    if (!classify) {
      others.push_back(i);
      continue;
    }
    const InstrumentEvidence ev = classify_with_evidence(part);
    a.basis[i] = ev.basis;
    const std::string what = "part " + std::to_string(i) + " ('" + part.name + "', program " +
                             std::to_string(part.program) + ")";
    if (ev.instrument == InstrumentClass::other) {
      a.error = what + " is neither keyboard-like nor melody-like; table '" + name +
                "' cannot place it";
      return a;
    }
    if (ev.instrument == InstrumentClass::keyboard && !keyboard_allowed) {
      a.error = what + " is a keyboard; table '" + name + "' takes none";
      return a;
    }
    (ev.instrument == InstrumentClass::melody ? melody : others).push_back(i);
  }
  // Names and programs found no melody part: with exactly one solo entry, ask the
  // notes. A part whose name says keyboard stays out of the solo.
  const auto solo_entries = std::count_if(entries.begin(), entries.end(), [](const PartEntry& e) {
    return e.role == PartRole::highest_melody;
  });
  if (classify && melody.empty() && !others.empty() && solo_entries == 1) {
    std::vector<bool> may_be_solo(score.parts.size(), true);
    for (std::size_t i : others) may_be_solo[i] = a.basis[i] != PartBasis::name;
    a.content = find_solo_by_content(score, may_be_solo);
    if (a.content->solo >= 0) {
      const auto solo = static_cast<std::size_t>(a.content->solo);
      melody.push_back(solo);
      std::erase(others, solo);
      for (std::size_t i : others) a.basis[i] = PartBasis::content;
      a.basis[solo] = PartBasis::content;
    }
  }
  // Equal means keep score order (index tie-break), which keeps assignment deterministic.
  std::vector<double> means(score.parts.size(), 0.0);
  for (std::size_t i : melody) means[i] = mean_pitch(score.parts[i]);
  std::sort(melody.begin(), melody.end(), [&](std::size_t x, std::size_t y) {
    return means[x] != means[y] ? means[x] > means[y] : x < y;
  });

  std::size_t next_melody = 0;
  std::vector<bool> filled(entries.size(), false);
  for (std::size_t e = 0; e < entries.size(); ++e) {
    if (entries[e].role == PartRole::highest_melody) {
      if (next_melody < melody.size()) {
        out[melody[next_melody++]] = static_cast<int>(e);
        filled[e] = true;
      }
    } else {
      for (std::size_t k = next_melody; k < melody.size(); ++k) out[melody[k]] = static_cast<int>(e);
      for (std::size_t i : others) out[i] = static_cast<int>(e);
      filled[e] = next_melody < melody.size() || !others.empty();
      next_melody = melody.size();
      others.clear();
    }
  }
  for (std::size_t e = 0; e < entries.size(); ++e)
    if (entries[e].required && !filled[e]) {
      a.error = "table '" + name + "' needs a part for '" + entries[e].prefix + "' (" + entries[e].name +
                ") but the score has " + std::to_string(melody.size()) +
                " melody part(s) with notes by name or program";
      if (a.content) a.error += "; " + a.content->reason;
      return a;
    }
  if (!others.empty() || next_melody < melody.size())
    a.error = "table '" + name + "' has no entry for the score's remaining parts";
  return a;
}

int PartTable::find_prefix(std::string_view prefix) const {
  for (std::size_t i = 0; i < entries.size(); ++i)
    if (entries[i].prefix == prefix) return static_cast<int>(i);
  return -1;
}

}  // namespace clara
