#include "CKernels.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

// The products of the edges (columns past the last full 16) are rounded separately on every
// path, as the generic path rounds all: never contracted into FMA by the compiler.
#pragma clang fp contract(off)

typedef struct {
    int64_t kc;
    const float *a;
    int64_t rowStride, columnStride;  // A(i, p) = a[i * rowStride + p * columnStride]
    const float *b;
    int64_t ldb;
    float *c;
    int64_t ldc;
    int fromZero;
} Tile;

/* Partial tiles, any path: `rows` rows, `width` columns; full 16-column groups with `group16`
   (fused or not by path), the rest as scalars with separate rounding. */
typedef void (*Group16)(const Tile *t, int64_t row, int64_t column);

static void scalar_tail(const Tile *t, int64_t rows, int64_t from, int64_t width) {
    for (int64_t r = 0; r < rows; r++) {
        const float *ar = t->a + r * t->rowStride;
        float *cr = t->c + r * t->ldc;
        for (int64_t j = from; j < width; j++) {
            float acc = t->fromZero ? 0 : cr[j];
            for (int64_t p = 0; p < t->kc; p++) acc = acc + ar[p * t->columnStride] * t->b[p * t->ldb + j];
            cr[j] = acc;
        }
    }
}

/* ---- generic: plain C, any CPU ---- */

static void generic_group16(const Tile *t, int64_t row, int64_t column) {
    const float *ar = t->a + row * t->rowStride;
    float *cr = t->c + row * t->ldc + column;
    float acc[16];
    for (int j = 0; j < 16; j++) acc[j] = t->fromZero ? 0 : cr[j];
    for (int64_t p = 0; p < t->kc; p++) {
        float x = ar[p * t->columnStride];
        const float *br = t->b + p * t->ldb + column;
#if defined(__aarch64__)
        /* arm64 always has FMA (NEON fmla): fused, as the x86 fused paths and as textclf's Swift
           kernels were on arm64. (Not run on an arm64 machine in this project's CI.) */
        for (int j = 0; j < 16; j++) acc[j] = __builtin_fmaf(x, br[j], acc[j]);
#else
        for (int j = 0; j < 16; j++) acc[j] = acc[j] + x * br[j];
#endif
    }
    for (int j = 0; j < 16; j++) cr[j] = acc[j];
}

static void generic_block(const Tile *t, int64_t rows, int64_t width) {
    int64_t j = 0;
    for (; j + 16 <= width; j += 16)
        for (int64_t r = 0; r < rows; r++) generic_group16(t, r, j);
    scalar_tail(t, rows, j, width);
}

#if defined(__x86_64__)

/* ---- AVX2 + FMA: 6 × 16 tile in 12 ymm accumulators (of 16 registers) ---- */

__attribute__((target("avx2,fma"))) static void avx2_group16(const Tile *t, int64_t row, int64_t column) {
    const float *ar = t->a + row * t->rowStride;
    float *cr = t->c + row * t->ldc + column;
    __m256 c0 = t->fromZero ? _mm256_setzero_ps() : _mm256_loadu_ps(cr);
    __m256 c1 = t->fromZero ? _mm256_setzero_ps() : _mm256_loadu_ps(cr + 8);
    for (int64_t p = 0; p < t->kc; p++) {
        __m256 x = _mm256_broadcast_ss(ar + p * t->columnStride);
        const float *br = t->b + p * t->ldb + column;
        c0 = _mm256_fmadd_ps(x, _mm256_loadu_ps(br), c0);
        c1 = _mm256_fmadd_ps(x, _mm256_loadu_ps(br + 8), c1);
    }
    _mm256_storeu_ps(cr, c0);
    _mm256_storeu_ps(cr + 8, c1);
}

__attribute__((target("avx2,fma"))) static void avx2_6x16(const Tile *t, int64_t column) {
    const int64_t rs = t->rowStride, cs = t->columnStride, ldc = t->ldc;
    float *c = t->c + column;
    __m256 acc[6][2];
    for (int r = 0; r < 6; r++) {
        acc[r][0] = t->fromZero ? _mm256_setzero_ps() : _mm256_loadu_ps(c + r * ldc);
        acc[r][1] = t->fromZero ? _mm256_setzero_ps() : _mm256_loadu_ps(c + r * ldc + 8);
    }
    for (int64_t p = 0; p < t->kc; p++) {
        const float *br = t->b + p * t->ldb + column;
        __m256 b0 = _mm256_loadu_ps(br), b1 = _mm256_loadu_ps(br + 8);
        const float *ap = t->a + p * cs;
        for (int r = 0; r < 6; r++) {
            __m256 x = _mm256_broadcast_ss(ap + r * rs);
            acc[r][0] = _mm256_fmadd_ps(x, b0, acc[r][0]);
            acc[r][1] = _mm256_fmadd_ps(x, b1, acc[r][1]);
        }
    }
    for (int r = 0; r < 6; r++) {
        _mm256_storeu_ps(c + r * ldc, acc[r][0]);
        _mm256_storeu_ps(c + r * ldc + 8, acc[r][1]);
    }
}

