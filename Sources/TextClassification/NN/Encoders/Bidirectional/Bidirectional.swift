/// Keras's `Bidirectional(layer)` with its default `merge_mode="concat"`: one copy of the
/// layer reads the sequence forwards, another (its own weights) reads it backwards
/// (`go_backwards=True`), and the output is their last states side by side,
/// `[batch, forward.units + backward.units]`.
///
/// ```swift
/// var random = RandomGenerator(seed: 1)
/// let bilstm = Bidirectional(forward: LSTM(inputDim: 64, units: 64, using: &random),
///                            backward: LSTM(inputDim: 64, units: 64, using: &random))
/// bilstm(Tensor(zeros: [8, 100, 64])).shape   // [8, 128]
/// ```
///
/// With pre-padded input the backward copy reads the text's own tokens first and the padding
/// last, so its state passes through every padding step: unlike the forward direction, it has
/// no padding to skip (Keras computes the same, as its embedding masks nothing).
public struct Bidirectional<Layer: SequenceLayer>: SequenceLayer {
    /// The layer reading the sequence left to right.
    public var forward: Layer
    /// The layer reading it right to left (Keras's `go_backwards`).
    public var backward: Layer

    /// The input width.
    public var inputDim: Int { forward.inputDim }
    /// The output width: both directions' units, concatenated.
    public var units: Int { forward.units + backward.units }

    /// The two directions, as Keras's `Bidirectional(merge_mode="concat")`.
    public init(forward: Layer, backward: Layer) {
        precondition(forward.inputDim == backward.inputDim, "both directions read the same input")
        self.forward = forward
        self.backward = backward
    }

    /// The loss's gradient with respect to each direction's weights.
    public struct Gradient: Sendable {
        /// The forward layer's.
        public var forward: Layer.Gradient
        /// The backward layer's.
        public var backward: Layer.Gradient
    }


    /// Recurrent-dropout mask values per row: both directions'.
    public var recurrentMaskWidth: Int { forward.recurrentMaskWidth + backward.recurrentMaskWidth }

    /// The output and a closure from its gradient to the input's and the weights' gradients.
    public func appliedForBackpropagation(to input: Tensor)
        -> (output: Tensor, backpropagator: (Tensor) -> (inputGradient: Tensor, gradient: Gradient)) {
        appliedForBackpropagation(to: input, recurrentMasks: nil)
    }

    /// Recurrent dropout: each batch row's masks are the forward copy's, then the backward
    /// copy's (each direction has its own, as each Keras cell draws its own).
    public func appliedForBackpropagation(to input: Tensor, recurrentMasks masks: [Float]?)
        -> (output: Tensor, backpropagator: (Tensor) -> (inputGradient: Tensor, gradient: Gradient)) {
        let wf = forward.recurrentMaskWidth, wb = backward.recurrentMaskWidth
        let forwardMasks = masks.map { m in (0..<input.shape[0]).flatMap { m[$0 * (wf + wb) ..< $0 * (wf + wb) + wf] } }
        let backwardMasks = masks.map { m in (0..<input.shape[0]).flatMap { m[$0 * (wf + wb) + wf ..< ($0 + 1) * (wf + wb)] } }
        let (forwardOutput, forwardBackpropagator) = forward.appliedForBackpropagation(to: input, recurrentMasks: forwardMasks)
        let (backwardOutput, backwardBackpropagator) = backward.appliedForBackpropagation(to: input.reversedSteps(),
                                                                                          recurrentMasks: backwardMasks)
        let batch = input.shape[0], uf = forward.units, ub = backward.units
        var output = Tensor(zeros: [batch, uf + ub])
        for b in 0..<batch {
            for j in 0..<uf { output.scalars[b * (uf + ub) + j] = forwardOutput.scalars[b * uf + j] }
            for j in 0..<ub { output.scalars[b * (uf + ub) + uf + j] = backwardOutput.scalars[b * ub + j] }
        }
        let backpropagator = { (outputGradient: Tensor) -> (inputGradient: Tensor, gradient: Gradient) in
            var df = Tensor(zeros: [batch, uf]), db = Tensor(zeros: [batch, ub])
            for b in 0..<batch {
                for j in 0..<uf { df.scalars[b * uf + j] = outputGradient.scalars[b * (uf + ub) + j] }
                for j in 0..<ub { db.scalars[b * ub + j] = outputGradient.scalars[b * (uf + ub) + uf + j] }
            }
            let (forwardInput, forwardGradient) = forwardBackpropagator(df)
            let (backwardInput, backwardGradient) = backwardBackpropagator(db)
            var inputGradient = forwardInput
            let reversed = backwardInput.reversedSteps()
            for k in inputGradient.scalars.indices { inputGradient.scalars[k] += reversed.scalars[k] }
            return (inputGradient, Gradient(forward: forwardGradient, backward: backwardGradient))
        }
        return (output, backpropagator)
    }
}
