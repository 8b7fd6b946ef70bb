/// The sequence encoder of a ``SequenceClassifier``: an ``Embedding`` followed by one of six
/// encoders (`--encoder` on the command line): four recurrent layers, a convolution or the
/// bag's mean, each with Keras's semantics, names and initialisers, so that the weights load
/// into the same Keras model:
///
/// | kind | Keras | features |
/// |---|---|---|
/// | `lstm` | `LSTM(units)` | units |
/// | `gru` | `GRU(units)` (`reset_after=True`) | units |
/// | `bilstm` | `Bidirectional(LSTM(units))` | 2 · units |
/// | `bigru` | `Bidirectional(GRU(units))` | 2 · units |
/// | `cnn` | `Conv1D(units, 3, activation="relu")` → `GlobalMaxPooling1D()` | units |
/// | `bag` | `Embedding(mask_zero=True)` → `GlobalAveragePooling1D()` (fastText's shape) | embeddingDim |
///
/// ```swift
/// var random = RandomGenerator(seed: 1)
/// let encoder = SequenceEncoder(kind: .bigru, inputDim: 1000, embeddingDim: 64, units: 64, using: &random)
/// encoder.features   // 128
/// ```
///
/// Each layer is an `EncoderLayer` (internal): its general forward and backward pass on tensors, and
/// the fast paths it offers (the LSTM's per-token input projections, the bag's own pass).
public struct SequenceEncoder: Sendable {
    /// Every encoder, in `--encoder`'s order. Adding one is its file (see ``EncoderLayer``) and
    /// its line here.
    static let layerTypes: [any EncoderLayer.Type] = [
        LSTM.self, GRU.self, Bidirectional<LSTM>.self, Bidirectional<GRU>.self, Conv1D.self, GlobalAveragePooling1D.self,
    ]

    /// An encoder by name: one of `SequenceEncoder.layerTypes`, as `config.json` and
    /// `--encoder` spell it.
    public struct Kind: RawRepresentable, Hashable, Codable, CaseIterable, Sendable, CustomStringConvertible {
        /// The name, as `config.json` and `--encoder` spell it.
        public let rawValue: String

        /// The kind of that name, if an encoder of that name exists.
        public init?(rawValue: String) {
            guard SequenceEncoder.layerTypes.contains(where: { $0.kind.rawValue == rawValue }) else { return nil }
            self.rawValue = rawValue
        }

        /// For the encoders' own declarations.
        init(name: String) { rawValue = name }

        /// Keras's `LSTM(units)` and `GRU(units)` (`reset_after=True`).
        public static let lstm = Kind(name: "lstm"), gru = Kind(name: "gru")
        /// `Bidirectional(LSTM(units))` and `Bidirectional(GRU(units))`, outputs concatenated.
        public static let bilstm = Kind(name: "bilstm"), bigru = Kind(name: "bigru")
        /// `Conv1D(units, 3, activation="relu")` → `GlobalMaxPooling1D()`.
        public static let cnn = Kind(name: "cnn")
        /// The mean of the text's embedded tokens (no layer weights; `units` is unused).
        public static let bag = Kind(name: "bag")

        /// Every registered encoder, in `--encoder`'s order.
        public static var allCases: [Kind] { SequenceEncoder.layerTypes.map { $0.kind } }
        /// The name.
        public var description: String { rawValue }

        /// The Keras layers this kind stands for, e.g. `Bidirectional(LSTM(64))`.
        public func kerasLayers(units: Int) -> String { layerType.kerasLayers(units: units) }

        /// Whether it reads the tokens in order (words, Keras's seed settings) or as a bag (n-grams).
        var readsOrder: Bool { layerType.readsOrder }

        /// Every encoder's `--encoder` help, in order: "lstm (Keras LSTM), …, or bag (…)".
        public static var help: String {
            let entries = SequenceEncoder.layerTypes.map { $0.help }
            return entries.dropLast().joined(separator: ", ") + (entries.count > 1 ? ", or " : "") + (entries.last ?? "")
        }

