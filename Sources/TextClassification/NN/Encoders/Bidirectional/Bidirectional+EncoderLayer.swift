/// `--encoder bilstm` and `bigru`: Keras's `Bidirectional(layer)` around any encoder layer,
/// its weights named as Keras names them (`bidirectional/forward_lstm/kernel`, then the
/// backward copy's). Around the LSTM it has fast paths (both directions on ``LSTMEncoder``);
/// around other layers it takes the general path.
extension Bidirectional: EncoderLayer where Layer: EncoderLayer {
    static var kind: SequenceEncoder.Kind { SequenceEncoder.Kind(name: "bi" + Layer.kind.rawValue) }

    static func kerasLayers(units: Int) -> String { "Bidirectional(\(Layer.kerasLayers(units: units)))" }

    static var help: String { "\(kind) (Keras Bidirectional(\(Layer.kind)), outputs concatenated)" }
    static var readsOrder: Bool { true }
    static func activationsPerToken(units: Int) -> Int { 2 * Layer.activationsPerToken(units: units) }
    static var firstFormatVersion: Int { max(4, Layer.firstFormatVersion) }

    /// Keras's order: the forward copy's weights are drawn first.
    init(embeddingDim: Int, units: Int, using random: inout RandomGenerator) {
        let forward = Layer(embeddingDim: embeddingDim, units: units, using: &random)
        self.init(forward: forward, backward: Layer(embeddingDim: embeddingDim, units: units, using: &random))
    }

    /// Each copy's weights, named as Keras names them inside `Bidirectional`.
    static var weightPaths: [(name: String, path: WritableKeyPath<Self, Tensor>)] {
        func named(_ prefix: String, _ copy: WritableKeyPath<Self, Layer>) -> [(name: String, path: WritableKeyPath<Self, Tensor>)] {
            Layer.weightPaths.map { (prefix + $0.name, copy.appending(path: $0.path)) }
        }
        return named("bidirectional/forward_", \.forward) + named("bidirectional/backward_", \.backward)
    }

    static func weightShapes(embeddingDim: Int, units: Int) -> [[Int]] {
        let one = Layer.weightShapes(embeddingDim: embeddingDim, units: units)
        return one + one
    }

    static func tensors(of gradient: Gradient) -> [Tensor] {
        Layer.tensors(of: gradient.forward) + Layer.tensors(of: gradient.backward)
    }

    static func features(embeddingDim: Int, units: Int) -> Int { 2 * Layer.features(embeddingDim: embeddingDim, units: units) }

    func trainingPass(for model: SequenceClassifier, batchSize: Int, steps: Int,
                      conditions: TrainingConditions) -> (any TrainingPass)? {
        guard Layer.self == LSTM.self, conditions.projectsTokens else { return nil }
        return BidirectionalLSTMTrainingPass(model: model, batchSize: batchSize, steps: steps,
                                             trainsEmbedding: conditions.trainsEmbedding)
    }

    func logits(of model: SequenceClassifier, _ indices: IndexMatrix, skippingLeadingPadding: Bool) -> [Float]? {
        Layer.self == LSTM.self ? model.bidirectionalLogits(indices) : nil
    }
}
