/// `--encoder bag`: Keras's `Embedding(mask_zero=True)` → `GlobalAveragePooling1D()`, the mean
/// of a text's embedded tokens (fastText's shape). No weights of its own, so its width is the
/// embedding's whatever that is set to. Its own pass (`BagTrainingPass.swift`) reads
/// only the tokens, never the padding, in training and inference.
extension GlobalAveragePooling1D: EncoderLayer {
    static let kind = SequenceEncoder.Kind.bag

    static func kerasLayers(units: Int) -> String { "GlobalAveragePooling1D (mask_zero)" }

    static let help = "bag (the mean of the embedded tokens, Keras Embedding(mask_zero=True) + GlobalAveragePooling1D: fastText's shape; --units unused)"
    static let readsOrder = false
    /// The mean keeps nothing beyond the embedded tokens.
    static func activationsPerToken(units: Int) -> Int { 0 }
    static let firstFormatVersion = 4

    /// `units` is unused.
    init(embeddingDim: Int, units: Int, using random: inout RandomGenerator) {
        self.init(width: embeddingDim)
    }

    static var weightPaths: [(name: String, path: WritableKeyPath<Self, Tensor>)] { [] }

    static func weightShapes(embeddingDim: Int, units: Int) -> [[Int]] { [] }

    static func tensors(of gradient: Gradient) -> [Tensor] { [] }

    func features(embeddingDim: Int) -> Int { embeddingDim }

    static func features(embeddingDim: Int, units: Int) -> Int { embeddingDim }

    /// The mean over the steps whose token is not padding (Keras's `mask_zero=True`).
    func encodedForBackpropagation(_ embedded: Tensor, tokens: IndexMatrix, recurrentMasks: [Float]?)
        -> (features: Tensor, backpropagator: (Tensor) -> (inputGradient: Tensor, gradients: [String: Tensor])) {
        let pooling = GlobalAveragePooling1D(width: embedded.shape[2])
        let (features, backpropagator) = pooling.appliedForBackpropagation(to: embedded, mask: tokens.storage.map { $0 != 0 })
        return (features, { (backpropagator($0).inputGradient, [:]) })
    }

    func trainingPass(for model: SequenceClassifier, batchSize: Int, steps: Int,
                      conditions: TrainingConditions) -> (any TrainingPass)? {
        BagTrainingPass(workspace: BagWorkspace(vocabulary: model.encoder.embedding.inputDim))
    }

    func logits(of model: SequenceClassifier, _ indices: IndexMatrix, skippingLeadingPadding: Bool) -> [Float]? {
        model.bagLogits(indices)
    }
}
