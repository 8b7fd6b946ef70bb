/// A 1-D convolution over the sequence followed by global max pooling over time, as Keras's
/// `Conv1D(filters, kernelSize, activation="relu")` (padding "valid", stride 1) then
/// `GlobalMaxPooling1D()`: each filter's strongest response anywhere in the text.
///
/// Kernel `[kernelSize, inputDim, filters]` (Keras's layout), glorot-uniform (fan-in
/// kernelSize·inputDim, fan-out kernelSize·filters), bias zeros.
///
/// ```swift
/// var random = RandomGenerator(seed: 1)
/// let conv = Conv1D(inputDim: 64, filters: 128, using: &random)
/// conv(Tensor(zeros: [8, 100, 64])).shape   // [8, 128]
/// ```
public struct Conv1D: SequenceLayer {
    /// `[kernelSize, inputDim, filters]`; Keras's `kernel`.
    public var kernel: Tensor
    /// `[filters]`; Keras's `bias`.
    public var bias: Tensor

    /// The window length (Keras's `kernel_size`).
    public var kernelSize: Int { kernel.shape[0] }
    /// The input width.
    public var inputDim: Int { kernel.shape[1] }
    /// The filters (Keras's `filters`).
    public var units: Int { kernel.shape[2] }
    /// Convolutions take no recurrent dropout.
    public var recurrentMaskWidth: Int { 0 }

    /// Glorot-uniform kernel and zero bias, as Keras's `Conv1D` initialises them.
    public init(inputDim: Int, filters: Int, kernelSize: Int = 3, using random: inout RandomGenerator) {
        // Keras's glorot-uniform for a conv kernel: limit √(6 / (k·in + k·filters)).
        let limit = (6 / Float(kernelSize * inputDim + kernelSize * filters)).squareRoot()
        let flat = Initializer.uniform(limit: limit).make(rows: kernelSize * inputDim, columns: filters, using: &random)
        kernel = Tensor(shape: [kernelSize, inputDim, filters], scalars: flat.scalars)
        bias = Tensor(zeros: [filters])
    }

    /// A layer with these weights (`kernel` `[kernelSize, inputDim, filters]`, `bias` `[filters]`).
    public init(kernel: Tensor, bias: Tensor) {
        precondition(kernel.shape.count == 3 && bias.shape == [kernel.shape[2]], "Conv1D weights: kernel [k, in, filters], bias [filters]")
        self.kernel = kernel
        self.bias = bias
    }

    /// The loss's gradient with respect to each weight, same shapes.
    public struct Gradient: Sendable {
        /// d loss / d kernel.
        public var kernel: Tensor
        /// d loss / d bias.
        public var bias: Tensor
    }


    /// The features and a closure from their gradient to the input's and the weights' gradients (`masks` unused: no recurrence).
    public func appliedForBackpropagation(to input: Tensor, recurrentMasks masks: [Float]?)
        -> (output: Tensor, backpropagator: (Tensor) -> (inputGradient: Tensor, gradient: Gradient)) {
        appliedForBackpropagation(to: input)
    }

    /// The pooled features `[batch, filters]` and the function from their gradient to the
    /// input's and the weights'. A text shorter than the kernel has no window: its features
    /// are 0 (Keras refuses such input; padded sequences never are).
    public func appliedForBackpropagation(to input: Tensor)
        -> (output: Tensor, backpropagator: (Tensor) -> (inputGradient: Tensor, gradient: Gradient)) {
        precondition(input.shape.count == 3 && input.shape[2] == inputDim, "input must be [batch, steps, \(inputDim)]")
        let batch = input.shape[0], steps = input.shape[1], k = kernelSize, e = inputDim, f = units
        let windows = max(0, steps - k + 1), width = k * e
        // A window of k consecutive rows is k·e contiguous floats of the batch-major input, so
        // each row's windows are a strided view: no copy (im2col for free).
        let responses = FloatBuffer(count: max(1, batch * windows * f))
        var output = Tensor(zeros: [batch, f])
        // Each filter's maximum per row (before relu); backward finds the windows that reach it:
        // TensorFlow's max shares the gradient evenly among equal maxima, which are common here
        // (leading padding gives identical windows).
        var maxima = [Float](repeating: 0, count: batch * f)
        input.scalars.withUnsafeBufferPointer { x in
            kernel.scalars.withUnsafeBufferPointer { w in
                for b in 0..<batch where windows > 0 {
                    let r = responses.pointer + b * windows * f
                    bias.scalars.withUnsafeBufferPointer { bias in
                        for t in 0..<windows { (r + t * f).update(from: bias.baseAddress!, count: f) }
                    }
                    GEMM.multiply(m: windows, n: f, k: width, a: x.baseAddress! + b * steps * e, lda: e,
                                  b: w.baseAddress!, ldb: f, c: r, ldc: f, accumulate: true)
                    for j in 0..<f {
                        var best = -Float.infinity
                        for t in 0..<windows where r[t * f + j] > best { best = r[t * f + j] }
                        output.scalars[b * f + j] = max(best, 0)  // relu, then the max (they commute)
                        maxima[b * f + j] = best
                    }
                }
            }
        }
        let maximaOfRows = maxima
        return (output, { backward($0, input: input, responses: responses, maxima: maximaOfRows) })
    }

