#include "core/model/files/model_files.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "core/hash/sha256.hpp"
#include "core/model/files/model_weights.hpp"

namespace clara::model {
namespace fs = std::filesystem;

namespace {

constexpr const char* kSums = "SHA256SUMS";
constexpr const char* kWeights = "weights.pt";
constexpr const char* kCard = "model.toml";

}  // namespace

void write_atomically(const fs::path& path, std::string_view bytes) {
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw ModelFileError(tmp.string() + ": cannot create");
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw ModelFileError(tmp.string() + ": write failed");
  }
  fs::rename(tmp, path);
}

namespace {

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ModelFileError(path.string() + ": cannot open");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string hex_of(const std::string& bytes) {
  return sha256_hex({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()});
}

bool is_hex64(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// name -> hex, in file order; rejects anything but plain file names in this folder.
std::map<std::string, std::string> parse_sums(const std::string& text, const fs::path& where) {
  std::map<std::string, std::string> sums;
  std::istringstream in(text);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    const auto here = where.string() + ":" + std::to_string(n);
    if (line.size() < 67 || line.compare(64, 2, "  ") != 0 || !is_hex64(line.substr(0, 64)))
      throw ModelFileError(here + ": expected '<64 lowercase hex>  <file name>'");
    std::string name = line.substr(66);
    if (name.empty() || name.find('/') != std::string::npos || name.find('\\') != std::string::npos ||
        name == "." || name == ".." || name == kSums)
      throw ModelFileError(here + ": '" + name + "' is not a plain file name in the model folder");
    if (!sums.emplace(name, line.substr(0, 64)).second)
      throw ModelFileError(here + ": '" + name + "' listed twice");
  }
  return sums;
}

}  // namespace

void write_sha256sums(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file() && e.path().filename() != kSums) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  std::string text;
  for (const auto& n : names) text += sha256_file(dir / n) + "  " + n + "\n";
  write_atomically(dir / kSums, text);
}

void save_model_folder(const fs::path& dir, const AwdLstm& model, const ModelCard& card, const Vocabulary& vocab) {
  if (card.architecture.vocab_size != static_cast<std::int64_t>(vocab.size()))
    throw ModelFileError(dir.string() + ": card says vocab_size " + std::to_string(card.architecture.vocab_size) +
                         " but the vocabulary has " + std::to_string(vocab.size()) + " tokens");
  fs::create_directories(dir);
  const auto w = serialize_weights(model);
  write_atomically(dir / kWeights, std::string_view(w.data(), w.size()));
  write_atomically(dir / kCard, card.to_toml());
  const fs::path vtmp = dir / (card.vocabulary_file + ".tmp");
  vocab.save(vtmp);
  fs::rename(vtmp, dir / card.vocabulary_file);
  write_sha256sums(dir);
}

std::map<std::string, std::string> read_verified_folder(const fs::path& dir) {
  if (!fs::is_directory(dir)) throw ModelFileError(dir.string() + ": not a model folder");
  const fs::path sums_path = dir / kSums;
  if (!fs::exists(sums_path)) throw ModelFileError(sums_path.string() + ": missing");
  const auto sums = parse_sums(read_bytes(sums_path), sums_path);

  // 1. Checksums of every listed file, on the very bytes the caller parses.
  std::map<std::string, std::string> contents;
  for (const auto& [name, hex] : sums) {
    const fs::path p = dir / name;
    if (!fs::is_regular_file(p)) throw ModelFileError(p.string() + ": listed in SHA256SUMS but missing");
    std::string bytes = read_bytes(p);
    const auto actual = hex_of(bytes);
    if (actual != hex)
      throw ModelFileError(p.string() + ": sha256 mismatch (SHA256SUMS says " + hex + ", file is " + actual + ")");
    contents.emplace(name, std::move(bytes));
  }
  // 2. Nothing unlisted.
  for (const auto& e : fs::directory_iterator(dir)) {
    const auto name = e.path().filename().string();
    if (name != kSums && !sums.count(name))
      throw ModelFileError(e.path().string() + ": not listed in SHA256SUMS");
  }
  return contents;
}

LoadedModel load_model_folder(const fs::path& dir) {
  const auto contents = read_verified_folder(dir);
  for (const char* required : {kWeights, kCard})
    if (!contents.count(required)) throw ModelFileError((dir / required).string() + ": missing (not listed in SHA256SUMS)");

  // 3. Card, vocabulary, then weights against both.
  LoadedModel out;
  out.card = ModelCard::parse(contents.at(kCard), (dir / kCard).string());
  const fs::path vocab_path = dir / out.card.vocabulary_file;
  if (!contents.count(out.card.vocabulary_file))
    throw ModelFileError(vocab_path.string() + ": vocabulary named by model.toml is not listed in SHA256SUMS");
  try {
    out.vocab = Vocabulary::load(vocab_path);
  } catch (const std::exception& e) {
    throw ModelFileError(std::string(e.what()));
  }
  if (hex_of(read_bytes(vocab_path)) != hex_of(contents.at(out.card.vocabulary_file)))
    throw ModelFileError(vocab_path.string() + ": changed while loading");
  const auto& arch = out.card.architecture;
  if (static_cast<std::int64_t>(out.vocab.size()) != arch.vocab_size)
    throw ModelFileError(vocab_path.string() + ": " + std::to_string(out.vocab.size()) +
                         " tokens but model.toml says vocab_size = " + std::to_string(arch.vocab_size));

  out.model = load_weights(contents.at(kWeights), arch, (dir / kWeights).string());
  return out;
}

}  // namespace clara::model
