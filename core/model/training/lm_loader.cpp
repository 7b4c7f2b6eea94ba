#include "core/model/training/lm_loader.hpp"

#include <cmath>
#include <fstream>
#include <numbers>
#include <sstream>
#include <stdexcept>

namespace clara::model {

LmLoader::LmLoader(const std::vector<int>& stream, std::int64_t batch_size, std::int64_t bptt, std::uint64_t seed)
    : bptt_(bptt), rng_(seed) {
  if (batch_size < 1 || bptt < 1) throw std::invalid_argument("LmLoader: batch size and bptt must be positive");
  columns_ = batch_size;
  rows_ = static_cast<std::int64_t>(stream.size()) / batch_size;
  if (rows_ < 2)
    throw std::invalid_argument("LmLoader: " + std::to_string(stream.size()) + " tokens are too few for " +
                                std::to_string(batch_size) + " columns");
  // Column b holds the b-th contiguous slice of the stream; the tail that does not
  // fill a row is dropped, as fastai does.
  data_.resize(static_cast<std::size_t>(rows_ * columns_));
  for (std::int64_t b = 0; b < columns_; ++b)
    for (std::int64_t r = 0; r < rows_; ++r) data_[r * columns_ + b] = stream[b * rows_ + r];
}

double LmLoader::normal(double mean, double sd) {
  // Box-Muller on the engine alone (no cached second value), so the engine state
  // is the whole random state.
  auto uniform = [&] { return (static_cast<double>(rng_() >> 11) + 0.5) * 0x1.0p-53; };
  const double u1 = uniform(), u2 = uniform();
  return mean + sd * std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

bool LmLoader::next(LmBatch& out) {
  if (position_ >= rows_ - 1) return false;
  const bool half = (static_cast<double>(rng_() >> 11) * 0x1.0p-53) < 0.05;
  const double mu = half ? bptt_ / 2.0 : static_cast<double>(bptt_);
  const auto want = std::max<std::int64_t>(5, std::llround(normal(mu, 5.0)));
  const auto len = std::min(want, rows_ - 1 - position_);
  out.rows = len;
  out.columns = columns_;
  out.input.assign(data_.begin() + position_ * columns_, data_.begin() + (position_ + len) * columns_);
  out.target.assign(data_.begin() + (position_ + 1) * columns_, data_.begin() + (position_ + 1 + len) * columns_);
  position_ += len;
  return true;
}

std::int64_t LmLoader::batches_per_epoch_estimate() const { return std::max<std::int64_t>(1, (rows_ - 1) / bptt_); }

std::string LmLoader::save_state() const {
  std::ostringstream os;
  os << position_ << ' ' << rng_;
  return os.str();
}

void LmLoader::restore_state(const std::string& state) {
  std::istringstream is(state);
  std::int64_t pos = -1;
  std::mt19937_64 rng;
  is >> pos >> rng;
  if (!is || pos < 0 || pos > rows_) throw std::invalid_argument("LmLoader: bad saved state");
  position_ = pos;
  rng_ = rng;
}

std::vector<int> read_token_file(const std::filesystem::path& path, const Vocabulary& vocab) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path.string() + ": cannot open token file");
  std::vector<int> ids;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::istringstream ls(line);
    std::string tok;
    bool any = false;
    while (ls >> tok) {
      ids.push_back(vocab.id(tok));
      any = true;
    }
    if (any) ids.push_back(Vocabulary::kEos);
  }
  return ids;
}

}  // namespace clara::model
