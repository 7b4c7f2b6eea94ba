#include "core/model/inference/blas_kernel.hpp"

#include <cblas.h>
#include <dlfcn.h>

namespace clara::model::blas {

void gemv(std::int64_t m, std::int64_t k, const float* a, const float* x, float* y) {
  cblas_sgemv(CblasRowMajor, CblasNoTrans, static_cast<int>(m), static_cast<int>(k), 1.0f, a, static_cast<int>(k), x,
              1, 0.0f, y, 1);
}

void gemm_nt(std::int64_t m, std::int64_t n, std::int64_t k, const float* a, const float* b, float* c) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(m), static_cast<int>(n), static_cast<int>(k),
              1.0f, a, static_cast<int>(k), b, static_cast<int>(k), 0.0f, c, static_cast<int>(n));
}

bool pin_to_one_thread() {
  // Looked up rather than declared: cblas.h may be netlib's, which lacks it, and the
  // libblas.so.3 alternative decides at run time which library answers.
  // Set on every call, not once: anything else in the process may have raised it since.
  using SetThreads = void (*)(int);
  static const auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (!set) return false;
  set(1);
  return true;
}

}  // namespace clara::model::blas
