/// The sequence encoder of a ``SequenceClassifier``: an ``Embedding`` followed by one of six
/// encoders (`--encoder` on the command line): four recurrent layers, a convolution, or the
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
/// The LSTM runs on ``LSTMEncoder``'s fast path (per-token input projections, shared leading
/// padding); the others on their layers' general forward and backward passes.
public struct SequenceEncoder: Sendable {
    public enum Kind: String, Codable, CaseIterable, Sendable {
        case lstm, gru, bilstm, bigru, cnn
        /// The mean of the text's embedded tokens (no layer weights; `units` is unused).
        case bag

        /// The Keras layers this kind stands for, e.g. `Bidirectional(LSTM(64))`.
        public func kerasLayers(units: Int) -> String {
            switch self {
            case .lstm: return "LSTM(\(units))"
            case .gru: return "GRU(\(units))"
            case .bilstm: return "Bidirectional(LSTM(\(units)))"
            case .bigru: return "Bidirectional(GRU(\(units)))"
            case .cnn: return "Conv1D(\(units), 3, relu) → GlobalMaxPooling1D"
            case .bag: return "GlobalAveragePooling1D (mask_zero)"
            }
        }
    }

    enum Layer: Sendable {
        case lstm(LSTM), gru(GRU), bilstm(Bidirectional<LSTM>), bigru(Bidirectional<GRU>), cnn(Conv1D)
        /// No weights: the pooling's width is the embedding's, whatever it is set to later.
        case bag
        /// Only while a layer is being modified in place (see `_modify` below).
        case moving
    }

    public var embedding: Embedding
    var layer: Layer

    public var kind: Kind {
        switch layer {
        case .lstm: return .lstm
        case .gru: return .gru
        case .bilstm: return .bilstm
        case .bigru: return .bigru
        case .cnn: return .cnn
        case .bag: return .bag
        case .moving: preconditionFailure("encoder layer read while being modified")
        }
    }

    /// The width of the features the head reads.
    public var features: Int {
        switch layer {
        case let .lstm(l): return l.units
        case let .gru(l): return l.units
        case let .bilstm(l): return l.units
        case let .bigru(l): return l.units
        case let .cnn(l): return l.units
        case .bag: return embedding.outputDim
        case .moving: preconditionFailure("encoder layer read while being modified")
        }
    }

    /// Keras's initialisers, drawn from `random`: the embedding, then the layer (a
    /// bidirectional layer's forward copy, then its backward copy).
    public init(kind: Kind = .lstm, inputDim: Int, embeddingDim: Int = 64, units: Int = 64,
                using random: inout RandomGenerator) {
        embedding = Embedding(inputDim: inputDim, outputDim: embeddingDim, using: &random)
        switch kind {
        case .lstm: layer = .lstm(LSTM(inputDim: embeddingDim, units: units, using: &random))
        case .gru: layer = .gru(GRU(inputDim: embeddingDim, units: units, using: &random))
        case .bilstm:
            let forward = LSTM(inputDim: embeddingDim, units: units, using: &random)
            layer = .bilstm(Bidirectional(forward: forward, backward: LSTM(inputDim: embeddingDim, units: units, using: &random)))
        case .bigru:
            let forward = GRU(inputDim: embeddingDim, units: units, using: &random)
            layer = .bigru(Bidirectional(forward: forward, backward: GRU(inputDim: embeddingDim, units: units, using: &random)))
        case .cnn: layer = .cnn(Conv1D(inputDim: embeddingDim, filters: units, using: &random))
        case .bag: layer = .bag
        }
    }

    public init(_ encoder: LSTMEncoder) {
        embedding = encoder.embedding
        layer = .lstm(encoder.lstm)
    }

    // Each layer by kind. Modified in place without copying its weights: the enum gives up
    // its reference while the caller mutates (`_modify`), so the tensors stay uniquely owned
    // and Adam's in-place updates never trigger a copy-on-write of a whole weight.

    public var lstm: LSTM {
        get { guard case let .lstm(l) = layer else { preconditionFailure("not an LSTM encoder") }; return l }
        _modify {
            guard case var .lstm(l) = layer else { preconditionFailure("not an LSTM encoder") }
            layer = .moving
            defer { layer = .lstm(l) }
            yield &l
        }
    }