    /// The backward pass of ``appliedForBackpropagation(to:)``, from its responses (each
    /// window's, before relu) and each filter's maximum per row.
    private func backward(_ outputGradient: Tensor, input: Tensor, responses: FloatBuffer, maxima: [Float])
        -> (inputGradient: Tensor, gradient: Gradient) {
        let batch = input.shape[0], steps = input.shape[1], k = kernelSize, e = inputDim, f = units
        let windows = max(0, steps - k + 1), width = k * e
        var gradient = Gradient(kernel: Tensor(zeros: kernel.shape), bias: Tensor(zeros: bias.shape))
        var inputGradient = Tensor(zeros: input.shape)
        guard windows > 0 else { return (inputGradient, gradient) }
        // Per row: the response gradient dR [windows, f] (nonzero only at each filter's maxima;
        // relu' = 0 where the maximum is ≤ 0), then only the windows it touches, gathered:
        // dW += Xₐᵀ·dRₐ and dXₐ = dRₐ·Wᵀ, added back into the overlapping windows.
        let dr = FloatBuffer(count: windows * f), gathered = FloatBuffer(count: windows * width)
        let gatheredGradient = FloatBuffer(count: windows * f), dxa = FloatBuffer(count: windows * width)
        let transposed = FloatBuffer(count: f * width)
        kernel.scalars.withUnsafeBufferPointer { GEMM.transpose(rows: width, columns: f, $0.baseAddress!, into: transposed.pointer) }
        input.scalars.withUnsafeBufferPointer { x in
            gradient.kernel.scalars.withUnsafeMutableBufferPointer { dw in
                inputGradient.scalars.withUnsafeMutableBufferPointer { dx in
                    for b in 0..<batch {
                        let r = responses.pointer + b * windows * f
                        dr.zero()
                        var touched = [Bool](repeating: false, count: windows)
                        for j in 0..<f {
                            let best = maxima[b * f + j]
                            guard best > 0 else { continue }
                            var count = 0
                            for t in 0..<windows where r[t * f + j] == best { count += 1 }
                            let g = outputGradient.scalars[b * f + j] / Float(count)
                            gradient.bias.scalars[j] += g * Float(count)
                            for t in 0..<windows where r[t * f + j] == best {
                                dr.pointer[t * f + j] = g
                                touched[t] = true
                            }
                        }
                        let active = (0..<windows).filter { touched[$0] }
                        guard !active.isEmpty else { continue }
                        for (a, t) in active.enumerated() {
                            (gathered.pointer + a * width).update(from: x.baseAddress! + (b * steps + t) * e, count: width)
                            (gatheredGradient.pointer + a * f).update(from: dr.pointer + t * f, count: f)
                        }
                        let n = active.count
                        GEMM.multiply(m: width, n: f, k: n, a: gathered.pointer, lda: width, transposeA: true,
                                      b: gatheredGradient.pointer, ldb: f, c: dw.baseAddress!, ldc: f, accumulate: true)
                        GEMM.multiply(m: n, n: width, k: f, a: gatheredGradient.pointer, lda: f, b: transposed.pointer,
                                      ldb: width, c: dxa.pointer, ldc: width, accumulate: false)
                        for (a, t) in active.enumerated() {
                            VectorMath.add(dxa.pointer + a * width, into: dx.baseAddress! + (b * steps + t) * e, count: width)
                        }
                    }
                }
            }
        }
        return (inputGradient, gradient)
    }
}
