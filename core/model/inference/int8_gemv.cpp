#include "core/model/inference/int8_gemv.hpp"

// GCC 12's AVX-512 headers fill unused lanes with _mm256_undefined_si256 (x = x), which
// its own -Wuninitialized then reports at every inlined use (GCC PR 105593, fixed in 13).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace clara::model::int8 {

const char* kernel_name(Kernel k) {
  switch (k) {
    case Kernel::scalar:
      return "scalar";
    case Kernel::avx2:
      return "avx2";
    case Kernel::avx512_vnni:
      return "avx512-vnni";
  }
  return "?";
}

bool supported(Kernel k) {
  switch (k) {
    case Kernel::scalar:
      return true;
    case Kernel::avx2:
      return __builtin_cpu_supports("avx2");
    case Kernel::avx512_vnni:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vnni");
  }
  return false;
}

Kernel best_kernel() {
  static const Kernel best = supported(Kernel::avx512_vnni) ? Kernel::avx512_vnni
                             : supported(Kernel::avx2)      ? Kernel::avx2
                                                            : Kernel::scalar;
  return best;
}

namespace {

// int32 must hold cols * 127 * 127.
constexpr std::int64_t kMaxCols = 2'147'483'647LL / (127 * 127);

// NaN when any entry is NaN or infinite (x - x is NaN exactly then), which std::max alone
// would skip over.
float max_abs(const float* x, std::int64_t n) {
  float m = 0.0f, poison = 0.0f;
  for (std::int64_t i = 0; i < n; ++i) {
    m = std::max(m, std::abs(x[i]));
    poison += x[i] - x[i];
  }
  return poison == 0.0f ? m : std::numeric_limits<float>::quiet_NaN();
}

// Codes in [-127, 127]; the caller's inverse scale maps max|x| to 127.
void quantize_row(const float* x, std::int64_t n, float inverse, std::int8_t* q) {
  for (std::int64_t i = 0; i < n; ++i) {
    const float v = std::nearbyint(x[i] * inverse);  // round half to even, as the FPU does
    q[i] = static_cast<std::int8_t>(std::clamp(v, -127.0f, 127.0f));
  }
}

std::int32_t dot_scalar(const std::int8_t* w, const std::int8_t* x, std::int64_t n) {
  std::int32_t acc = 0;
  for (std::int64_t i = 0; i < n; ++i)
    acc += static_cast<std::int32_t>(w[i]) * static_cast<std::int32_t>(x[i]);
  return acc;
}

// |x| (u8) times sign(x) * w (s8): each 16-bit pair sum is at most 2 * 127 * 127 = 32258,
// so maddubs never saturates and the sum is the exact integer product.
__attribute__((target("avx2"))) inline __m256i madd_signed(__m256i w, __m256i x, __m256i abs_x,
                                                           __m256i ones) {
  return _mm256_madd_epi16(_mm256_maddubs_epi16(abs_x, _mm256_sign_epi8(w, x)), ones);
}

__attribute__((target("avx2"))) std::int32_t dot_avx2(const std::int8_t* w, const std::int8_t* x,
                                                      std::int64_t n) {
  const __m256i ones = _mm256_set1_epi16(1);
  __m256i acc = _mm256_setzero_si256();
  for (std::int64_t i = 0; i < n; i += 32) {
    const __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i));
    const __m256i wv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + i));
    acc = _mm256_add_epi32(acc, madd_signed(wv, xv, _mm256_abs_epi8(xv), ones));
  }
  const __m128i s = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
  const __m128i t = _mm_hadd_epi32(s, s);
  return _mm_cvtsi128_si32(_mm_hadd_epi32(t, t));
}

