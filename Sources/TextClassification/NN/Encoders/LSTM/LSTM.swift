/// A long short-term memory layer that reads a sequence and returns its last hidden state,
/// as Keras's `LSTM(units)` with its defaults.
///
/// Per step, with `z = x·W + h·U + b` split into column blocks **i, f, c, o** (Keras's order):
/// `i = σ(z₀)`, `f = σ(z₁)`, `c = f⊙c₋₁ + i⊙tanh(z₂)`, `o = σ(z₃)`, `h = o⊙tanh(c)`;
/// σ is the exact logistic, the initial state is zero. Initialisers: kernel glorot-uniform,
/// recurrent kernel orthogonal, bias zeros with the forget block set to 1 (`unit_forget_bias`).
///
/// ```swift
/// var random = RandomGenerator(seed: 1)
/// let lstm = LSTM(inputDim: 64, units: 64, using: &random)
/// let last = lstm(Tensor(zeros: [8, 100, 64]))   // [8, 64]
/// ```
///
/// Forward and backward (backpropagation through time) are written by hand: the input
/// projection of every step is one matrix product, then one `[batch, units]·[units, 4·units]`
/// product and fused gate arithmetic per step.
public struct LSTM: Sendable {
    /// Keras's `kernel`, `recurrent_kernel` and `bias`.
    public var weights: RecurrentWeights

    /// Gate blocks in the kernels: input, forget, cell, output (Keras's order).
    public static let gates = 4
    /// `lstm`, as in `lstm/kernel`.
    public static let kerasName = "lstm"
    /// `[4·units]`.
    public static func biasShape(units: Int) -> [Int] { [4 * units] }

    /// Zeros, but ones for the forget gate (Keras's `unit_forget_bias`).
    public static func initialBias(units: Int) -> Tensor {
        var bias = Tensor(zeros: biasShape(units: units))
        for k in units..<2 * units { bias.scalars[k] = 1 }
        return bias
    }

    /// A layer with these weights, unchecked (``RecurrentLayer/init(kernel:recurrentKernel:bias:)`` checks).
    public init(uncheckedWeights weights: RecurrentWeights) { self.weights = weights }

    /// The gradient of each weight, shaped like it.
    public typealias Gradient = RecurrentGradient

    /// The output and a function from the output's gradient to the input's and the weights'.
    public func appliedForBackpropagation(to input: Tensor)
        -> (output: Tensor, backpropagator: (Tensor) -> (inputGradient: Tensor, gradient: Gradient)) {
        precondition(input.shape.count == 3 && input.shape[2] == inputDim, "input must be [batch, steps, \(inputDim)]")
        let batch = input.shape[0], steps = input.shape[1]
        let workspace = LSTMWorkspace(batch: batch, steps: steps, inputDim: inputDim, units: units)
        // Batch-major in, time-major inside: row t·batch + b.
        let x = FloatBuffer(count: steps * batch * inputDim)
        input.scalars.withUnsafeBufferPointer { source in
            for b in 0..<batch {
                for t in 0..<steps {
                    (x.pointer + (t * batch + b) * inputDim)
                        .update(from: source.baseAddress! + (b * steps + t) * inputDim, count: inputDim)
                }
            }
        }
        forward(x.pointer, steps: steps, batch: batch, workspace: workspace)
        var output = Tensor(zeros: [batch, units])
        output.scalars.withUnsafeMutableBufferPointer {
            $0.baseAddress!.update(from: workspace.lastHidden(steps: steps, batch: batch), count: batch * units)
        }
        let backpropagator = { (outputGradient: Tensor) -> (inputGradient: Tensor, gradient: Gradient) in
            var gradient = Gradient(kernel: Tensor(zeros: kernel.shape),
                                    recurrentKernel: Tensor(zeros: recurrentKernel.shape),
                                    bias: Tensor(zeros: bias.shape))
            let dx = FloatBuffer(count: steps * batch * inputDim)
            outputGradient.scalars.withUnsafeBufferPointer { dh in
                gradient.kernel.scalars.withUnsafeMutableBufferPointer { dk in
                    gradient.recurrentKernel.scalars.withUnsafeMutableBufferPointer { dr in
                        gradient.bias.scalars.withUnsafeMutableBufferPointer { db in
                            backward(x.pointer, steps: steps, batch: batch, outputGradient: dh.baseAddress!,
                                     workspace: workspace, kernelGradient: dk.baseAddress!,
                                     recurrentGradient: dr.baseAddress!, biasGradient: db.baseAddress!,
                                     inputGradient: dx.pointer)
                        }
                    }
                }
            }
            var inputGradient = Tensor(zeros: input.shape)
            inputGradient.scalars.withUnsafeMutableBufferPointer { out in
                for b in 0..<batch {
                    for t in 0..<steps {
                        (out.baseAddress! + (b * steps + t) * inputDim)
                            .update(from: dx.pointer + (t * batch + b) * inputDim, count: inputDim)
                    }
                }
            }
            return (inputGradient, gradient)
        }
        return (output, backpropagator)
    }
}
