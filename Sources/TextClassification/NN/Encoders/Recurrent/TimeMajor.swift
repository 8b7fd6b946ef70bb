// The recurrent layers keep sequences time-major inside (row t·batch + b: a step's rows are
// contiguous for its product) and batch-major outside, as Keras's tensors are.

/// The input's gradient `[batch, steps, inputDim]` of an input projection `x·kernel` whose
/// gradient is `dz` (time-major rows `t·batch + b`, kernel's width): `dz·kernelᵀ`, batch-major.
func inputGradient(of kernel: Tensor, projectionGradient dz: UnsafePointer<Float>, batch: Int, steps: Int) -> Tensor {
    let inputDim = kernel.shape[0], width = kernel.shape[1], rows = steps * batch
    let transposed = FloatBuffer(count: width * inputDim), dx = FloatBuffer(count: rows * inputDim)
    kernel.scalars.withUnsafeBufferPointer { GEMM.transpose(rows: inputDim, columns: width, $0.baseAddress!, into: transposed.pointer) }
    GEMM.multiply(m: rows, n: inputDim, k: width, a: dz, lda: width, b: transposed.pointer, ldb: inputDim,
                  c: dx.pointer, ldc: inputDim, accumulate: false)
    var gradient = Tensor(zeros: [batch, steps, inputDim])
    gradient.scalars.withUnsafeMutableBufferPointer {
        batchMajor(dx.pointer, batch: batch, steps: steps, width: inputDim, into: $0.baseAddress!)
    }
    return gradient
}

/// Batch-major `[batch, steps, width]` to time-major rows `t·batch + b`.
func timeMajor(_ source: [Float], batch: Int, steps: Int, width: Int, into x: UnsafeMutablePointer<Float>) {
    source.withUnsafeBufferPointer { s in
        for b in 0..<batch {
            for t in 0..<steps {
                (x + (t * batch + b) * width).update(from: s.baseAddress! + (b * steps + t) * width, count: width)
            }
        }
    }
}

/// Time-major rows `t·batch + b` back to batch-major `[batch, steps, width]`.
func batchMajor(_ x: UnsafePointer<Float>, batch: Int, steps: Int, width: Int, into out: UnsafeMutablePointer<Float>) {
    for b in 0..<batch {
        for t in 0..<steps {
            (out + (b * steps + t) * width).update(from: x + (t * batch + b) * width, count: width)
        }
    }
}
