#include "core/model/inference/int8_gemv.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <stdexcept>
#include <vector>

namespace clara::model::int8 {
namespace {

std::vector<float> gaussian(std::size_t n, unsigned seed, float sd = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, sd);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

std::vector<Kernel> kernels_here() {
  std::vector<Kernel> out;
  for (Kernel k : {Kernel::scalar, Kernel::avx2, Kernel::avx512_vnni})
    if (supported(k)) out.push_back(k);
  return out;
}

// The shapes the step meets and the awkward ones: m = 1, k below, at and past one
// 32/64-byte chunk, rows not a multiple of the 4-row block.
const std::vector<std::pair<std::int64_t, std::int64_t>> kShapes = {
    {1, 1},     {1, 31},  {1, 33},     {3, 64},      {5, 65}, {7, 100},
    {153, 128}, {96, 40}, {1024, 384}, {2400, 1000}, {13, 1}};

TEST(Int8Gemv, QuantizedCodesStayInSymmetricRangeAndPadWithZeros) {
  const auto a = gaussian(5 * 70, 1);
  const Matrix m(a.data(), 5, 70);
  EXPECT_EQ(m.stride(), 128);
  for (std::int64_t r = 0; r < 5; ++r) {
    bool hit_max = false;
    for (std::int64_t c = 0; c < m.stride(); ++c) {
      const int q = m.row(r)[c];
      EXPECT_GE(q, -127);
      EXPECT_LE(q, 127);
      if (c >= 70) {
        EXPECT_EQ(q, 0);
      }
      hit_max = hit_max || std::abs(q) == 127;
      if (c < 70) {
        EXPECT_NEAR(q * m.scale(r), a[r * 70 + c], m.scale(r) / 2 * 1.0001f);
      }
    }
    EXPECT_TRUE(hit_max) << "the largest weight of a row maps to +-127";
  }
}

// Every kernel on this CPU computes the same integers, hence the same floats.
TEST(Int8Gemv, EveryKernelMatchesScalarBitForBit) {
  const auto kernels = kernels_here();
  ASSERT_FALSE(kernels.empty());
  std::printf("kernels on this CPU:");
  for (Kernel k : kernels) std::printf(" %s", kernel_name(k));
  std::printf(" (best: %s)\n", kernel_name(best_kernel()));
  unsigned seed = 10;
  for (auto [m, k] : kShapes)
    for (std::int64_t batch : {1, 3}) {
      const auto a = gaussian(static_cast<std::size_t>(m * k), ++seed);
      const Matrix w(a.data(), m, k);
      Activations x(batch, k);
      for (std::int64_t b = 0; b < batch; ++b)
        x.quantize(b, gaussian(static_cast<std::size_t>(k), ++seed).data());
      std::vector<float> ref(static_cast<std::size_t>(m * batch));
      gemm(w, x, ref.data(), batch, 1, Kernel::scalar);
      for (Kernel kern : kernels) {
        std::vector<float> y(ref.size(), -1.0f);
        gemm(w, x, y.data(), batch, 1, kern);
        for (std::size_t i = 0; i < y.size(); ++i)
          ASSERT_EQ(y[i], ref[i]) << kernel_name(kern) << " at m " << m << " k " << k << " batch "
                                  << batch << " i " << i;
        for (std::int64_t r = 0; r < m; ++r)
          ASSERT_EQ(dot(w.row(r), x.vector(0), w.stride(), kern),
                    dot(w.row(r), x.vector(0), w.stride(), Kernel::scalar));
      }
    }
}

// Against the float product: every output lies within the bound that rounding both
// operands to half a step allows, |y - Wx| <= sx/2 sum|w| + sw/2 sum|x| + k sw sx / 4
// (plus float rounding), and the error is small overall (relative RMS < 1.5 % here).
TEST(Int8Gemv, WithinTheQuantizationBoundOfTheFloatProduct) {
  unsigned seed = 100;
  for (auto [m, k] : kShapes) {
    const auto a = gaussian(static_cast<std::size_t>(m * k), ++seed, 0.1f);
    const auto v = gaussian(static_cast<std::size_t>(k), ++seed, 0.5f);
    const Matrix w(a.data(), m, k);
    Activations x(1, k);
    x.quantize(0, v.data());
    std::vector<float> y(static_cast<std::size_t>(m));
    gemm(w, x, y.data(), 1, 1, best_kernel());
    double err2 = 0, ref2 = 0, sum_abs_x = 0;
    for (float xi : v) sum_abs_x += std::abs(xi);
    for (std::int64_t r = 0; r < m; ++r) {
      double exact = 0, sum_abs_w = 0;
      for (std::int64_t c = 0; c < k; ++c) {
        exact += static_cast<double>(a[r * k + c]) * v[c];
        sum_abs_w += std::abs(a[r * k + c]);
      }
      const double sw = w.scale(r), sx = x.scale(0);
      const double bound = sx / 2 * sum_abs_w + sw / 2 * sum_abs_x + k * sw * sx / 4;
      EXPECT_LE(std::abs(y[r] - exact), bound * 1.001 + 1e-6 * std::abs(exact))
          << "m " << m << " k " << k << " row " << r;
      err2 += (y[r] - exact) * (y[r] - exact);
      ref2 += exact * exact;
    }
    if (k >= 64) {
      EXPECT_LT(std::sqrt(err2 / ref2), 0.015) << "m " << m << " k " << k;
    }
  }
}

TEST(Int8Gemv, BatchedOutputStridesAddressEveryElement) {
  const std::int64_t m = 9, k = 50, batch = 4;
  const auto a = gaussian(m * k, 7);
  const Matrix w(a.data(), m, k);
  Activations x(batch, k);
  for (std::int64_t b = 0; b < batch; ++b)
    x.quantize(b, gaussian(k, 20 + static_cast<unsigned>(b)).data());
  std::vector<float> gate_major(m * batch), stream_major(m * batch);
  gemm(w, x, gate_major.data(), batch, 1, best_kernel());  // [m, B]
  gemm(w, x, stream_major.data(), 1, m, best_kernel());    // [B, m]
  for (std::int64_t r = 0; r < m; ++r)
    for (std::int64_t b = 0; b < batch; ++b) {
      EXPECT_EQ(gate_major[r * batch + b], stream_major[b * m + r]);
      Activations one(1, k);
      one.quantize(0, gaussian(k, 20 + static_cast<unsigned>(b)).data());
      float single = 0;
      Matrix row(a.data() + r * k, 1, k);
      gemm(row, one, &single, 1, 1, best_kernel());
      EXPECT_EQ(gate_major[r * batch + b], single);
    }
}

TEST(Int8Gemv, ZeroRowsAndVectorsGiveZero) {
  std::vector<float> a(3 * 40, 0.0f), v(40, 0.0f);
  a[40 + 3] = 2.0f;  // row 1 has one weight
  const Matrix w(a.data(), 3, 40);
  EXPECT_EQ(w.scale(0), 0.0f);
  Activations x(1, 40);
  x.quantize(0, v.data());
  EXPECT_EQ(x.scale(0), 0.0f);
  std::vector<float> y(3, 5.0f);
  gemm(w, x, y.data(), 1, 1, best_kernel());
  for (float f : y) EXPECT_EQ(f, 0.0f);
  v[3] = -0.5f;
  x.quantize(0, v.data());
  gemm(w, x, y.data(), 1, 1, best_kernel());
  EXPECT_EQ(y[0], 0.0f);
  EXPECT_FLOAT_EQ(y[1], -1.0f);  // one code at +-127 each: exact
  EXPECT_EQ(y[2], 0.0f);
}

TEST(Int8Gemv, RefusesNonFiniteWeightsAndNaNActivationsPropagate) {
  std::vector<float> a(2 * 8, 0.5f);
  a[9] = std::numeric_limits<float>::infinity();
  EXPECT_THROW(Matrix(a.data(), 2, 8), std::invalid_argument);
  a[9] = 0.5f;
  const Matrix w(a.data(), 2, 8);
  std::vector<float> v(8, 1.0f);
  v[2] = std::numeric_limits<float>::quiet_NaN();
  Activations x(1, 8);
  x.quantize(0, v.data());
  std::vector<float> y(2);
  gemm(w, x, y.data(), 1, 1, best_kernel());
  EXPECT_TRUE(std::isnan(y[0]) && std::isnan(y[1]));
}

}  // namespace
}  // namespace clara::model::int8
