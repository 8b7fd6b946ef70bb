/// Single-precision matrix products on contiguous row-major storage.
///
/// Written in plain Swift with `SIMD16<Float>`; see ``SIMD16/multiplyAdd(_:_:)`` for how
/// the build flags decide between fused and separate multiply-add.
enum GEMM {
    /// `C[m, n] (+)= op(A)[m, k] · B[k, n]`, all row-major.
    ///
    /// - Parameters:
    ///   - a: `A` as `[m, k]` with row stride `lda`, or with `transposeA` as `[k, m]`
    ///     (so `op(A) = Aᵀ`) with row stride `lda`.
    ///   - b: `[k, n]`, row stride `ldb`.
    ///   - c: `[m, n]`, row stride `ldc`.
    ///   - accumulate: add to `C` (`true`) or overwrite it.
    @inline(never)
    static func multiply(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int, transposeA: Bool = false,
        b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        accumulate: Bool
    ) {
        guard k > 0 else {
            if !accumulate { for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) } }
            return
        }
        // Element A(i, p) = a[i * rowStride + p * columnStride].
        let rowStride = transposeA ? 1 : lda
        let columnStride = transposeA ? lda : 1
        // Blocks of k keep a panel of B (kBlock × 64 floats) in L1/L2 while every row block
        // of A streams past it.
        let kBlock = 256
        var p0 = 0
        while p0 < k {
            let kc = min(kBlock, k - p0)
            // Overwriting: the first block of k starts the tiles from zero instead of C.
            let fromZero = !accumulate && p0 == 0
            var j0 = 0
            while j0 < n {
                let width = min(64, n - j0)
                var i0 = 0
                while i0 < m {
                    let rows = min(4, m - i0)
                    if rows == 4 && width == 64 {
                        kernel4x64(
                            kc: kc, a: a + i0 * rowStride + p0 * columnStride,
                            rowStride: rowStride, columnStride: columnStride,
                            b: b + p0 * ldb + j0, ldb: ldb, c: c + i0 * ldc + j0, ldc: ldc, fromZero: fromZero)
                    } else if width == 64 {
                        // 1–3 rows left (small products: the LSTM's rows whose tokens have begun).
                        var r = 0
                        while r < rows {
                            kernel1x64(
                                kc: kc, a: a + (i0 + r) * rowStride + p0 * columnStride, columnStride: columnStride,
                                b: b + p0 * ldb + j0, ldb: ldb, c: c + (i0 + r) * ldc + j0, fromZero: fromZero)
                            r += 1
                        }
                    } else {
                        edge(
                            rows: rows, width: width, kc: kc,
                            a: a + i0 * rowStride + p0 * columnStride,
                            rowStride: rowStride, columnStride: columnStride,
                            b: b + p0 * ldb + j0, ldb: ldb, c: c + i0 * ldc + j0, ldc: ldc, fromZero: fromZero)
                    }
                    i0 += 4
                }
                j0 += 64
            }
            p0 += kc
        }
    }

    /// The register-blocked core: a 4 × 64 tile of C in 16 vector accumulators.
    @inline(__always)
    private static func kernel4x64(
        kc: Int, a: UnsafePointer<Float>, rowStride: Int, columnStride: Int,
        b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int, fromZero: Bool
    ) {
        let c0 = c, c1 = c + ldc, c2 = c + 2 * ldc, c3 = c + 3 * ldc
        @inline(__always) func start(_ p: UnsafeMutablePointer<Float>) -> SIMD16<Float> { fromZero ? SIMD16() : load(p) }
        var c00 = start(c0), c01 = start(c0 + 16), c02 = start(c0 + 32), c03 = start(c0 + 48)
        var c10 = start(c1), c11 = start(c1 + 16), c12 = start(c1 + 32), c13 = start(c1 + 48)
        var c20 = start(c2), c21 = start(c2 + 16), c22 = start(c2 + 32), c23 = start(c2 + 48)
        var c30 = start(c3), c31 = start(c3 + 16), c32 = start(c3 + 32), c33 = start(c3 + 48)
        let a0 = a, a1 = a + rowStride, a2 = a + 2 * rowStride, a3 = a + 3 * rowStride
        for p in 0..<kc {
            let row = b + p * ldb
            let b0 = load(row), b1 = load(row + 16), b2 = load(row + 32), b3 = load(row + 48)
            let offset = p * columnStride
            var x = SIMD16<Float>(repeating: a0[offset])
            c00.multiplyAdd(x, b0); c01.multiplyAdd(x, b1); c02.multiplyAdd(x, b2); c03.multiplyAdd(x, b3)
            x = SIMD16<Float>(repeating: a1[offset])
            c10.multiplyAdd(x, b0); c11.multiplyAdd(x, b1); c12.multiplyAdd(x, b2); c13.multiplyAdd(x, b3)
            x = SIMD16<Float>(repeating: a2[offset])
            c20.multiplyAdd(x, b0); c21.multiplyAdd(x, b1); c22.multiplyAdd(x, b2); c23.multiplyAdd(x, b3)
            x = SIMD16<Float>(repeating: a3[offset])
            c30.multiplyAdd(x, b0); c31.multiplyAdd(x, b1); c32.multiplyAdd(x, b2); c33.multiplyAdd(x, b3)
        }
        store(c00, c0); store(c01, c0 + 16); store(c02, c0 + 32); store(c03, c0 + 48)
        store(c10, c1); store(c11, c1 + 16); store(c12, c1 + 32); store(c13, c1 + 48)
        store(c20, c2); store(c21, c2 + 16); store(c22, c2 + 32); store(c23, c2 + 48)
        store(c30, c3); store(c31, c3 + 16); store(c32, c3 + 32); store(c33, c3 + 48)
    }

    /// One row × 64 columns: four independent accumulators (one would wait on each FMA's
    /// latency). Each element sums its products in the same order as ``kernel4x64``.
    @inline(__always)
    private static func kernel1x64(
        kc: Int, a: UnsafePointer<Float>, columnStride: Int,
        b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, fromZero: Bool
    ) {
        @inline(__always) func start(_ p: UnsafeMutablePointer<Float>) -> SIMD16<Float> { fromZero ? SIMD16() : load(p) }
        var c0 = start(c), c1 = start(c + 16), c2 = start(c + 32), c3 = start(c + 48)
        for p in 0..<kc {
            let row = b + p * ldb
            let x = SIMD16<Float>(repeating: a[p * columnStride])
            c0.multiplyAdd(x, load(row)); c1.multiplyAdd(x, load(row + 16))
            c2.multiplyAdd(x, load(row + 32)); c3.multiplyAdd(x, load(row + 48))
        }
        store(c0, c); store(c1, c + 16); store(c2, c + 32); store(c3, c + 48)
    }

    /// Partial tiles: one row at a time, 16 columns per vector, scalars for the rest.
    @inline(never)
    private static func edge(
        rows: Int, width: Int, kc: Int, a: UnsafePointer<Float>, rowStride: Int, columnStride: Int,
        b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int, fromZero: Bool
    ) {
        for r in 0..<rows {
            let ar = a + r * rowStride
            let cr = c + r * ldc
            var j = 0
            while j + 16 <= width {
                var acc = fromZero ? SIMD16() : load(cr + j)
                for p in 0..<kc {
                    acc.multiplyAdd(SIMD16<Float>(repeating: ar[p * columnStride]), load(b + p * ldb + j))
                }
                store(acc, cr + j)
                j += 16
            }
            while j < width {
                var acc = fromZero ? 0 : cr[j]
                for p in 0..<kc { acc += ar[p * columnStride] * b[p * ldb + j] }
                cr[j] = acc
                j += 1
            }
        }
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

extension SIMD16 where Scalar == Float {
    /// `self += a * b`, fused into one FMA instruction where the build says the CPU has it.
    ///
    /// Swift never contracts `c += a * b` into an FMA, which halves the kernels' peak; but
    /// `addProduct` on a target without FMA becomes a libm `fmaf` call per lane (~100× slower).
    /// So: fused on arm64 (FMA is baseline) and when built with `-DTEXTCLF_FMA` together with
    /// `-target-cpu native` (Scripts/common.sh); separate otherwise, which is correct everywhere.
    @inline(__always)
    mutating func multiplyAdd(_ a: SIMD16<Float>, _ b: SIMD16<Float>) {
        #if arch(arm64) || TEXTCLF_FMA
        addProduct(a, b)
        #else
        self += a * b
        #endif
    }
}