    public var gru: GRU {
        get { guard case let .gru(l) = layer else { preconditionFailure("not a GRU encoder") }; return l }
        _modify {
            guard case var .gru(l) = layer else { preconditionFailure("not a GRU encoder") }
            layer = .moving
            defer { layer = .gru(l) }
            yield &l
        }
    }

    public var bilstm: Bidirectional<LSTM> {
        get { guard case let .bilstm(l) = layer else { preconditionFailure("not a BiLSTM encoder") }; return l }
        _modify {
            guard case var .bilstm(l) = layer else { preconditionFailure("not a BiLSTM encoder") }
            layer = .moving
            defer { layer = .bilstm(l) }
            yield &l
        }
    }

    public var bigru: Bidirectional<GRU> {
        get { guard case let .bigru(l) = layer else { preconditionFailure("not a BiGRU encoder") }; return l }
        _modify {
            guard case var .bigru(l) = layer else { preconditionFailure("not a BiGRU encoder") }
            layer = .moving
            defer { layer = .bigru(l) }
            yield &l
        }
    }

    /// The recurrent-dropout mask values one batch row needs (every gate of every direction).
    var recurrentMaskWidth: Int {
        switch layer {
        case let .lstm(l): return l.recurrentMaskWidth
        case let .gru(l): return l.recurrentMaskWidth
        case let .bilstm(l): return l.recurrentMaskWidth
        case let .bigru(l): return l.recurrentMaskWidth
        case let .cnn(l): return l.recurrentMaskWidth
        case .bag: return 0
        case .moving: preconditionFailure("encoder layer read while being modified")
        }
    }

    public var cnn: Conv1D {
        get { guard case let .cnn(l) = layer else { preconditionFailure("not a convolutional encoder") }; return l }
        _modify {
            guard case var .cnn(l) = layer else { preconditionFailure("not a convolutional encoder") }
            layer = .moving
            defer { layer = .cnn(l) }
            yield &l
        }
    }

    /// The LSTM encoder's fast path, for `lstm` (the same weights; tensors are shared, not copied).
    var lstmEncoder: LSTMEncoder? {
        guard case let .lstm(l) = layer else { return nil }
        return LSTMEncoder(embedding: embedding, lstm: l)
    }

    /// The weights with their Keras-style names, for this kind.
    var parameterPaths: [(name: String, path: WritableKeyPath<Self, Tensor>)] {
        let embedding: [(name: String, path: WritableKeyPath<Self, Tensor>)] = [("embedding/embeddings", \.embedding.embeddings)]
        switch kind {
        case .lstm:
            return embedding + [("lstm/kernel", \.lstm.kernel), ("lstm/recurrent_kernel", \.lstm.recurrentKernel),
                                ("lstm/bias", \.lstm.bias)]
        case .gru:
            return embedding + [("gru/kernel", \.gru.kernel), ("gru/recurrent_kernel", \.gru.recurrentKernel),
                                ("gru/bias", \.gru.bias)]
        case .bilstm:
            return embedding + [
                ("bidirectional/forward_lstm/kernel", \.bilstm.forward.kernel),
                ("bidirectional/forward_lstm/recurrent_kernel", \.bilstm.forward.recurrentKernel),
                ("bidirectional/forward_lstm/bias", \.bilstm.forward.bias),
                ("bidirectional/backward_lstm/kernel", \.bilstm.backward.kernel),
                ("bidirectional/backward_lstm/recurrent_kernel", \.bilstm.backward.recurrentKernel),
                ("bidirectional/backward_lstm/bias", \.bilstm.backward.bias),
            ]
        case .cnn:
            return embedding + [("conv1d/kernel", \.cnn.kernel), ("conv1d/bias", \.cnn.bias)]
        case .bag:
            return embedding
        case .bigru:
            return embedding + [
                ("bidirectional/forward_gru/kernel", \.bigru.forward.kernel),
                ("bidirectional/forward_gru/recurrent_kernel", \.bigru.forward.recurrentKernel),
                ("bidirectional/forward_gru/bias", \.bigru.forward.bias),
                ("bidirectional/backward_gru/kernel", \.bigru.backward.kernel),
                ("bidirectional/backward_gru/recurrent_kernel", \.bigru.backward.recurrentKernel),
                ("bidirectional/backward_gru/bias", \.bigru.backward.bias),
            ]
        }
    }

