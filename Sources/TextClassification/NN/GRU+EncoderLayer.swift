/// `--encoder gru`: Keras's `GRU(units)` (`reset_after=True`), on the general path.
extension GRU: EncoderLayer {
    static let kind = SequenceEncoder.Kind.gru

    static func kerasLayers(units: Int) -> String { "GRU(\(units))" }

    init(embeddingDim: Int, units: Int, using random: inout RandomGenerator) {
        self.init(inputDim: embeddingDim, units: units, using: &random)
    }

    static var weightPaths: [(name: String, path: WritableKeyPath<Self, Tensor>)] {
        [("gru/kernel", \.kernel), ("gru/recurrent_kernel", \.recurrentKernel), ("gru/bias", \.bias)]
    }

    static func weightShapes(embeddingDim: Int, units: Int) -> [[Int]] {
        [[embeddingDim, 3 * units], [units, 3 * units], [2, 3 * units]]
    }

    static func tensors(of gradient: Gradient) -> [Tensor] { [gradient.kernel, gradient.recurrentKernel, gradient.bias] }
}