/* ---- AVX-512: 4 × 64 tile in 16 zmm accumulators (of 32 registers) ---- */

__attribute__((target("avx512f"))) static void avx512_group16(const Tile *t, int64_t row, int64_t column) {
    const float *ar = t->a + row * t->rowStride;
    float *cr = t->c + row * t->ldc + column;
    __m512 acc = t->fromZero ? _mm512_setzero_ps() : _mm512_loadu_ps(cr);
    for (int64_t p = 0; p < t->kc; p++)
        acc = _mm512_fmadd_ps(_mm512_set1_ps(ar[p * t->columnStride]), _mm512_loadu_ps(t->b + p * t->ldb + column), acc);
    _mm512_storeu_ps(cr, acc);
}

__attribute__((target("avx512f"))) static void avx512_1x64(const Tile *t, int64_t row) {
    const float *ar = t->a + row * t->rowStride;
    float *cr = t->c + row * t->ldc;
    __m512 c0, c1, c2, c3;
    if (t->fromZero) { c0 = c1 = c2 = c3 = _mm512_setzero_ps(); }
    else { c0 = _mm512_loadu_ps(cr); c1 = _mm512_loadu_ps(cr + 16); c2 = _mm512_loadu_ps(cr + 32); c3 = _mm512_loadu_ps(cr + 48); }
    for (int64_t p = 0; p < t->kc; p++) {
        const float *br = t->b + p * t->ldb;
        __m512 x = _mm512_set1_ps(ar[p * t->columnStride]);
        c0 = _mm512_fmadd_ps(x, _mm512_loadu_ps(br), c0);
        c1 = _mm512_fmadd_ps(x, _mm512_loadu_ps(br + 16), c1);
        c2 = _mm512_fmadd_ps(x, _mm512_loadu_ps(br + 32), c2);
        c3 = _mm512_fmadd_ps(x, _mm512_loadu_ps(br + 48), c3);
    }
    _mm512_storeu_ps(cr, c0); _mm512_storeu_ps(cr + 16, c1); _mm512_storeu_ps(cr + 32, c2); _mm512_storeu_ps(cr + 48, c3);
}

__attribute__((target("avx512f"))) static void avx512_4x64(const Tile *t) {
    const int64_t rs = t->rowStride, cs = t->columnStride, ldc = t->ldc;
    float *c = t->c;
    __m512 acc[4][4];
    for (int r = 0; r < 4; r++)
        for (int q = 0; q < 4; q++) acc[r][q] = t->fromZero ? _mm512_setzero_ps() : _mm512_loadu_ps(c + r * ldc + 16 * q);
    for (int64_t p = 0; p < t->kc; p++) {
        const float *br = t->b + p * t->ldb;
        __m512 b0 = _mm512_loadu_ps(br), b1 = _mm512_loadu_ps(br + 16);
        __m512 b2 = _mm512_loadu_ps(br + 32), b3 = _mm512_loadu_ps(br + 48);
        const float *ap = t->a + p * cs;
        for (int r = 0; r < 4; r++) {
            __m512 x = _mm512_set1_ps(ap[r * rs]);
            acc[r][0] = _mm512_fmadd_ps(x, b0, acc[r][0]);
            acc[r][1] = _mm512_fmadd_ps(x, b1, acc[r][1]);
            acc[r][2] = _mm512_fmadd_ps(x, b2, acc[r][2]);
            acc[r][3] = _mm512_fmadd_ps(x, b3, acc[r][3]);
        }
    }
    for (int r = 0; r < 4; r++)
        for (int q = 0; q < 4; q++) _mm512_storeu_ps(c + r * ldc + 16 * q, acc[r][q]);
}

#endif

/* ---- dispatch ---- */

static _Atomic int32_t chosen = -1;

