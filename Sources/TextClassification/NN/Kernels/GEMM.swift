import CKernels

/// Single-precision matrix products on contiguous row-major storage.
///
/// The product itself is C (`CKernels`): one register-blocked kernel per instruction set
/// (AVX-512 4 × 64, AVX2 + FMA 6 × 16, generic), chosen at run time from the CPU, so every
/// build and every x86-64 machine gets the fast path; `TEXTCLF_KERNEL=generic|avx2|avx512`
/// forces one (tests compare them). The fused paths give the same bits as each other.
enum GEMM {
    /// The kernel path in use: `generic`, `avx2` or `avx512`.
    static var path: String { name(of: textclf_kernel_path()) }

    static func name(of path: Int32) -> String {
        switch path {
        case Int32(TEXTCLF_KERNEL_AVX512): return "avx512"
        case Int32(TEXTCLF_KERNEL_AVX2): return "avx2"
        default: return "generic"
        }
    }

    /// `C[m, n] (+)= op(A)[m, k] · B[k, n]`, all row-major.
    ///
    /// - Parameters:
    ///   - a: `A` as `[m, k]` with row stride `lda`, or with `transposeA` as `[k, m]`
    ///     (so `op(A) = Aᵀ`) with row stride `lda`.
    ///   - b: `[k, n]`, row stride `ldb`.
    ///   - c: `[m, n]`, row stride `ldc`.
    ///   - accumulate: add to `C` (`true`) or overwrite it.
    @inline(__always)
    static func multiply(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int, transposeA: Bool = false,
        b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        accumulate: Bool
    ) {
        textclf_gemm(Int64(m), Int64(n), Int64(k), a, Int64(lda), transposeA ? 1 : 0, b, Int64(ldb), c, Int64(ldc),
                     accumulate ? 1 : 0)
    }

    /// `out[n, m] = in[m, n]ᵀ`.
    static func transpose(rows m: Int, columns n: Int, _ input: UnsafePointer<Float>,
                          into output: UnsafeMutablePointer<Float>) {
        // 8 × 8 tiles keep both sides within a few cache lines.
        var i0 = 0
        while i0 < m {
            var j0 = 0
            while j0 < n {
                for i in i0..<min(i0 + 8, m) {
                    for j in j0..<min(j0 + 8, n) { output[j * m + i] = input[i * n + j] }
                }
                j0 += 8
            }
            i0 += 8
        }
    }
}

@inline(__always)
func load(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
}

@inline(__always)
func load(_ p: UnsafeMutablePointer<Float>) -> SIMD16<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
}

@inline(__always)
func store(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
}
