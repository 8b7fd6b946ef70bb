#include "CKernels.h"

#include <stdint.h>
#include <string.h>

// The LSTM's gate non-linearities over whole blocks, per instruction set like the product.
// Cephes's single-precision polynomials in exactly the order of VectorMath.swift (never
// contracted into FMA), so every path and the Swift code give the same bits.
#pragma clang fp contract(off)

static inline float bits_to_float(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
static inline uint32_t float_to_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }

static inline __attribute__((always_inline)) float textclf_exp(float x) {
    const float magic = 12582912.0f;  // 1.5 · 2²³: adding it rounds to an integer in the low bits
    x = x < -87.33654f ? -87.33654f : x;
    x = x > 88.37626f ? 88.37626f : x;
    float shifted = x * 1.44269504f + magic;
    float n = shifted - magic;
    x = x - n * 0.693359375f + n * 2.1219444e-4f;
    float z = x * x;
    float y = 1.98756915e-4f;
    y = y * x + 1.39819995e-3f;
    y = y * x + 8.3334519e-3f;
    y = y * x + 4.16657959e-2f;
    y = y * x + 1.66666655e-1f;
    y = y * x + 5.00000012e-1f;
    y = y * z + x + 1.0f;
    uint32_t integer = float_to_bits(shifted) - 0x4B400000u;
    return y * bits_to_float((integer + 127u) << 23);
}

static inline __attribute__((always_inline)) float textclf_sigmoid1(float x) { return 1.0f / (1.0f + textclf_exp(-x)); }

static inline __attribute__((always_inline)) float textclf_tanh1(float x) {
    int negative = x < 0;
    float a = negative ? -x : x;
    float large = 1.0f - 2.0f / (textclf_exp(a + a) + 1.0f);
    float z = x * x;
    float p = -5.70498872e-3f;
    p = p * z + 2.06390888e-2f;
    p = p * z - 5.37397155e-2f;
    p = p * z + 1.33314422e-1f;
    p = p * z - 3.33332819e-1f;
    float small = p * z * x + x;
    large = negative ? -large : large;
    return a < 0.625f ? small : large;
}

#define LOOPS(suffix, attribute)                                                               \
    attribute static void sigmoid_##suffix(float *p, int64_t count) {                         \
        for (int64_t j = 0; j < count; j++) p[j] = textclf_sigmoid1(p[j]);                     \
    }                                                                                          \
    /* In place, or between buffers that do not overlap: both vectorise (a loop that might */ \
    /* alias does not). */                                                                     \
    attribute static void tanh_##suffix(const float *in, float *out, int64_t count) {         \
        if (in == out) {                                                                       \
            for (int64_t j = 0; j < count; j++) out[j] = textclf_tanh1(out[j]);                \
        } else {                                                                               \
            const float *restrict source = in;                                                 \
            float *restrict target = out;                                                      \
            for (int64_t j = 0; j < count; j++) target[j] = textclf_tanh1(source[j]);         \
        }                                                                                      \
    }

LOOPS(generic, )
#if defined(__x86_64__)
LOOPS(avx2, __attribute__((target("avx2,fma"))))
LOOPS(avx512, __attribute__((target("avx512f"))))
#endif

void textclf_sigmoid(float *p, int64_t count) { textclf_sigmoid_on_path(textclf_kernel_path(), p, count); }

void textclf_tanh(const float *in, float *out, int64_t count) { textclf_tanh_on_path(textclf_kernel_path(), in, out, count); }

void textclf_sigmoid_on_path(int32_t path, float *p, int64_t count) {
    if (path > textclf_kernel_best_path()) path = TEXTCLF_KERNEL_GENERIC;
#if defined(__x86_64__)
    switch (path) {
    case TEXTCLF_KERNEL_AVX512: sigmoid_avx512(p, count); return;
    case TEXTCLF_KERNEL_AVX2: sigmoid_avx2(p, count); return;
    }
#endif
    sigmoid_generic(p, count);
}

void textclf_tanh_on_path(int32_t path, const float *in, float *out, int64_t count) {
    if (path > textclf_kernel_best_path()) path = TEXTCLF_KERNEL_GENERIC;
#if defined(__x86_64__)
    switch (path) {
    case TEXTCLF_KERNEL_AVX512: tanh_avx512(in, out, count); return;
    case TEXTCLF_KERNEL_AVX2: tanh_avx2(in, out, count); return;
    }
#endif
    tanh_generic(in, out, count);
}
