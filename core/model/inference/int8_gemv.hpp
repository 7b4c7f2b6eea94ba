#pragma once
// Int8 weight products for the inference step, torch-free. The step reads every weight
// once per token, so at the shipped sizes it is bound by memory traffic: int8 weights
// move a quarter of the bytes of fp32 ones.
//
// Weights: symmetric, one scale per output row (w ~ scale_r * q, q in [-127, 127]).
// Activations: quantized per call and per vector the same way (dynamic), so the inner
// product is an exact int32 sum; the float result is acc * scale_r * scale_x.
// -128 is never produced: the AVX2 kernel multiplies |x| (u8) by sign(x) * w (s8), and
// with both in [-127, 127] no 16-bit pair sum saturates, so every path (scalar, AVX2,
// AVX-512 VNNI) computes the same integers and therefore the same floats, bit for bit.
// int32 holds k * 127 * 127 for k up to 133,000 columns; the constructor refuses more.
#include <cstdint>
#include <span>
#include <vector>

namespace clara::model::int8 {

// Which kernel computes the integer dot products.
enum class Kernel { scalar, avx2, avx512_vnni };
const char* kernel_name(Kernel k);
// Whether this CPU runs `k` (runtime detection; scalar always).
bool supported(Kernel k);
// The fastest kernel this CPU runs.
Kernel best_kernel();

// Columns are padded with zeros to a multiple of this, so the kernels need no tail.
inline constexpr std::int64_t kColumnAlign = 64;
inline std::int64_t padded(std::int64_t k) {
  return (k + kColumnAlign - 1) / kColumnAlign * kColumnAlign;
}

// A row-major float matrix quantized per row.
class Matrix {
 public:
  Matrix() = default;
  // a: rows x cols, row-major. Throws std::invalid_argument on a non-finite weight or
  // more columns than int32 accumulation allows.
  Matrix(const float* a, std::int64_t rows, std::int64_t cols);

  std::int64_t rows() const { return rows_; }
  std::int64_t cols() const { return cols_; }
  std::int64_t stride() const { return stride_; }  // padded(cols)
  const std::int8_t* row(std::int64_t r) const { return q_.data() + r * stride_; }
  float scale(std::int64_t r) const { return scale_[static_cast<std::size_t>(r)]; }
  std::size_t bytes() const { return q_.size() + scale_.size() * sizeof(float); }

 private:
  std::int64_t rows_ = 0, cols_ = 0, stride_ = 0;
  std::vector<std::int8_t> q_;  // rows x stride, zero padded
  std::vector<float> scale_;    // rows
};

// A buffer for `batch` quantized activation vectors of `cols` entries each (padded).
class Activations {
 public:
  Activations() = default;
  Activations(std::int64_t batch, std::int64_t cols);
  std::int64_t batch() const { return batch_; }
  std::int64_t cols() const { return cols_; }
  std::int64_t stride() const { return stride_; }

  // Quantizes x[b] (cols floats) into vector b: scale = max|x| / 127. A zero vector gets
  // scale 0 and all-zero codes. realtime-safe
  void quantize(std::int64_t b, const float* x);
  const std::int8_t* vector(std::int64_t b) const { return q_.data() + b * stride_; }
  float scale(std::int64_t b) const { return scale_[static_cast<std::size_t>(b)]; }

 private:
  std::int64_t batch_ = 0, cols_ = 0, stride_ = 0;
  std::vector<std::int8_t> q_;
  std::vector<float> scale_;
};

// y[r * y_row_stride + b * y_batch_stride] = w.row(r) . x.vector(b) for every row r and
// stream b, through `kernel` (which must run on this CPU: see supported()). x.cols()
// must equal w.cols().
// Gate-major output (the LSTM's [4H, B]) is y_row_stride = B, y_batch_stride = 1; the
// decoder's [B, V] is y_row_stride = 1, y_batch_stride = V. No allocation. realtime-safe
void gemm(const Matrix& w, const Activations& x, float* y, std::int64_t y_row_stride,
          std::int64_t y_batch_stride, Kernel kernel);

// The exact integer dot product of n (a multiple of kColumnAlign) codes. realtime-safe
std::int32_t dot(const std::int8_t* w, const std::int8_t* x, std::int64_t n, Kernel kernel);

}  // namespace clara::model::int8
