import Foundation

/// The settings `textclf tune` tries: each trial's encoder, tokens, sizes, rate, epochs and
/// dropout, drawn from a ``SearchSpace``.
public struct TrialSettings: Hashable, Sendable, Encodable {
    /// The encoder between the embedding and the head.
    public var encoder: SequenceEncoder.Kind
    /// What a token is (words, or n-grams for the bag).
    public var unit: ICUTokenizer.Unit
    /// The embedding's width.
    public var embeddingDim: Int
    /// Adam's learning rate.
    public var learningRate: Float
    /// The most epochs; each trial stops early on its validation loss and keeps its best epoch.
    public var epochs: Int
    /// Dropout between the encoder and the head.
    public var dropout: Float
    /// Dropout of whole tokens before the encoder (``TextClassifier/Configuration/embeddingDropout``).
    public var embeddingDropout: Float
    /// Keras's `num_words`; `nil` keeps every word.
    public var numWords: Int?
    /// Tokens kept per text (`pad_sequences`'s `maxlen`).
    public var maxLength: Int

    /// The preset `textclf fit` trains with for `head` (``Preset``): every search's first trial.
    public init(preset head: ClassificationHead.Kind) {
        let preset = Preset(head: head)
        self.init(encoder: preset.encoder, unit: preset.unit, embeddingDim: 64, learningRate: preset.learningRate,
                  epochs: 10, dropout: 0, embeddingDropout: preset.embeddingDropout, numWords: preset.numWords,
                  maxLength: preset.maxLength)
    }

    /// Settings given one by one.
    public init(encoder: SequenceEncoder.Kind, unit: ICUTokenizer.Unit, embeddingDim: Int, learningRate: Float, epochs: Int,
                dropout: Float, embeddingDropout: Float, numWords: Int?, maxLength: Int) {
        (self.encoder, self.unit, self.embeddingDim, self.learningRate, self.epochs) = (encoder, unit, embeddingDim, learningRate, epochs)
        (self.dropout, self.embeddingDropout, self.numWords, self.maxLength) = (dropout, embeddingDropout, numWords, maxLength)
    }

    /// A classifier configuration of these settings.
    public var configuration: TextClassifier.Configuration {
        .init(unit: unit, numWords: numWords, maxLength: maxLength, embeddingDim: embeddingDim, encoder: encoder,
              dropout: dropout, embeddingDropout: embeddingDropout)
    }

    /// One line: `bag wordchar dim 64 lr 0.002 epochs ≤10 dropout 0 embedding dropout 0.3 words all length 200`.
    public var summary: String {
        "\(encoder) \(unit.rawValue) dim \(embeddingDim) lr \(learningRate) epochs ≤\(epochs) dropout \(dropout) "
            + "embedding dropout \(embeddingDropout) words \(numWords.map(String.init) ?? "all") length \(maxLength)"
    }

    /// Encodes the settings under the names of `textclf fit`'s options (`tokens`, `embedding_dim`, …).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(self.encoder.rawValue, forKey: .encoder)
        try c.encode(unit.rawValue, forKey: .tokens)
        try c.encode(embeddingDim, forKey: .embeddingDim)
        try c.encode(learningRate, forKey: .learningRate)
        try c.encode(epochs, forKey: .epochs)
        try c.encode(dropout, forKey: .dropout)
        try c.encode(embeddingDropout, forKey: .embeddingDropout)
        try c.encode(numWords ?? 0, forKey: .numWords)
        try c.encode(maxLength, forKey: .maxLength)
    }

    enum CodingKeys: String, CodingKey {
        case encoder, tokens, embeddingDim, learningRate, epochs, dropout, embeddingDropout, numWords, maxLength
    }
}

/// Where `textclf tune` looks: each setting's choices, drawn independently and uniformly
/// (the learning rate log-uniformly) by a seeded generator, so a seed gives the same trials.
public struct SearchSpace: Sendable {
    /// Encoders to draw from (repeat one to draw it more often).
    public var encoders: [SequenceEncoder.Kind]
    /// Token units for the bag (the other encoders read words).
    public var units: [ICUTokenizer.Unit]
    /// Embedding widths.
    public var embeddingDims: [Int]
    /// The bag's learning rates, drawn log-uniformly (the other encoders' a fifth of these).
    public var learningRates: ClosedRange<Float>
    /// Most epochs a trial trains.
    public var epochs: [Int]
    /// Dropout rates before the head.
    public var dropouts: [Float]
    /// Embedding dropout rates.
    public var embeddingDropouts: [Float]
    /// `nil` keeps every word.
    public var numWords: [Int?]

    /// The space around the presets: the bag (twice as likely) and the recurrent and
    /// convolutional encoders, n-gram and word tokens, embeddings of 32 to 128, the bag's rates
    /// from 0.001 to 0.02 (the others' a fifth of that).
    public static let standard = SearchSpace(
        encoders: [.bag, .bag, .lstm, .cnn], units: [.wordchar, .ngrams3, .ngrams, .word], embeddingDims: [32, 64, 128],
        learningRates: 0.001...0.02, epochs: [10, 20, 30], dropouts: [0, 0.2, 0.5], embeddingDropouts: [0, 0.1, 0.3],
        numWords: [nil, 100_000, 10_000])

    /// A space of the choices given.
    public init(encoders: [SequenceEncoder.Kind], units: [ICUTokenizer.Unit], embeddingDims: [Int], learningRates: ClosedRange<Float>,
                epochs: [Int], dropouts: [Float], embeddingDropouts: [Float], numWords: [Int?]) {
        (self.encoders, self.units, self.embeddingDims, self.learningRates) = (encoders, units, embeddingDims, learningRates)
        (self.epochs, self.dropouts, self.embeddingDropouts, self.numWords) = (epochs, dropouts, embeddingDropouts, numWords)
    }

    /// One trial's settings. Only the bag reads n-grams (an order-reading encoder gets words,
    /// its rate a fifth of the bag's); `maxLength` follows the tokens: n-grams outnumber words
    /// 3–5 times.
    public func sample(using random: inout RandomGenerator, head: ClassificationHead.Kind) -> TrialSettings {
        func pick<T>(_ choices: [T]) -> T { choices[random.nextInt(below: choices.count)] }
        let encoder = pick(encoders), unit = encoder.readsOrder ? .word : pick(units)
        let scale = encoder.readsOrder ? 0.2 : 1
        let low = log(Double(learningRates.lowerBound) * scale), high = log(Double(learningRates.upperBound) * scale)
        let rate = Float(exp(low + (high - low) * random.nextUnitDouble()))
        let wordPreset = Preset(encoder: .lstm, head: head), bagPreset = Preset(encoder: .bag, head: head)
        return TrialSettings(encoder: encoder, unit: unit, embeddingDim: pick(embeddingDims),
                             learningRate: (rate * 10_000).rounded() / 10_000, epochs: pick(epochs), dropout: pick(dropouts),
                             embeddingDropout: pick(embeddingDropouts), numWords: pick(numWords),
                             maxLength: unit == .word ? wordPreset.maxLength : bagPreset.maxLength)
    }
}