// Four rows against one vector: each x chunk is loaded and made absolute once.
__attribute__((target("avx2"))) void dot4_avx2(const std::int8_t* w, std::int64_t stride,
                                               const std::int8_t* x, std::int64_t n,
                                               std::int32_t* out) {
  const __m256i ones = _mm256_set1_epi16(1);
  __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
  const std::int8_t *w0 = w, *w1 = w + stride, *w2 = w + 2 * stride, *w3 = w + 3 * stride;
  for (std::int64_t i = 0; i < n; i += 32) {
    const __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i));
    const __m256i ax = _mm256_abs_epi8(xv);
    a0 = _mm256_add_epi32(
        a0,
        madd_signed(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(w0 + i)), xv, ax, ones));
    a1 = _mm256_add_epi32(
        a1,
        madd_signed(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(w1 + i)), xv, ax, ones));
    a2 = _mm256_add_epi32(
        a2,
        madd_signed(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(w2 + i)), xv, ax, ones));
    a3 = _mm256_add_epi32(
        a3,
        madd_signed(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(w3 + i)), xv, ax, ones));
  }
  // Per 128-bit lane, hadd(hadd(a0, a1), hadd(a2, a3)) = the four rows' partial sums.
  const __m256i t = _mm256_hadd_epi32(_mm256_hadd_epi32(a0, a1), _mm256_hadd_epi32(a2, a3));
  const __m128i s = _mm_add_epi32(_mm256_castsi256_si128(t), _mm256_extracti128_si256(t, 1));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out), s);
}

// _mm512_reduce_add_epi32 trips GCC 12's -Wuninitialized (its _mm256_undefined_si256);
// the upper half comes down by a shuffle instead.
__attribute__((target("avx512f,avx512bw,avx512vnni"))) inline std::int32_t reduce_add(__m512i a) {
  const __m512i hi = _mm512_shuffle_i64x2(a, a, 0xEE);
  const __m256i s = _mm256_add_epi32(_mm512_castsi512_si256(a), _mm512_castsi512_si256(hi));
  const __m128i t = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
  const __m128i u = _mm_hadd_epi32(t, t);
  return _mm_cvtsi128_si32(_mm_hadd_epi32(u, u));
}

// AVX-512 has no sign_epi8: negate w where x < 0 under a mask; where x == 0, |x| = 0
// makes the product 0 whatever w is. dpbusd adds four u8 x s8 products straight into
// int32, exact.
__attribute__((target("avx512f,avx512bw,avx512vnni"))) std::int32_t dot_vnni(const std::int8_t* w,
                                                                             const std::int8_t* x,
                                                                             std::int64_t n) {
  const __m512i zero = _mm512_setzero_si512();
  __m512i acc = zero;
  for (std::int64_t i = 0; i < n; i += 64) {
    const __m512i xv = _mm512_loadu_si512(x + i);
    const __m512i wv = _mm512_loadu_si512(w + i);
    const __m512i sw = _mm512_mask_sub_epi8(wv, _mm512_movepi8_mask(xv), zero, wv);
    acc = _mm512_dpbusd_epi32(acc, _mm512_abs_epi8(xv), sw);
  }
  return reduce_add(acc);
}

__attribute__((target("avx512f,avx512bw,avx512vnni"))) void dot4_vnni(const std::int8_t* w,
                                                                      std::int64_t stride,
                                                                      const std::int8_t* x,
                                                                      std::int64_t n,
                                                                      std::int32_t* out) {
  const __m512i zero = _mm512_setzero_si512();
  __m512i a0 = zero, a1 = zero, a2 = zero, a3 = zero;
  const std::int8_t *w0 = w, *w1 = w + stride, *w2 = w + 2 * stride, *w3 = w + 3 * stride;
  for (std::int64_t i = 0; i < n; i += 64) {
    const __m512i xv = _mm512_loadu_si512(x + i);
    const __m512i ax = _mm512_abs_epi8(xv);
    const __mmask64 neg = _mm512_movepi8_mask(xv);
    __m512i v = _mm512_loadu_si512(w0 + i);
    a0 = _mm512_dpbusd_epi32(a0, ax, _mm512_mask_sub_epi8(v, neg, zero, v));
    v = _mm512_loadu_si512(w1 + i);
    a1 = _mm512_dpbusd_epi32(a1, ax, _mm512_mask_sub_epi8(v, neg, zero, v));
    v = _mm512_loadu_si512(w2 + i);
    a2 = _mm512_dpbusd_epi32(a2, ax, _mm512_mask_sub_epi8(v, neg, zero, v));
    v = _mm512_loadu_si512(w3 + i);
    a3 = _mm512_dpbusd_epi32(a3, ax, _mm512_mask_sub_epi8(v, neg, zero, v));
  }
  out[0] = reduce_add(a0);
  out[1] = reduce_add(a1);
  out[2] = reduce_add(a2);
  out[3] = reduce_add(a3);
}

