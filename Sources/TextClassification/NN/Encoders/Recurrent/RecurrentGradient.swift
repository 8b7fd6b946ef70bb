/// The gradient of a recurrent layer's weights (``LSTM``, ``GRU``), each shaped like its weight.
public struct RecurrentGradient: Sendable {
    /// d loss / d kernel.
    public var kernel: Tensor
    /// d loss / d recurrent kernel.
    public var recurrentKernel: Tensor
    /// d loss / d bias (for the GRU, both rows: `reset_after`).
    public var bias: Tensor
}
