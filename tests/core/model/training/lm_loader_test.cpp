#include "core/model/training/lm_loader.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <numeric>

namespace clara::model {
namespace {

std::vector<int> iota_stream(int n) {
  std::vector<int> v(n);
  std::iota(v.begin(), v.end(), 0);
  return v;
}

TEST(LmLoader, ColumnsAreContiguousSlicesAndTargetsAreShiftedInputs) {
  LmLoader loader(iota_stream(4 * 300 + 3), 4, 20, 5);
  EXPECT_EQ(loader.rows(), 300);
  LmBatch b;
  std::int64_t seen = 0;
  int batches = 0;
  while (loader.next(b)) {
    ++batches;
    EXPECT_GE(b.rows, 1);
    for (std::int64_t r = 0; r < b.rows; ++r)
      for (std::int64_t c = 0; c < 4; ++c) {
        EXPECT_EQ(b.input[r * 4 + c], c * 300 + seen + r);
        EXPECT_EQ(b.target[r * 4 + c], b.input[r * 4 + c] + 1);
      }
    seen += b.rows;
  }
  EXPECT_EQ(seen, 299);  // every row but the last is an input once
  EXPECT_GT(batches, 10);
}

TEST(LmLoader, BatchLengthsFollowTheRandomisedBptt) {
  LmLoader loader(iota_stream(2 * 200000), 2, 50, 9);
  LmBatch b;
  std::vector<std::int64_t> lens;
  while (loader.next(b)) lens.push_back(b.rows);
  lens.pop_back();  // the last batch is cut short by the data
  int halves = 0;
  double sum = 0;
  int n_full = 0;
  for (auto l : lens) {
    EXPECT_GE(l, 5);
    if (l < 38) ++halves;  // 25 +- a few sd
    else sum += static_cast<double>(l), ++n_full;
  }
  const double share = static_cast<double>(halves) / lens.size();
  EXPECT_GT(share, 0.02);
  EXPECT_LT(share, 0.09);
  EXPECT_NEAR(sum / n_full, 50.0, 1.0);
}

TEST(LmLoader, SavedStateResumesTheSameSequence) {
  LmLoader a(iota_stream(3 * 5000), 3, 30, 1);
  LmBatch b;
  for (int i = 0; i < 7; ++i) a.next(b);
  const auto state = a.save_state();
  std::vector<std::int64_t> rest_a;
  while (a.next(b)) rest_a.push_back(b.input[0]);
  LmLoader c(iota_stream(3 * 5000), 3, 30, 999);
  c.restore_state(state);
  std::vector<std::int64_t> rest_c;
  while (c.next(b)) rest_c.push_back(b.input[0]);
  EXPECT_EQ(rest_a, rest_c);
  EXPECT_THROW(c.restore_state("garbage"), std::invalid_argument);
}

TEST(LmLoader, RejectsTooLittleData) { EXPECT_THROW(LmLoader(iota_stream(5), 4, 10, 1), std::invalid_argument); }

TEST(LmLoader, TokenFileAppendsEosPerPieceAndMapsUnknown) {
  Vocabulary v({"p1", "wait2"});
  const auto path = std::filesystem::temp_directory_path() / ("clara_tokens_" + std::to_string(::getpid()) + ".txt");
  {
    std::ofstream out(path);
    out << "p1 wait2 zzz\n\nwait2\n";
  }
  auto ids = read_token_file(path, v);
  std::filesystem::remove(path);
  EXPECT_EQ(ids, (std::vector<int>{v.id("p1"), v.id("wait2"), Vocabulary::kUnk, Vocabulary::kEos, v.id("wait2"),
                                   Vocabulary::kEos}));
  EXPECT_THROW(read_token_file("/nonexistent/clara.txt", v), std::runtime_error);
}

}  // namespace
}  // namespace clara::model
