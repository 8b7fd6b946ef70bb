/// A layer that reads a sequence `[batch, steps, inputDim]` and returns one feature vector per
/// row, `[batch, units]`, with a hand-written backward pass: the recurrent ``LSTM`` and ``GRU``
/// (their last hidden state), ``Bidirectional`` around either, and ``Conv1D`` (convolution and
/// global max pooling).
public protocol SequenceLayer: Sendable {
    associatedtype Gradient: Sendable
    var inputDim: Int { get }
    /// The output's width.
    var units: Int { get }
    /// The output and a function from the output's gradient to the input's and the weights'.
    func appliedForBackpropagation(to input: Tensor)
        -> (output: Tensor, backpropagator: (Tensor) -> (inputGradient: Tensor, gradient: Gradient))
    /// The recurrent-dropout mask values one batch row needs (one mask per gate and direction).
    var recurrentMaskWidth: Int { get }
    /// ``appliedForBackpropagation(to:)`` in training with Keras's `recurrent_dropout`:
    /// `masks` holds ``recurrentMaskWidth`` values per batch row; `nil` is no dropout.
    func appliedForBackpropagation(to input: Tensor, recurrentMasks masks: [Float]?)
        -> (output: Tensor, backpropagator: (Tensor) -> (inputGradient: Tensor, gradient: Gradient))
}

extension SequenceLayer {
    /// The output for `input` (`[batch, steps, inputDim]`): `[batch, units]`, e.g. a recurrent
    /// layer's last hidden state.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        appliedForBackpropagation(to: input).output
    }
}

extension Tensor {
    /// `[batch, steps, width]` with the steps in reverse order (Keras's `go_backwards`).
    func reversedSteps() -> Tensor {
        precondition(shape.count == 3, "a [batch, steps, width] tensor")
        let batch = shape[0], steps = shape[1], width = shape[2]
        var out = Tensor(zeros: shape)
        scalars.withUnsafeBufferPointer { s in
            out.scalars.withUnsafeMutableBufferPointer { o in
                for b in 0..<batch {
                    for t in 0..<steps {
                        (o.baseAddress! + (b * steps + t) * width)
                            .update(from: s.baseAddress! + (b * steps + steps - 1 - t) * width, count: width)
                    }
                }
            }
        }
        return out
    }
}