        /// The width of the features the head reads, for these sizes.
        func features(embeddingDim: Int, units: Int) -> Int { layerType.features(embeddingDim: embeddingDim, units: units) }

        var layerType: any EncoderLayer.Type {
            guard let type = SequenceEncoder.layerTypes.first(where: { $0.kind == self }) else {
                preconditionFailure("no encoder named \(rawValue)")  // kinds come from the list
            }
            return type
        }
    }

    /// The token embedding, `[inputDim, embeddingDim]`.
    public var embedding: Embedding
    /// The layer after the embedding (see ``layer(as:)`` for its concrete type).
    var layer: any EncoderLayer

    /// Which encoder the layer is.
    public var kind: Kind { type(of: layer).kind }

    /// The width of the features the head reads.
    public var features: Int { layer.features(embeddingDim: embedding.outputDim) }

    /// Keras's initialisers, drawn from `random`: the embedding, then the layer (a
    /// bidirectional layer's forward copy, then its backward copy).
    public init(kind: Kind = .lstm, inputDim: Int, embeddingDim: Int = 64, units: Int = 64,
                using random: inout RandomGenerator) {
        embedding = Embedding(inputDim: inputDim, outputDim: embeddingDim, using: &random)
        layer = kind.layerType.init(embeddingDim: embeddingDim, units: units, using: &random)
    }

    /// The layer after the embedding as a `type`, or `nil` if it is of another kind:
    /// `model.encoder.layer(as: LSTM.self)?.units`.
    public func layer<Layer>(as type: Layer.Type) -> Layer? { layer as? Layer }

    /// A weight by its Keras name (``SequenceClassifier/parameterPaths`` lists them).
    public subscript(weight name: String) -> Tensor {
        get { name == Embedding.weightName ? embedding.embeddings : layer[weight: name] }
        set {
            if name == Embedding.weightName { embedding.embeddings = newValue } else { layer[weight: name] = newValue }
        }
    }

    /// The recurrent-dropout mask values one batch row needs (every gate of every direction).
    var recurrentMaskWidth: Int { layer.recurrentMaskWidth }

    /// The LSTM's fast path over this encoder's weights, for `lstm` (a view: the tensors are
    /// shared, not copied).
    var lstmEncoder: LSTMEncoder? {
        layer(as: LSTM.self).map { LSTMEncoder(embedding: embedding, lstm: $0) }
    }

    /// The weights with their Keras-style names: the embedding's, then the layer's. The
    /// embedding's path is a stored one, so the optimizer updates its (large) table in place;
    /// it names the rows in memory (``Embedding/loadIntoMemory()`` first for a mapped model).
    var parameterPaths: [(name: String, path: WritableKeyPath<Self, Tensor>)] {
        [(Embedding.weightName, \.embedding.table)] + type(of: layer).weightNames.map { ($0, \Self.[weight: $0]) }
    }

    /// The shape of each weight, by name, for an encoder of these sizes (the model directory
    /// checks files against it).
    static func parameterShapes(kind: Kind, inputDim: Int, embeddingDim: Int, units: Int) -> [String: [Int]] {
        var shapes = [Embedding.weightName: [inputDim, embeddingDim]]
        let layer = kind.layerType
        for (name, shape) in zip(layer.weightNames, layer.weightShapes(embeddingDim: embeddingDim, units: units)) {
            shapes[name] = shape
        }
        return shapes
    }

    /// The general path through the layer (``EncoderLayer/encodedForBackpropagation(_:tokens:recurrentMasks:)``).
    func layerForBackpropagation(_ embedded: Tensor, tokens: IndexMatrix, recurrentMasks masks: [Float]? = nil)
        -> (features: Tensor, backpropagator: (Tensor) -> (inputGradient: Tensor, gradients: [String: Tensor])) {
        layer.encodedForBackpropagation(embedded, tokens: tokens, recurrentMasks: masks)
    }
}
