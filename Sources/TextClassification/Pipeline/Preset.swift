/// The settings a model trains with unless told otherwise, from the accuracy study
/// (docs/accuracy.md): one place for `textclf fit`, its `--help`, and Swift users, so that
/// the same data gives the same model either way.
///
/// ```swift
/// let labels = try LabelSet(inferringFrom: train)
/// var classifier = try TextClassifier(configuration: .recommended(for: labels.head), labels: labels)
/// try classifier.fit(texts: train.texts, labels: try labels.classIndices(of: train))  // the preset's rate and optimizer
/// ```
public struct Preset: Equatable, Sendable {
    /// The encoder after the embedding.
    public var encoder: SequenceEncoder.Kind
    /// What the tokenizer emits: words, characters or n-grams.
    public var unit: ICUTokenizer.Unit
    /// Keras's `num_words`; `nil` keeps every word (and n-gram).
    public var numWords: Int?
    /// Without `numWords`: the most tokens with rows of their own, the rest hashed
    /// (``TextClassifier/Configuration/tokenLimit``).
    public var tokenLimit: Int?
    /// Tokens per text after padding or truncating (Keras's `maxlen`).
    public var maxLength: Int
    /// Adam's step.
    public var learningRate: Float
    /// Dropout between the embedding and the encoder, in training only.
    public var embeddingDropout: Float
    /// The optimizer (``OptimizerKind``).
    public var optimizer: OptimizerKind

    /// The encoder for a task: the bag of n-grams. For one label of two (reviews 0.853 against
    /// the bidirectional LSTM's 0.841), of more (topics 0.866 against the LSTM's 0.781) and
    /// for label sets (DuEE, 4 folds × 3 seeds: micro F1 0.669 against the LSTM's 0.000).
    /// Word vectors are of words, so with them a recurrent word model: the bidirectional
    /// LSTM for two labels, the LSTM otherwise.
    public static func encoder(for head: ClassificationHead.Kind, pretrainedEmbeddings: Bool = false) -> SequenceEncoder.Kind {
        if pretrainedEmbeddings { return head == .binary ? .bilstm : .lstm }
        return .bag
    }

    /// The settings `encoder` trains with on a task. The bag's n-grams outnumber words 3–5
    /// times (hence the lengths: 700 holds 89% of the reviews whole, 200 every headline); it
    /// has no layer between the embedding and the head (hence the larger step); `wordchar`
    /// pays +0.015 on the topics over `ngrams`; the reviews' 100,000 most frequent n-grams do as
    /// well as all of them; dropout after the embedding pays +0.003 on the reviews (11 of 13
    /// fold and seed runs) and nothing on the topics. Label sets: DuEE's sentences are longer
    /// (median 129 characters, hence 400), and a label's few positive rows among 450 need a
    /// ten times larger step (with the two: micro F1 0.669; the topics' 0.002 and 200: 0.272).
    /// The other encoders: Keras's seed settings with `num_words` 10,000 (as accurate as all
    /// ~21,000 review words, ~35% faster).
    public init(encoder: SequenceEncoder.Kind, head: ClassificationHead.Kind) {
        self.encoder = encoder
        guard !encoder.readsOrder else {
            (unit, numWords, maxLength, learningRate, embeddingDropout, optimizer) = (.word, 10_000, 100, 0.001, 0, .adam)
            tokenLimit = nil
            return
        }
        (unit, optimizer) = (.wordchar, .deferredAdam)
        switch head {
        case .binary: (numWords, maxLength, embeddingDropout, learningRate) = (100_000, 700, 0.3, 0.002)
        case .multiClass: (numWords, maxLength, embeddingDropout, learningRate) = (nil, 200, 0, 0.002)
        case .multiLabel: (numWords, maxLength, embeddingDropout, learningRate) = (nil, 400, 0, 0.02)
        }
        // Without num_words every distinct n-gram takes a row (768 bytes with Adam's moments):
        // 2.9 GB at 200,000 distinct headlines. The shipped topics hold 294,108 tokens, so
        // they train as before; a larger corpus keeps its most frequent 400,000 and hashes the
        // rest (docs/training-at-scale.md).
        tokenLimit = numWords == nil ? Self.bagTokenLimit : nil
    }

    /// The bag's ``tokenLimit`` when it has no `numWords`.
    public static let bagTokenLimit = 400_000

    /// The preset of a task's encoder (``encoder(for:pretrainedEmbeddings:)``).
    public init(head: ClassificationHead.Kind, pretrainedEmbeddings: Bool = false) {
        self.init(encoder: Self.encoder(for: head, pretrainedEmbeddings: pretrainedEmbeddings), head: head)
    }

    /// The step for `optimizer`: the preset's ``learningRate`` for the Adams; for ``SGD``, 8 with
    /// the bag (reviews and topics held out, docs/accuracy.md: 4 and 16 do worse) and Keras's
    /// SGD default, 0.01, with the others (not measured: SGD is offered for the bag).
    public func learningRate(for optimizer: OptimizerKind) -> Float {
        guard optimizer == .sgd else { return learningRate }
        return encoder.readsOrder ? 0.01 : 8
    }

    /// A configuration with these settings, the others at their defaults.
    public var configuration: TextClassifier.Configuration {
        .init(unit: unit, numWords: numWords, maxLength: maxLength, encoder: encoder, embeddingDropout: embeddingDropout,
              tokenLimit: tokenLimit)
    }
}

extension TextClassifier.Configuration {
    /// What `textclf fit` trains for a task (``Preset``).
    public static func recommended(for head: ClassificationHead.Kind, encoder: SequenceEncoder.Kind? = nil,
                                   pretrainedEmbeddings: Bool = false) -> Self {
        (encoder.map { Preset(encoder: $0, head: head) } ?? Preset(head: head, pretrainedEmbeddings: pretrainedEmbeddings)).configuration
    }
}
