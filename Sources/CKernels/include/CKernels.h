#ifndef CKERNELS_H
#define CKERNELS_H

// textclf's matrix product, compiled once per instruction set in one binary and chosen at run
// time from the CPU's features (per-function target attributes, dispatched with
// __builtin_cpu_supports, as BLIS, simdjson and ggml do): Swift cannot compile one function
// for several targets, and a package depending on textclf cannot pass -target-cpu. Not a
// stable API; used by TextClassification only.

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The kernel paths: 0 generic (any CPU), 1 AVX2 + FMA (6 × 16 register tile), 2 AVX-512
/// (4 × 64 tile). All fused paths give the same bits (each element sums its products in the
/// same order with one FMA each); the generic path rounds each product separately, except on
/// arm64, where it is fused too.
enum { TEXTCLF_KERNEL_GENERIC = 0, TEXTCLF_KERNEL_AVX2 = 1, TEXTCLF_KERNEL_AVX512 = 2 };

/// The path in use: the best this CPU runs, or the one TEXTCLF_KERNEL (generic, avx2, avx512)
/// asks for if the CPU runs it. Chosen at the first call.
int32_t textclf_kernel_path(void);

/// The best path this CPU runs.
int32_t textclf_kernel_best_path(void);

/// Uses `path` from now on (tests compare paths); returns 0, or -1 if the CPU cannot run it.
int32_t textclf_kernel_set_path(int32_t path);

/// C[m, n] (+)= op(A)[m, k] · B[k, n], row-major: A as [m, k] with row stride lda, or with
/// transposeA as [k, m]; B [k, n] stride ldb; C [m, n] stride ldc; accumulate adds to C.
void textclf_gemm(int64_t m, int64_t n, int64_t k, const float *_Nonnull a, int64_t lda, int32_t transposeA,
                  const float *_Nonnull b, int64_t ldb, float *_Nonnull c, int64_t ldc, int32_t accumulate);

/// textclf_gemm on a given path (tests compare the paths); a path the CPU cannot run runs generic.
void textclf_gemm_on_path(int32_t path, int64_t m, int64_t n, int64_t k, const float *_Nonnull a, int64_t lda,
                          int32_t transposeA, const float *_Nonnull b, int64_t ldb, float *_Nonnull c, int64_t ldc,
                          int32_t accumulate);

/// p[0..<count] = σ(p[0..<count]) and out[0..<count] = tanh(in[0..<count]) (out may be in, or
/// a buffer that does not overlap it):
/// the polynomials of VectorMath.swift, bit for bit, on the chosen path.
void textclf_sigmoid(float *_Nonnull p, int64_t count);
void textclf_tanh(const float *_Nonnull in, float *_Nonnull out, int64_t count);
void textclf_sigmoid_on_path(int32_t path, float *_Nonnull p, int64_t count);
void textclf_tanh_on_path(int32_t path, const float *_Nonnull in, float *_Nonnull out, int64_t count);

/// Asks the CPU to start bringing the `bytes` from `address` on into its caches, to be
/// written: a hint that changes no result. Swift has no prefetch; the embedding's training
/// reads rows of its ~200 MB of weights and moments at random, each a cache (and TLB) miss,
/// and naming the next rows early lets those misses overlap.
static inline void textclf_prefetch(const void *_Nonnull address, int64_t bytes) {
    const char *p = (const char *)address;
    for (int64_t i = 0; i < bytes; i += 64) __builtin_prefetch(p + i, 1, 3);
}

#ifdef __cplusplus
}
#endif

#endif
