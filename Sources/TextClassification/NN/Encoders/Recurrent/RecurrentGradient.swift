/// The gradient of a recurrent layer's weights (``LSTM``, ``GRU``), each shaped like its weight.
public struct RecurrentGradient: Sendable {
    /// d loss / d kernel.
    public var kernel: Tensor
    /// d loss / d recurrent kernel.
    public var recurrentKernel: Tensor
    /// d loss / d bias (for the GRU, both rows: `reset_after`).
    public var bias: Tensor
}

extension RecurrentGradient {
    /// Zeros shaped like `weights`.
    init(zerosLike weights: RecurrentWeights) {
        self.init(kernel: Tensor(zeros: weights.kernel.shape), recurrentKernel: Tensor(zeros: weights.recurrentKernel.shape),
                  bias: Tensor(zeros: weights.bias.shape))
    }

    /// Runs `body` with the kernel's, the recurrent kernel's and the bias's gradients, to add into.
    mutating func withPointers<Result>(_ body: (_ kernel: UnsafeMutablePointer<Float>, _ recurrentKernel: UnsafeMutablePointer<Float>,
                                                _ bias: UnsafeMutablePointer<Float>) -> Result) -> Result {
        kernel.scalars.withUnsafeMutableBufferPointer { k in
            recurrentKernel.scalars.withUnsafeMutableBufferPointer { r in
                bias.scalars.withUnsafeMutableBufferPointer { b in body(k.baseAddress!, r.baseAddress!, b.baseAddress!) }
            }
        }
    }
}

/// `dW += Xᵀ·dZ` and `db += Σ dZ` for the input projection `X·W + b` of `rows` rows (time-major),
/// `dZ` `[rows, width]`: the part of a recurrent layer's gradient every variant shares.
func addProjectionGradients(x: UnsafePointer<Float>, inputDim: Int, dz: UnsafePointer<Float>, rows: Int, width: Int,
                            kernel: UnsafeMutablePointer<Float>, bias: UnsafeMutablePointer<Float>) {
    GEMM.multiply(m: inputDim, n: width, k: rows, a: x, lda: inputDim, transposeA: true,
                  b: dz, ldb: width, c: kernel, ldc: width, accumulate: true)
    for r in 0..<rows { VectorMath.add(dz + r * width, into: bias, count: width) }
}
