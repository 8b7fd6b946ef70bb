import CKernels
import Foundation
import Testing
@testable import TextClassification

/// Every kernel path this CPU runs, compared: the fused ones (AVX2, AVX-512) give the same
/// bits, the generic one agrees to rounding, and the activations match the Swift polynomials.
@Suite struct KernelPathTests {
    static let paths = Array(0...textclf_kernel_best_path())

    func product(path: Int32, m: Int, n: Int, k: Int, transposeA: Bool, accumulate: Bool, seed: UInt64) -> [Float] {
        var random = RandomGenerator(seed: seed)
        let a = (0..<m * k).map { _ in random.nextUnitFloat() - 0.5 }
        let b = (0..<k * n).map { _ in random.nextUnitFloat() - 0.5 }
        var c = (0..<m * n).map { _ in random.nextUnitFloat() - 0.5 }
        textclf_gemm_on_path(path, Int64(m), Int64(n), Int64(k), a, Int64(transposeA ? m : k), transposeA ? 1 : 0,
                             b, Int64(n), &c, Int64(n), accumulate ? 1 : 0)
        return c
    }

    /// Shapes with full and partial tiles of every path (6 × 16, 4 × 64), k-blocking and Aᵀ.
    @Test(arguments: [(1, 1, 1), (6, 16, 5), (7, 70, 9), (33, 256, 64), (13, 17, 300), (64, 256, 300)])
    func pathsAgree(m: Int, n: Int, k: Int) {
        for transposeA in [false, true] {
            for accumulate in [false, true] {
                let results = Self.paths.map { product(path: $0, m: m, n: n, k: k, transposeA: transposeA,
                                                       accumulate: accumulate, seed: UInt64(m * n + k)) }
                for (path, result) in zip(Self.paths, results) where path > 0 {
                    #expect(result == results.last!, "fused path \(GEMM.name(of: path)) gives the best path's bits")
                    for (x, y) in zip(result, results[0]) {
                        #expect(abs(x - y) <= 1e-5 * Float(k), "generic agrees to rounding")
                    }
                }
            }
        }
    }

    @Test func activationsMatchTheSwiftPolynomialsOnEveryPath() {
        let inputs = (0..<1000).map { Float($0 - 500) / 25 } + [-100, -88, 0, 1e-6, 88, 100, 0.625, -0.625]
        let swiftSigmoid = inputs.map(VectorMath.sigmoid), swiftTanh = inputs.map(VectorMath.tanh)
        for path in Self.paths {
            var sigmoid = inputs
            textclf_sigmoid_on_path(path, &sigmoid, Int64(sigmoid.count))
            var tanh = [Float](repeating: 0, count: inputs.count), inPlace = inputs
            textclf_tanh_on_path(path, inputs, &tanh, Int64(inputs.count))
            inPlace.withUnsafeMutableBufferPointer { textclf_tanh_on_path(path, $0.baseAddress!, $0.baseAddress!, Int64($0.count)) }
            #expect(sigmoid == swiftSigmoid, "\(GEMM.name(of: path))")
            #expect(tanh == swiftTanh && inPlace == swiftTanh, "\(GEMM.name(of: path))")
        }
    }
}