void dot4(const std::int8_t* w, std::int64_t stride, const std::int8_t* x, std::int64_t n,
          std::int32_t* out, Kernel kernel) {
  switch (kernel) {
    case Kernel::avx512_vnni:
      dot4_vnni(w, stride, x, n, out);
      return;
    case Kernel::avx2:
      dot4_avx2(w, stride, x, n, out);
      return;
    case Kernel::scalar:
      break;
  }
  for (int r = 0; r < 4; ++r) out[r] = dot_scalar(w + r * stride, x, n);
}

}  // namespace

std::int32_t dot(const std::int8_t* w, const std::int8_t* x, std::int64_t n, Kernel kernel) {
  switch (kernel) {
    case Kernel::avx512_vnni:
      return dot_vnni(w, x, n);
    case Kernel::avx2:
      return dot_avx2(w, x, n);
    case Kernel::scalar:
      break;
  }
  return dot_scalar(w, x, n);
}

Matrix::Matrix(const float* a, std::int64_t rows, std::int64_t cols)
    : rows_(rows), cols_(cols), stride_(padded(cols)) {
  if (rows < 0 || cols < 0) throw std::invalid_argument("int8::Matrix: negative shape");
  if (cols > kMaxCols)
    throw std::invalid_argument("int8::Matrix: " + std::to_string(cols) +
                                " columns overflow int32 accumulation (at most " +
                                std::to_string(kMaxCols) + ")");
  q_.assign(static_cast<std::size_t>(rows * stride_), 0);
  scale_.assign(static_cast<std::size_t>(rows), 0.0f);
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* row = a + r * cols;
    const float m = max_abs(row, cols);
    if (!std::isfinite(m))
      throw std::invalid_argument("int8::Matrix: row " + std::to_string(r) +
                                  " holds a non-finite weight");
    if (m == 0.0f) continue;  // all-zero codes, scale 0
    scale_[static_cast<std::size_t>(r)] = m / 127.0f;
    quantize_row(row, cols, 127.0f / m, q_.data() + r * stride_);
  }
}

Activations::Activations(std::int64_t batch, std::int64_t cols)
    : batch_(batch), cols_(cols), stride_(padded(cols)) {
  if (batch < 1 || cols < 0) throw std::invalid_argument("int8::Activations: bad shape");
  if (cols > kMaxCols)
    throw std::invalid_argument("int8::Activations: too many columns for int32 accumulation");
  q_.assign(static_cast<std::size_t>(batch * stride_), 0);
  scale_.assign(static_cast<std::size_t>(batch), 0.0f);
}

void Activations::quantize(std::int64_t b, const float* x) {
  std::int8_t* q = q_.data() + b * stride_;
  const float m = max_abs(x, cols_);
  // A non-finite activation poisons the product as it would in fp32: the scale carries it.
  if (!(m > 0.0f)) {
    std::fill(q, q + cols_, std::int8_t{0});
    scale_[static_cast<std::size_t>(b)] =
        m == 0.0f ? 0.0f : std::numeric_limits<float>::quiet_NaN();
    return;
  }
  scale_[static_cast<std::size_t>(b)] = m / 127.0f;
  quantize_row(x, cols_, 127.0f / m, q);
}

void gemm(const Matrix& w, const Activations& x, float* y, std::int64_t y_row_stride,
          std::int64_t y_batch_stride, Kernel kernel) {
  const std::int64_t n = w.stride(), rows = w.rows(), B = x.batch();
  std::int32_t acc[4];
  std::int64_t r = 0;
  for (; r + 4 <= rows; r += 4)
    for (std::int64_t b = 0; b < B; ++b) {
      dot4(w.row(r), n, x.vector(b), n, acc, kernel);
      const float xs = x.scale(b);
      for (int i = 0; i < 4; ++i)
        y[(r + i) * y_row_stride + b * y_batch_stride] =
            static_cast<float>(acc[i]) * (w.scale(r + i) * xs);
    }
  for (; r < rows; ++r)
    for (std::int64_t b = 0; b < B; ++b)
      y[r * y_row_stride + b * y_batch_stride] =
          static_cast<float>(dot(w.row(r), x.vector(b), n, kernel)) * (w.scale(r) * x.scale(b));
}

}  // namespace clara::model::int8
