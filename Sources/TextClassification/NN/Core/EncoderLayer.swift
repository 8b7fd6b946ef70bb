/// A layer between the embedding and the head of a ``SequenceClassifier``: what it must say
/// about itself to be built, saved, loaded and trained, and the fast paths it may offer.
///
/// An encoder owns its forward and backward pass (``SequenceLayer``, on `[batch, steps,
/// embeddingDim]` tensors: the general path, ``GeneralTrainingPass``, which every encoder has
/// and the tests compare the fast paths with). It may also give its own ``TrainingPass``
/// (``trainingPass(for:batchSize:steps:conditions:)``) and its own inference
/// (``logits(of:_:skippingLeadingPadding:)``); where it gives none, or declines for the fit at
/// hand, the general path runs. Whichever pass runs hands the training loop the same
/// ``BatchGradients``, which one optimizer step applies.
///
/// Adding an encoder is a file that conforms a layer to this protocol (copy
/// `Conv1D+EncoderLayer.swift`, the smallest with weights) and its line in
/// ``SequenceEncoder/layerTypes``; see the DocC article "Adding an encoder". What the rest of
/// the package needs to know of an encoder (its help, preset, memory, format version) it asks
/// here: nothing outside the encoders compares kinds.
protocol EncoderLayer: SequenceLayer {
    /// Its name in `config.json` and after `--encoder`.
    static var kind: SequenceEncoder.Kind { get }
    /// The Keras layers it stands for, e.g. `Bidirectional(LSTM(64))`.
    static func kerasLayers(units: Int) -> String
    /// Its entry in `--encoder`'s help: the name and, in brackets, what it is.
    static var help: String { get }
    /// Whether it reads a text's tokens in order (the recurrent layers, the convolution): such
    /// an encoder is given words and Keras's seed settings (``Preset``), while one that reads a
    /// bag of tokens is given n-grams.
    static var readsOrder: Bool { get }
    /// Floats per token of a training batch it keeps for its backward pass, beyond the
    /// embedding (``MemoryEstimate``).
    static func activationsPerToken(units: Int) -> Int
    /// The oldest model format whose readers know it: a model directory is written with it at
    /// least, so that older builds refuse a new encoder with "upgrade textclf".
    static var firstFormatVersion: Int { get }
    /// A fresh layer reading embeddings of `embeddingDim`, with Keras's initialisers drawn
    /// from `random` in Keras's order.
    init(embeddingDim: Int, units: Int, using random: inout RandomGenerator)
    /// Its weights with their Keras names (as in Keras's `.weights.h5`, e.g. `lstm/kernel`), in
    /// the order they are saved and updated.
    static var weightPaths: [(name: String, path: WritableKeyPath<Self, Tensor>)] { get }
    /// Their shapes for a layer of these sizes, in ``weightPaths`` order.
    static func weightShapes(embeddingDim: Int, units: Int) -> [[Int]]
    /// A gradient's tensors in ``weightPaths`` order.
    static func tensors(of gradient: Gradient) -> [Tensor]
    /// The width of the features the head reads, after an embedding of `embeddingDim`
    /// (``SequenceLayer/units`` unless the layer has no weights of its own to fix it).
    func features(embeddingDim: Int) -> Int
    /// The same for a layer made with these sizes (`units` as ``init(embeddingDim:units:using:)``
    /// takes it).
    static func features(embeddingDim: Int, units: Int) -> Int

    /// The general path: the features of `embedded` (`[batch, steps, embeddingDim]`, embedded
    /// from `tokens`) and the function from their gradient to the input's and the weights' (by
    /// name). `recurrentMasks`: Keras's `recurrent_dropout` masks, ``SequenceLayer/recurrentMaskWidth``
    /// values per batch row (`nil`: none).
    func encodedForBackpropagation(_ embedded: Tensor, tokens: IndexMatrix, recurrentMasks: [Float]?)
        -> (features: Tensor, backpropagator: (Tensor) -> (inputGradient: Tensor, gradients: [String: Tensor]))
    /// The layer's own training pass for a fit with these conditions, or `nil` for the general
    /// path. Made once per fit; `model` is the model as it starts.
    func trainingPass(for model: SequenceClassifier, batchSize: Int, steps: Int,
                      conditions: TrainingConditions) -> (any TrainingPass)?
    /// The head's logits by the layer's own inference, or `nil` for the general path's.
    func logits(of model: SequenceClassifier, _ indices: IndexMatrix, skippingLeadingPadding: Bool) -> [Float]?
}

extension EncoderLayer {
    /// The weights' names, in order.
    static var weightNames: [String] { weightPaths.map(\.name) }

    /// The weight with this name, one of ``weightPaths``'.
    subscript(weight name: String) -> Tensor {
        get { self[keyPath: Self.path(ofWeight: name)] }
        set { self[keyPath: Self.path(ofWeight: name)] = newValue }
    }

    private static func path(ofWeight name: String) -> WritableKeyPath<Self, Tensor> {
        guard let entry = weightPaths.first(where: { $0.name == name }) else {
            preconditionFailure("\(Self.self) has no weight \(name)")  // names come from weightPaths
        }
        return entry.path
    }

    func features(embeddingDim: Int) -> Int { units }

    static func features(embeddingDim: Int, units: Int) -> Int { units }

    func encodedForBackpropagation(_ embedded: Tensor, tokens: IndexMatrix, recurrentMasks: [Float]?)
        -> (features: Tensor, backpropagator: (Tensor) -> (inputGradient: Tensor, gradients: [String: Tensor])) {
        let (features, backpropagator) = appliedForBackpropagation(to: embedded, recurrentMasks: recurrentMasks)
        return (features, { outputGradient in
            let (inputGradient, gradient) = backpropagator(outputGradient)
            return (inputGradient, Dictionary(uniqueKeysWithValues: zip(Self.weightNames, Self.tensors(of: gradient))))
        })
    }

    func trainingPass(for model: SequenceClassifier, batchSize: Int, steps: Int,
                      conditions: TrainingConditions) -> (any TrainingPass)? { nil }

    func logits(of model: SequenceClassifier, _ indices: IndexMatrix, skippingLeadingPadding: Bool) -> [Float]? { nil }
}