int32_t textclf_kernel_best_path(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return TEXTCLF_KERNEL_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return TEXTCLF_KERNEL_AVX2;
#endif
    return TEXTCLF_KERNEL_GENERIC;
}

int32_t textclf_kernel_set_path(int32_t path) {
    if (path < TEXTCLF_KERNEL_GENERIC || path > textclf_kernel_best_path()) return -1;
    atomic_store(&chosen, path);
    return 0;
}

int32_t textclf_kernel_path(void) {
    int32_t path = atomic_load(&chosen);
    if (path >= 0) return path;
    path = textclf_kernel_best_path();
    const char *asked = getenv("TEXTCLF_KERNEL");
    if (asked != NULL) {
        int32_t wanted = strcmp(asked, "generic") == 0 ? TEXTCLF_KERNEL_GENERIC
                       : strcmp(asked, "avx2") == 0 ? TEXTCLF_KERNEL_AVX2
                       : strcmp(asked, "avx512") == 0 ? TEXTCLF_KERNEL_AVX512 : path;
        if (wanted <= path) path = wanted;  // a path the CPU cannot run is not taken
    }
    atomic_store(&chosen, path);
    return path;
}

void textclf_gemm(int64_t m, int64_t n, int64_t k, const float *a, int64_t lda, int32_t transposeA,
                  const float *b, int64_t ldb, float *c, int64_t ldc, int32_t accumulate) {
    textclf_gemm_on_path(textclf_kernel_path(), m, n, k, a, lda, transposeA, b, ldb, c, ldc, accumulate);
}

void textclf_gemm_on_path(int32_t path, int64_t m, int64_t n, int64_t k, const float *a, int64_t lda,
                          int32_t transposeA, const float *b, int64_t ldb, float *c, int64_t ldc, int32_t accumulate) {
    if (k <= 0) {
        if (!accumulate) for (int64_t i = 0; i < m; i++) memset(c + i * ldc, 0, sizeof(float) * (size_t)n);
        return;
    }
    if (path < TEXTCLF_KERNEL_GENERIC || path > textclf_kernel_best_path()) path = TEXTCLF_KERNEL_GENERIC;
    const int64_t rowStride = transposeA ? 1 : lda, columnStride = transposeA ? lda : 1;
    // Tiles: the register block of the path; blocks of k keep a panel of B in cache.
    const int64_t tileRows = path == TEXTCLF_KERNEL_AVX512 ? 4 : path == TEXTCLF_KERNEL_AVX2 ? 6 : 1;
    const int64_t tileColumns = path == TEXTCLF_KERNEL_AVX512 ? 64 : 16;
    const int64_t kBlock = 256;
    for (int64_t p0 = 0; p0 < k; p0 += kBlock) {
        Tile t;
        t.kc = k - p0 < kBlock ? k - p0 : kBlock;
        t.rowStride = rowStride;
        t.columnStride = columnStride;
        t.ldb = ldb;
        t.ldc = ldc;
        t.fromZero = !accumulate && p0 == 0;  // the first block of k starts the tiles from zero
        for (int64_t j0 = 0; j0 < n; j0 += tileColumns) {
            const int64_t width = n - j0 < tileColumns ? n - j0 : tileColumns;
            for (int64_t i0 = 0; i0 < m; i0 += tileRows) {
                const int64_t rows = m - i0 < tileRows ? m - i0 : tileRows;
                t.a = a + i0 * rowStride + p0 * columnStride;
                t.b = b + p0 * ldb + j0;
                t.c = c + i0 * ldc + j0;
                int64_t full = width - width % 16;
#if defined(__x86_64__)
                if (path == TEXTCLF_KERNEL_AVX512) {
                    if (rows == 4 && width == 64) { avx512_4x64(&t); continue; }
                    if (width == 64) { for (int64_t r = 0; r < rows; r++) avx512_1x64(&t, r); continue; }
                    for (int64_t j = 0; j < full; j += 16) for (int64_t r = 0; r < rows; r++) avx512_group16(&t, r, j);
                    scalar_tail(&t, rows, full, width);
                    continue;
                }
                if (path == TEXTCLF_KERNEL_AVX2) {
                    if (rows == 6 && width == 16) { avx2_6x16(&t, 0); continue; }
                    for (int64_t j = 0; j < full; j += 16) for (int64_t r = 0; r < rows; r++) avx2_group16(&t, r, j);
                    scalar_tail(&t, rows, full, width);
                    continue;
                }
#endif
                (void)full;
                generic_block(&t, rows, width);
            }
        }
    }
}