    /// The shape of each weight, by name, for an encoder of these sizes (the model directory
    /// checks files against it).
    static func parameterShapes(kind: Kind, inputDim: Int, embeddingDim: Int, units: Int) -> [String: [Int]] {
        var random = RandomGenerator(seed: 0)
        // Tiny stand-ins give the names; the shapes follow from the sizes.
        let names = SequenceEncoder(kind: kind, inputDim: 1, embeddingDim: 1, units: 1, using: &random).parameterPaths.map(\.name)
        var shapes: [String: [Int]] = [:]
        for name in names {
            let gates = kind == .lstm || kind == .bilstm ? 4 : 3
            if kind == .bag {
                shapes[name] = [inputDim, embeddingDim]
                continue
            }
            if kind == .cnn {
                shapes[name] = name.hasSuffix("embeddings") ? [inputDim, embeddingDim]
                    : name.hasSuffix("kernel") ? [3, embeddingDim, units] : [units]
                continue
            }
            switch name.split(separator: "/").last! {
            case "embeddings": shapes[name] = [inputDim, embeddingDim]
            case "kernel": shapes[name] = [embeddingDim, gates * units]
            case "recurrent_kernel": shapes[name] = [units, gates * units]
            default: shapes[name] = gates == 4 ? [4 * units] : [2, 3 * units]
            }
        }
        return shapes
    }

    /// The features of `embedded` (`[batch, steps, embeddingDim]`) through the layer, and the
    /// function from their gradient to the input's and the layer's weights' (by name).
    ///
    /// - Parameter recurrentMasks: Keras's `recurrent_dropout` masks, ``recurrentMaskWidth``
    ///   values per batch row (`nil`: none).
    /// - Parameter tokens: the indices `embedded` came from; the `bag` encoder averages only
    ///   the steps whose index is not 0 (Keras's `mask_zero=True`).
    func layerForBackpropagation(_ embedded: Tensor, tokens: IndexMatrix, recurrentMasks masks: [Float]? = nil)
        -> (features: Tensor, backpropagator: (Tensor) -> (inputGradient: Tensor, gradients: [String: Tensor])) {
        let names = parameterPaths.dropFirst().map(\.name)
        func named(_ tensors: [Tensor]) -> [String: Tensor] { Dictionary(uniqueKeysWithValues: zip(names, tensors)) }
        switch layer {
        case let .lstm(l):
            let (out, back) = l.appliedForBackpropagation(to: embedded, recurrentMasks: masks)
            return (out, { let (dx, g) = back($0); return (dx, named([g.kernel, g.recurrentKernel, g.bias])) })
        case let .gru(l):
            let (out, back) = l.appliedForBackpropagation(to: embedded, recurrentMasks: masks)
            return (out, { let (dx, g) = back($0); return (dx, named([g.kernel, g.recurrentKernel, g.bias])) })
        case let .bilstm(l):
            let (out, back) = l.appliedForBackpropagation(to: embedded, recurrentMasks: masks)
            return (out, { let (dx, g) = back($0)
                return (dx, named([g.forward.kernel, g.forward.recurrentKernel, g.forward.bias,
                                   g.backward.kernel, g.backward.recurrentKernel, g.backward.bias])) })
        case let .bigru(l):
            let (out, back) = l.appliedForBackpropagation(to: embedded, recurrentMasks: masks)
            return (out, { let (dx, g) = back($0)
                return (dx, named([g.forward.kernel, g.forward.recurrentKernel, g.forward.bias,
                                   g.backward.kernel, g.backward.recurrentKernel, g.backward.bias])) })
        case let .cnn(l):
            let (out, back) = l.appliedForBackpropagation(to: embedded)
            return (out, { let (dx, g) = back($0); return (dx, named([g.kernel, g.bias])) })
        case .bag:
            let (out, back) = GlobalAveragePooling1D(width: embedding.outputDim).appliedForBackpropagation(to: embedded, mask: tokens.storage.map { $0 != 0 })
            return (out, { let (dx, _) = back($0); return (dx, [:]) })
        case .moving: preconditionFailure("encoder layer read while being modified")
        }
    }
}
