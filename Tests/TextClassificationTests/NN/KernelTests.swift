import Foundation
import Testing
@testable import TextClassification

@Suite struct KernelTests {
    /// The blocked product against the textbook triple loop, on shapes that exercise the
    /// 4 × 64 tiles, partial tiles, k-blocking (k > 256) and the transposed-A path.
    @Test(arguments: [(1, 1, 1), (4, 64, 3), (5, 70, 9), (33, 256, 64), (6, 17, 300), (64, 256, 300)])
    func gemmMatchesNaiveProduct(m: Int, n: Int, k: Int) {
        var random = RandomGenerator(seed: UInt64(m * 1000 + n * 10 + k))
        let a = (0..<m * k).map { _ in random.nextUnitFloat() - 0.5 }
        let b = (0..<k * n).map { _ in random.nextUnitFloat() - 0.5 }
        let c0 = (0..<m * n).map { _ in random.nextUnitFloat() - 0.5 }
        var expected = c0
        for i in 0..<m { for j in 0..<n { for p in 0..<k { expected[i * n + j] += a[i * k + p] * b[p * n + j] } } }
        var aT = [Float](repeating: 0, count: m * k)
        GEMM.transpose(rows: m, columns: k, a, into: &aT)

        var c = c0
        GEMM.multiply(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: &c, ldc: n, accumulate: true)
        var cT = c0
        GEMM.multiply(m: m, n: n, k: k, a: aT, lda: m, transposeA: true, b: b, ldb: n, c: &cT, ldc: n, accumulate: true)
        var overwritten = c0
        GEMM.multiply(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: &overwritten, ldc: n, accumulate: false)
        let tolerance: Float = 1e-5 * Float(k)
        for j in expected.indices {
            #expect(abs(c[j] - expected[j]) <= tolerance)
            #expect(abs(cT[j] - expected[j]) <= tolerance)
            #expect(abs(overwritten[j] - (expected[j] - c0[j])) <= tolerance)
        }
    }

    /// The polynomial exp, sigmoid and tanh against Double libm, over the whole useful range.
    @Test func vectorMathIsAccurate() {
        var worstSigmoid: Double = 0, worstTanh: Double = 0, worstExp: Double = 0
        var x: Float = -30
        while x < 30 {
            let v = SIMD16<Float>((0..<16).map { x + Float($0) * 0.0011 })
            let s = VectorMath.sigmoid(v), t = VectorMath.tanh(v), e = VectorMath.exp(v)
            for lane in 0..<16 {
                let d = Double(v[lane])
                worstSigmoid = max(worstSigmoid, abs(Double(s[lane]) - 1 / (1 + Foundation.exp(-d))) / (1 / (1 + Foundation.exp(-d))))
                let exact = Foundation.tanh(d)
                worstTanh = max(worstTanh, exact == 0 ? abs(Double(t[lane])) : abs(Double(t[lane]) - exact) / abs(exact))
                worstExp = max(worstExp, abs(Double(e[lane]) - Foundation.exp(d)) / Foundation.exp(d))
            }
            x += 0.0173
        }
        // Float's unit roundoff is 6e-8: these are within a few ulp.
        #expect(worstExp < 3e-7)
        #expect(worstSigmoid < 3e-7)
        #expect(worstTanh < 3e-7)
        #expect(VectorMath.sigmoid(-100) == 0 || VectorMath.sigmoid(-100) < 1e-37)
        #expect(VectorMath.sigmoid(100) == 1)
        #expect(VectorMath.tanh(-50) == -1)
        #expect(VectorMath.tanh(0) == 0)
    }
}
