#include "core/evaluation/classifier_data.hpp"

#include <algorithm>
#include <random>
#include <stdexcept>

#include "core/encoding/codec.hpp"
#include "core/midi/midi_file.hpp"

namespace clara {

PieceTokens encode_piece(const std::filesystem::path& corpus, const LabelledPiece& piece, const EncodingSpec& spec,
                         const Vocabulary& vocab) {
  PieceTokens out{piece, {}};
  const auto file = corpus / piece.path;
  try {
    EncodeCounts counts;
    const GridPiece grid = quantise(read_midi_file(file), spec, counts);
    for (int shift : transpositions_for(piece.split)) {
      std::size_t dropped = 0;
      const GridPiece moved = shift == 0 ? grid : transpose(grid, shift, spec.range.size, dropped);
      std::vector<int> ids;
      for (const auto& t : encode(moved, spec)) ids.push_back(vocab.id(t));
      out.keys.push_back(std::move(ids));
    }
  } catch (const MidiFileError& e) {
    throw std::runtime_error(file.string() + ": " + e.what());
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(file.string() + ": " + e.what());
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(file.string() + ": " + e.what());
  }
  return out;
}

int ClassChoice::class_of(const std::string& label) const {
  for (std::size_t i = 0; i < classes.size(); ++i)
    if (classes[i] == label) return static_cast<int>(i);
  if (grouped_other) return static_cast<int>(classes.size()) - 1;
  return -1;
}

ClassChoice choose_classes(const std::map<std::string, std::size_t>& pieces_per_label, std::size_t count,
                           bool group_rest) {
  if (count < 2) throw std::invalid_argument("at least 2 classes are needed");
  std::vector<std::pair<std::string, std::size_t>> ranked(pieces_per_label.begin(), pieces_per_label.end());
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  ClassChoice c;
  c.pieces = pieces_per_label;
  for (std::size_t i = 0; i < ranked.size(); ++i) {
    if (i < count)
      c.classes.push_back(ranked[i].first);
    else
      c.excluded.push_back(ranked[i].first);
  }
  if (c.classes.size() < 2)
    throw std::invalid_argument("only " + std::to_string(c.classes.size()) + " label(s) in the data; need 2");
  if (group_rest && !c.excluded.empty()) {
    c.classes.push_back("other");
    c.grouped_other = true;
    c.excluded.clear();
  }
  return c;
}

std::vector<ChunkRef> cut_chunks(const std::vector<PieceTokens>& pieces, Split split, std::size_t length,
                                 const ClassChoice& classes) {
  if (length < 2) throw std::invalid_argument("sample length must be at least 2 tokens");
  std::vector<ChunkRef> out;
  for (std::size_t p = 0; p < pieces.size(); ++p) {
    if (pieces[p].piece.split != split) continue;
    const int label = classes.class_of(pieces[p].piece.label);
    if (label < 0) continue;
    for (std::size_t k = 0; k < pieces[p].keys.size(); ++k) {
      const auto& line = pieces[p].keys[k];
      if (line.size() < length + 2) continue;
      for (std::size_t off = 1; off + length <= line.size() - 1; off += length)
        out.push_back({static_cast<std::uint32_t>(p), static_cast<std::uint32_t>(k), static_cast<std::uint32_t>(off),
                       label});
    }
  }
  return out;
}

std::vector<ChunkRef> balanced_draw(const std::vector<ChunkRef>& chunks, std::size_t classes, std::size_t n,
                                    std::uint64_t seed) {
  std::vector<std::vector<std::size_t>> by_class(classes);
  for (std::size_t i = 0; i < chunks.size(); ++i)
    if (chunks[i].label >= 0 && static_cast<std::size_t>(chunks[i].label) < classes)
      by_class[static_cast<std::size_t>(chunks[i].label)].push_back(i);
  std::vector<std::size_t> present;
  for (std::size_t c = 0; c < classes; ++c)
    if (!by_class[c].empty()) present.push_back(c);
  std::vector<ChunkRef> out;
  if (present.empty()) return out;
  std::mt19937_64 rng(seed);
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto& members = by_class[present[rng() % present.size()]];
    out.push_back(chunks[members[rng() % members.size()]]);
  }
  return out;
}

std::vector<int> chunk_tokens(const std::vector<PieceTokens>& pieces, const ChunkRef& chunk, std::size_t length) {
  const auto& line = pieces.at(chunk.piece).keys.at(chunk.key);
  if (chunk.offset + length > line.size()) throw std::out_of_range("chunk past the end of its line");
  return {line.begin() + chunk.offset, line.begin() + chunk.offset + static_cast<std::ptrdiff_t>(length)};
}

std::vector<std::size_t> chunks_per_class(const std::vector<ChunkRef>& chunks, std::size_t classes) {
  std::vector<std::size_t> n(classes, 0);
  for (const auto& c : chunks)
    if (c.label >= 0 && static_cast<std::size_t>(c.label) < classes) ++n[static_cast<std::size_t>(c.label)];
  return n;
}

}  // namespace clara
