/// The three weights of a Keras recurrent layer (``LSTM``, ``GRU``), in Keras's order and
/// shapes: what Keras's `layer.weights` lists.
public struct RecurrentWeights: Sendable {
    /// `[inputDim, gates·units]`; Keras's `kernel`.
    public var kernel: Tensor
    /// `[units, gates·units]`; Keras's `recurrent_kernel`.
    public var recurrentKernel: Tensor
    /// Keras's `bias`: `[4·units]` for the LSTM, `[2, 3·units]` for the GRU.
    public var bias: Tensor

    /// These weights, unchecked; a layer's `init(kernel:recurrentKernel:bias:)` checks their shapes.
    public init(kernel: Tensor, recurrentKernel: Tensor, bias: Tensor) {
        (self.kernel, self.recurrentKernel, self.bias) = (kernel, recurrentKernel, bias)
    }
}
