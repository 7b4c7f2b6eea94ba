#pragma once
// The step's large products through the system BLAS (OpenBLAS on Debian via the
// libblas.so.3 alternative), which picks AVX2/AVX-512 kernels at run time, where our
// Eigen build is SSE2 only. Row-major float, no allocation in the caller's hands;
// OpenBLAS draws its work buffers from a pool it maps once.
#include <cstdint>

namespace clara::model::blas {

// y[m] = A[m, k] x[k]
void gemv(std::int64_t m, std::int64_t k, const float* a, const float* x, float* y);
// C[m, n] = A[m, k] B[n, k]^T
void gemm_nt(std::int64_t m, std::int64_t n, std::int64_t k, const float* a, const float* b, float* c);

// Sets the BLAS to one thread (process-wide: OpenBLAS has no per-call setting), so a
// step never fans out from the caller's thread and never waits on a pool.
// Returns false when the BLAS has no thread setting (netlib: single-threaded anyway).
bool pin_to_one_thread();

}  // namespace clara::model::blas
