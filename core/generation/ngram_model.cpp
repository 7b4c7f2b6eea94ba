#include "core/generation/ngram_model.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <stdexcept>
#include <string>

#include "core/encoding/vocabulary.hpp"

namespace clara {
namespace {

static_assert(std::endian::native == std::endian::little, "the n-gram file format is written natively");

constexpr char kMagic[8] = {'C', 'L', 'A', 'R', 'A', 'K', 'N', '\0'};
constexpr std::uint32_t kVersion = 1;
constexpr std::size_t kHeaderBytes = 8 + 4 + 4 + 4;
constexpr std::size_t kOrderBytes = 3 * 8 + 8 + 8;
constexpr std::size_t kContextBytes = 8 + 8 + 4;
constexpr std::size_t kEntryBytes = 4 + 4 + 8;
constexpr std::size_t kTrailerBytes = 8;
constexpr int kBitsPerId = 16;

std::uint64_t low_ids_mask(int ids) {
  return ids >= 4 ? ~std::uint64_t{0} : (std::uint64_t{1} << (kBitsPerId * ids)) - 1;
}

// Key of the `ids` most recent tokens before `end` (oldest first).
std::uint64_t history_key(const int* end, int ids) {
  std::uint64_t key = 0;
  for (int i = ids; i > 0; --i) key = (key << kBitsPerId) | static_cast<std::uint64_t>(*(end - i));
  return key;
}

struct Gram {
  std::uint64_t history;
  std::uint32_t token;
  bool operator==(const Gram&) const = default;
};
struct GramHash {
  std::size_t operator()(const Gram& g) const {
    return std::hash<std::uint64_t>()(g.history * 0x9E3779B97F4A7C15ull ^ g.token);
  }
};

std::array<double, 3> modified_kn_discounts(const std::array<std::uint64_t, 5>& n) {
  if (n[1] == 0 || n[2] == 0 || n[3] == 0 || n[4] == 0) return {0.5, 1.0, 1.5};
  const double y = static_cast<double>(n[1]) / static_cast<double>(n[1] + 2 * n[2]);
  std::array<double, 3> d{};
  for (int r = 1; r <= 3; ++r) {
    d[r - 1] = r - (r + 1) * y * static_cast<double>(n[r + 1]) / static_cast<double>(n[r]);
    // A zero discount would leave no mass for unseen tokens (probability 0, infinite NLL).
    if (!(d[r - 1] > 0.0 && d[r - 1] <= r)) return {0.5, 1.0, 1.5};
  }
  return d;
}

std::uint64_t fnv1a(const std::uint8_t* data, std::size_t n) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (std::size_t i = 0; i < n; ++i) h = (h ^ data[i]) * 0x100000001b3ull;
  return h;
}

class Writer {
 public:
  template <typename T>
  void put(T v) {
    const auto* p = reinterpret_cast<const std::uint8_t*>(&v);
    bytes.insert(bytes.end(), p, p + sizeof(T));
  }
  std::vector<std::uint8_t> bytes;
};

class Reader {
 public:
  Reader(const std::filesystem::path& path, const std::vector<std::uint8_t>& data) : path_(path), data_(data) {}
  template <typename T>
  T get(const char* what) {
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, data_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  void need(std::size_t n, const char* what) const {
    if (data_.size() - pos_ < n)
      fail(std::string("truncated: ") + what + " needs " + std::to_string(n) + " bytes, " +
           std::to_string(data_.size() - pos_) + " left");
  }
  std::size_t remaining() const { return data_.size() - pos_; }
  std::size_t pos() const { return pos_; }
  [[noreturn]] void fail(const std::string& why, std::size_t at) const {
    throw std::runtime_error(path_.string() + ": byte offset " + std::to_string(at) + ": " + why);
  }
  [[noreturn]] void fail(const std::string& why) const { fail(why, pos_); }

 private:
  const std::filesystem::path& path_;
  const std::vector<std::uint8_t>& data_;
  std::size_t pos_ = 0;
};

}  // namespace

NgramEvaluation& NgramEvaluation::operator+=(const NgramEvaluation& o) {
  tokens += o.tokens;
  nll_sum += o.nll_sum;
  top1_hits += o.top1_hits;
  return *this;
}

NgramModel NgramModel::train(const std::vector<std::vector<int>>& pieces, std::size_t vocab_size, int order) {
  if (order < 1 || order > kMaxOrder)
    throw std::invalid_argument("n-gram order must be within [1, " + std::to_string(kMaxOrder) + "], got " +
                                std::to_string(order));
  if (vocab_size < Vocabulary::specials().size() || vocab_size > kMaxVocab)
    throw std::invalid_argument("n-gram vocabulary size must be within [3, " + std::to_string(kMaxVocab) +
                                "], got " + std::to_string(vocab_size));
  NgramModel m;
  m.order_ = order;
  m.vocab_size_ = vocab_size;

  // counts[k-1]: raw counts for the top order, continuation counts below it.
  std::vector<std::unordered_map<Gram, std::uint32_t, GramHash>> counts(static_cast<std::size_t>(order));
  std::vector<int> padded;
  for (std::size_t p = 0; p < pieces.size(); ++p) {
    for (std::size_t i = 0; i < pieces[p].size(); ++i) {
      int t = pieces[p][i];
      if (t < 0 || static_cast<std::size_t>(t) >= vocab_size)
        throw std::invalid_argument("piece " + std::to_string(p) + ", position " + std::to_string(i) + ": token id " +
                                    std::to_string(t) + " outside vocabulary of " + std::to_string(vocab_size));
    }
    padded.assign(static_cast<std::size_t>(order - 1), Vocabulary::kEos);
    padded.insert(padded.end(), pieces[p].begin(), pieces[p].end());
    padded.push_back(Vocabulary::kEos);
    for (std::size_t i = static_cast<std::size_t>(order - 1); i < padded.size(); ++i)
      ++counts.back()[Gram{history_key(padded.data() + i, order - 1), static_cast<std::uint32_t>(padded[i])}];
  }
  for (int k = order - 1; k >= 1; --k)
    for (const auto& [gram, c] : counts[static_cast<std::size_t>(k)])
      ++counts[static_cast<std::size_t>(k - 1)][Gram{gram.history & low_ids_mask(k - 1), gram.token}];

  m.discounts_.resize(static_cast<std::size_t>(order));
  m.tables_.resize(static_cast<std::size_t>(order));
  for (int k = 1; k <= order; ++k) {
    const auto& cnt = counts[static_cast<std::size_t>(k - 1)];
    std::array<std::uint64_t, 5> n{};
    for (const auto& [gram, c] : cnt)
      if (c <= 4) ++n[c];
    const auto d = modified_kn_discounts(n);
    m.discounts_[static_cast<std::size_t>(k - 1)] = d;
    auto discount = [&d](std::uint32_t c) { return d[std::min<std::uint32_t>(c, 3) - 1]; };

    Table& table = m.tables_[static_cast<std::size_t>(k - 1)];
    for (const auto& [gram, c] : cnt) table[gram.history].entries.push_back(Entry{gram.token, c, 0.0});
    for (auto& [key, ctx] : table) {
      std::sort(ctx.entries.begin(), ctx.entries.end(), [](const Entry& a, const Entry& b) { return a.token < b.token; });
      double total = 0.0, discounted = 0.0;
      for (const Entry& e : ctx.entries) {
        total += e.count;
        discounted += discount(e.count);
      }
      for (Entry& e : ctx.entries) e.alpha = (e.count - discount(e.count)) / total;
      ctx.gamma = discounted / total;
    }
  }
  return m;
}

std::array<double, 3> NgramModel::discounts(int order) const {
  if (order < 1 || order > order_) throw std::out_of_range("no order " + std::to_string(order) + " in this model");
  return discounts_[static_cast<std::size_t>(order - 1)];
}

std::size_t NgramModel::ngram_count(int order) const {
  if (order < 1 || order > order_) throw std::out_of_range("no order " + std::to_string(order) + " in this model");
  std::size_t n = 0;
  for (const auto& [key, ctx] : tables_[static_cast<std::size_t>(order - 1)]) n += ctx.entries.size();
  return n;
}

void NgramModel::check_token(int token, const char* what) const {
  if (token < 0 || static_cast<std::size_t>(token) >= vocab_size_)
    throw std::invalid_argument(std::string(what) + ": token id " + std::to_string(token) + " outside vocabulary of " +
                                std::to_string(vocab_size_));
}

template <typename Fn>
void NgramModel::for_each_context(std::span<const int> context, Fn&& fn) const {
  for (int k = 1; k <= order_; ++k) {
    if (context.size() < static_cast<std::size_t>(k - 1)) break;
    const Table& table = tables_[static_cast<std::size_t>(k - 1)];
    auto it = table.find(history_key(context.data() + context.size(), k - 1));
    if (it != table.end()) fn(it->second);
  }
}

double NgramModel::log_prob(std::span<const int> context, int token) const {
  check_token(token, "log_prob");
  const std::size_t used = std::min(context.size(), static_cast<std::size_t>(order_ - 1));
  context = context.last(used);
  for (int t : context) check_token(t, "log_prob context");
  double p = 1.0 / static_cast<double>(vocab_size_);
  for_each_context(context, [&](const Context& ctx) {
    auto it = std::lower_bound(ctx.entries.begin(), ctx.entries.end(), static_cast<std::uint32_t>(token),
                               [](const Entry& e, std::uint32_t t) { return e.token < t; });
    p = ctx.gamma * p + (it != ctx.entries.end() && it->token == static_cast<std::uint32_t>(token) ? it->alpha : 0.0);
  });
  return std::log(p);
}

void NgramModel::distribution(std::span<const int> context, std::span<double> out) const {
  if (out.size() != vocab_size_)
    throw std::invalid_argument("distribution: output has " + std::to_string(out.size()) + " entries, vocabulary " +
                                std::to_string(vocab_size_));
  const std::size_t used = std::min(context.size(), static_cast<std::size_t>(order_ - 1));
  context = context.last(used);
  for (int t : context) check_token(t, "distribution context");
  std::fill(out.begin(), out.end(), 1.0 / static_cast<double>(vocab_size_));
  for_each_context(context, [&](const Context& ctx) {
    for (double& p : out) p *= ctx.gamma;
    for (const Entry& e : ctx.entries) out[e.token] += e.alpha;
  });
}

NgramEvaluation NgramModel::evaluate(std::span<const int> piece) const {
  std::vector<int> padded(static_cast<std::size_t>(order_ - 1), Vocabulary::kEos);
  for (std::size_t i = 0; i < piece.size(); ++i) {
    if (piece[i] < 0 || static_cast<std::size_t>(piece[i]) >= vocab_size_)
      throw std::invalid_argument("evaluate: position " + std::to_string(i) + ": token id " + std::to_string(piece[i]) +
                                  " outside vocabulary of " + std::to_string(vocab_size_));
    padded.push_back(piece[i]);
  }
  padded.push_back(Vocabulary::kEos);
  NgramEvaluation r;
  std::vector<double> dist(vocab_size_);
  const std::span<const int> all(padded);
  for (std::size_t i = static_cast<std::size_t>(order_ - 1); i < padded.size(); ++i) {
    distribution(all.subspan(i + 1 - static_cast<std::size_t>(order_), static_cast<std::size_t>(order_ - 1)), dist);
    const auto target = static_cast<std::size_t>(padded[i]);
    r.nll_sum -= std::log(dist[target]);
    if (static_cast<std::size_t>(std::max_element(dist.begin(), dist.end()) - dist.begin()) == target) ++r.top1_hits;
    ++r.tokens;
  }
  return r;
}

NgramEvaluation NgramModel::evaluate(const std::vector<std::vector<int>>& pieces) const {
  NgramEvaluation total;
  for (const auto& p : pieces) total += evaluate(std::span<const int>(p));
  return total;
}

std::size_t NgramModel::serialized_size() const {
  std::size_t n = kHeaderBytes + kTrailerBytes + static_cast<std::size_t>(order_) * kOrderBytes;
  for (const Table& t : tables_) {
    n += t.size() * kContextBytes;
    for (const auto& [key, ctx] : t) n += ctx.entries.size() * kEntryBytes;
  }
  return n;
}

std::size_t NgramModel::prune(std::size_t max_bytes) {
  std::size_t dropped = 0;
  std::uint32_t max_count = 0;
  for (int k = 2; k <= order_; ++k)
    for (const auto& [key, ctx] : tables_[static_cast<std::size_t>(k - 1)])
      for (const Entry& e : ctx.entries) max_count = std::max(max_count, e.count);
  for (std::uint32_t threshold = 1; threshold <= max_count; ++threshold) {
    for (int k = order_; k >= 2; --k) {
      if (serialized_size() < max_bytes) return dropped;
      Table& table = tables_[static_cast<std::size_t>(k - 1)];
      for (auto it = table.begin(); it != table.end();) {
        auto& entries = it->second.entries;
        auto keep = std::remove_if(entries.begin(), entries.end(), [&](const Entry& e) {
          if (e.count > threshold) return false;
          it->second.gamma += e.alpha;  // its mass now reaches it through the lower order
          ++dropped;
          return true;
        });
        entries.erase(keep, entries.end());
        // An empty context has gamma 1 and passes the lower order through: same as absent.
        it = entries.empty() ? table.erase(it) : std::next(it);
      }
    }
  }
  return dropped;
}

void NgramModel::save(const std::filesystem::path& path) const {
  Writer w;
  w.bytes.reserve(serialized_size());
  w.bytes.insert(w.bytes.end(), kMagic, kMagic + sizeof(kMagic));
  w.put<std::uint32_t>(kVersion);
  w.put<std::uint32_t>(static_cast<std::uint32_t>(order_));
  w.put<std::uint32_t>(static_cast<std::uint32_t>(vocab_size_));
  for (int k = 1; k <= order_; ++k) {
    const Table& table = tables_[static_cast<std::size_t>(k - 1)];
    for (double d : discounts_[static_cast<std::size_t>(k - 1)]) w.put<double>(d);
    w.put<std::uint64_t>(table.size());
    w.put<std::uint64_t>(ngram_count(k));
    // Sorted so that equal models give identical files.
    std::vector<std::uint64_t> keys;
    keys.reserve(table.size());
    for (const auto& [key, ctx] : table) keys.push_back(key);
    std::sort(keys.begin(), keys.end());
    for (std::uint64_t key : keys) {
      const Context& ctx = table.at(key);
      w.put<std::uint64_t>(key);
      w.put<double>(ctx.gamma);
      w.put<std::uint32_t>(static_cast<std::uint32_t>(ctx.entries.size()));
      for (const Entry& e : ctx.entries) {
        w.put<std::uint32_t>(e.token);
        w.put<std::uint32_t>(e.count);
        w.put<double>(e.alpha);
      }
    }
  }
  w.put<std::uint64_t>(fnv1a(w.bytes.data(), w.bytes.size()));
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error(path.string() + ": cannot open for writing");
  out.write(reinterpret_cast<const char*>(w.bytes.data()), static_cast<std::streamsize>(w.bytes.size()));
  if (!out) throw std::runtime_error(path.string() + ": write failed");
}

NgramModel NgramModel::load(const std::filesystem::path& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) throw std::runtime_error(path.string() + ": cannot read n-gram model: " + ec.message());
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path.string() + ": cannot open n-gram model");
  std::vector<std::uint8_t> data(static_cast<std::size_t>(size));
  in.read(reinterpret_cast<char*>(data.data()), static_cast<std::streamsize>(size));
  if (in.gcount() != static_cast<std::streamsize>(size)) throw std::runtime_error(path.string() + ": short read");

  Reader r(path, data);
  r.need(sizeof(kMagic), "magic");
  if (std::memcmp(data.data(), kMagic, sizeof(kMagic)) != 0) r.fail("not a Clara n-gram model (bad magic)");
  for (std::size_t i = 0; i < sizeof(kMagic); ++i) r.get<char>("magic");
  const auto version = r.get<std::uint32_t>("version");
  if (version != kVersion)
    r.fail("unsupported version " + std::to_string(version) + " (expected " + std::to_string(kVersion) + ")", r.pos() - 4);
  const auto order = r.get<std::uint32_t>("order");
  if (order < 1 || order > kMaxOrder) r.fail("order " + std::to_string(order) + " outside [1, 5]", r.pos() - 4);
  const auto vocab = r.get<std::uint32_t>("vocabulary size");
  if (vocab < 3 || vocab > kMaxVocab) r.fail("vocabulary size " + std::to_string(vocab) + " out of range", r.pos() - 4);

  NgramModel m;
  m.order_ = static_cast<int>(order);
  m.vocab_size_ = vocab;
  m.discounts_.resize(order);
  m.tables_.resize(order);
  constexpr double kTolerance = 1e-6;
  for (std::uint32_t k = 1; k <= order; ++k) {
    for (int r_ = 0; r_ < 3; ++r_) {
      const double d = r.get<double>("discount");
      if (!(d >= 0.0 && d <= r_ + 1.0)) r.fail("discount D" + std::to_string(r_ + 1) + " of order " + std::to_string(k) + " out of range", r.pos() - 8);
      m.discounts_[k - 1][static_cast<std::size_t>(r_)] = d;
    }
    const auto contexts = r.get<std::uint64_t>("context count");
    const auto entries = r.get<std::uint64_t>("entry count");
    // Every context and entry takes bytes, so the counts cannot exceed what is left.
    if (contexts > r.remaining() / kContextBytes || entries > r.remaining() / kEntryBytes)
      r.fail("order " + std::to_string(k) + " declares more contexts/entries than the file holds", r.pos() - 16);
    Table& table = m.tables_[k - 1];
    table.reserve(static_cast<std::size_t>(contexts));
    std::uint64_t seen_entries = 0;
    for (std::uint64_t c = 0; c < contexts; ++c) {
      const std::size_t at = r.pos();
      const auto key = r.get<std::uint64_t>("history key");
      const int ids = static_cast<int>(k) - 1;
      if ((key & ~low_ids_mask(ids)) != 0) r.fail("history key has more than " + std::to_string(ids) + " ids", at);
      for (int i = 0; i < ids; ++i)
        if (((key >> (kBitsPerId * i)) & 0xFFFF) >= vocab) r.fail("history key holds an id outside the vocabulary", at);
      Context ctx;
      ctx.gamma = r.get<double>("gamma");
      const auto n = r.get<std::uint32_t>("context entry count");
      if (n == 0 || n > r.remaining() / kEntryBytes) r.fail("bad entry count " + std::to_string(n), r.pos() - 4);
      ctx.entries.resize(n);
      double mass = ctx.gamma;
      for (std::uint32_t e = 0; e < n; ++e) {
        const std::size_t eat = r.pos();
        Entry& entry = ctx.entries[e];
        entry.token = r.get<std::uint32_t>("token");
        entry.count = r.get<std::uint32_t>("count");
        entry.alpha = r.get<double>("alpha");
        if (entry.token >= vocab) r.fail("token id " + std::to_string(entry.token) + " outside the vocabulary", eat);
        if (e > 0 && entry.token <= ctx.entries[e - 1].token) r.fail("tokens not strictly ascending", eat);
        if (entry.count == 0 || !(entry.alpha >= 0.0 && entry.alpha <= 1.0)) r.fail("bad count or probability", eat);
        mass += entry.alpha;
      }
      if (!(ctx.gamma >= 0.0 && ctx.gamma <= 1.0) || std::abs(mass - 1.0) > kTolerance)
        r.fail("context probabilities do not sum to 1", at);
      seen_entries += n;
      if (!table.emplace(key, std::move(ctx)).second) r.fail("duplicate history", at);
    }
    if (seen_entries != entries) r.fail("order " + std::to_string(k) + " entry total does not match its header");
  }
  const std::size_t body = r.pos();
  const auto hash = r.get<std::uint64_t>("checksum");
  if (r.remaining() != 0) r.fail(std::to_string(r.remaining()) + " unexpected trailing bytes");
  if (hash != fnv1a(data.data(), body)) r.fail("checksum mismatch (file corrupted)", body);
  return m;
}

}  // namespace clara
