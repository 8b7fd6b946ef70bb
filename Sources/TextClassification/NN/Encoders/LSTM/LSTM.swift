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
///
/// In training, Keras's `recurrent_dropout`: a non-zero rate makes Keras 3 use the cell's
/// "implementation 1": every gate (i, f, c, o) multiplies h₋₁ by a mask of its own before its
/// recurrent product, `z_g = x·W_g + (h₋₁ ⊙ m_g)·U_g + b_g`, each mask drawn once per sequence
/// (the same at every step). The cell state and the output are not masked.
public struct LSTM: RecurrentLayer {
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

    /// The same with recurrent dropout's per-gate masks: `masks[b·4u + g·u + j]` multiplies unit
    /// j of h₋₁ for gate g of batch row b (0, or 1 / (1 − rate)).
    public func appliedForBackpropagation(to input: Tensor, recurrentMasks masks: [Float]?)
        -> (output: Tensor, backpropagator: (Tensor) -> (inputGradient: Tensor, gradient: Gradient)) {
        let masks = checkedMasks(masks, for: input), batch = input.shape[0], steps = input.shape[1]
        let workspace = LSTMWorkspace(batch: batch, steps: steps, inputDim: inputDim, units: units,
                                      recurrentMasks: masks != nil)
        let x = FloatBuffer(count: steps * batch * inputDim)  // time-major inside: row t·batch + b
        timeMajor(input.scalars, batch: batch, steps: steps, width: inputDim, into: x.pointer)
        forward(x.pointer, steps: steps, batch: batch, workspace: workspace, masks: masks)
        let output = Tensor(shape: [batch, units], scalars: Array(UnsafeBufferPointer(
            start: workspace.lastHidden(steps: steps, batch: batch), count: batch * units)))
        let backpropagator = { (outputGradient: Tensor) -> (inputGradient: Tensor, gradient: Gradient) in
            var gradient = Gradient(zerosLike: weights)
            let dx = FloatBuffer(count: steps * batch * inputDim)
            gradient.withPointers { dk, dr, db in
                outputGradient.scalars.withUnsafeBufferPointer { dh in
                    backward(x.pointer, steps: steps, batch: batch, outputGradient: dh.baseAddress!, workspace: workspace,
                             kernelGradient: dk, recurrentGradient: dr, biasGradient: db, inputGradient: dx.pointer,
                             masks: masks)
                }
            }
            var inputGradient = Tensor(zeros: input.shape)
            inputGradient.scalars.withUnsafeMutableBufferPointer {
                batchMajor(dx.pointer, batch: batch, steps: steps, width: inputDim, into: $0.baseAddress!)
            }
            return (inputGradient, gradient)
        }
        return (output, backpropagator)
    }
}
