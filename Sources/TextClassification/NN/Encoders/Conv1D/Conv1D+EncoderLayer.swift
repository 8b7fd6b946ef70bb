/// `--encoder cnn`: Keras's `Conv1D(units, 3, activation="relu")` → `GlobalMaxPooling1D()`,
/// on the general path (no pass of its own). The smallest encoder with weights: the file to copy
/// when adding one (then add the layer to ``SequenceEncoder/layerTypes``).
extension Conv1D: EncoderLayer {
    static let kind = SequenceEncoder.Kind.cnn

    static func kerasLayers(units: Int) -> String { "Conv1D(\(units), 3, relu) → GlobalMaxPooling1D" }

    static let help = "cnn (Conv1D(units, 3, relu) + GlobalMaxPooling1D)"
    static let readsOrder = true
    /// As a recurrent layer's (an overestimate: the convolution keeps its outputs and the max's places).
    static func activationsPerToken(units: Int) -> Int { 6 * units }
    static let firstFormatVersion = 4

    init(embeddingDim: Int, units: Int, using random: inout RandomGenerator) {
        self.init(inputDim: embeddingDim, filters: units, using: &random)
    }

    static var weightPaths: [(name: String, path: WritableKeyPath<Self, Tensor>)] {
        [("conv1d/kernel", \.kernel), ("conv1d/bias", \.bias)]
    }

    static func weightShapes(embeddingDim: Int, units: Int) -> [[Int]] { [[3, embeddingDim, units], [units]] }

    static func tensors(of gradient: Gradient) -> [Tensor] { [gradient.kernel, gradient.bias] }
}
