import Foundation

/// The whole pipeline: ``ICUTokenizer`` → ``Vocabulary`` → ``Padding`` →
/// ``SequenceClassifier``, fitted in that order, saved and loaded as one model directory.
///
/// ```swift
/// var classifier = try TextClassifier(configuration: .init(numWords: 1000))
/// try classifier.fit(texts: ["这是一段文本。", "这是另一段文本。", "第三段文本。"],
///                    labels: [0, 1, 0], epochs: 10)
/// let predictions = try classifier.predict(texts: ["另一段文本"])
/// print(predictions[0].probability, predictions[0].label)
/// try classifier.save(to: URL(fileURLWithPath: "model"))
/// ```
public struct TextClassifier: Sendable {
    /// Every setting of every stage, with Keras's defaults where Keras has one.
    public struct Configuration: Codable, Equatable, Sendable {
        /// ICU locale for word breaking.
        public var locale = "zh"
        /// Lower-case tokens (Keras `lower=True`).
        public var lowercased = true
        public var unit = ICUTokenizer.Unit.word
        /// Keep only the `numWords − 1` most frequent words (Keras `num_words`); `nil` keeps all.
        public var numWords: Int? = nil
        /// The token for unknown words (Keras `oov_token`); `nil` drops them.
        public var oovToken: String? = nil
        /// Sequence length after padding (the seed's `maxlen=100`).
        public var maxLength = 100
        public var padding = Padding.Side.pre
        public var truncating = Padding.Side.pre
        public var embeddingDim = 64
        public var units = 64

        public init(locale: String = "zh", lowercased: Bool = true, unit: ICUTokenizer.Unit = .word,
                    numWords: Int? = nil, oovToken: String? = nil, maxLength: Int = 100,
                    padding: Padding.Side = .pre, truncating: Padding.Side = .pre,
                    embeddingDim: Int = 64, units: Int = 64) {
            self.locale = locale
            self.lowercased = lowercased
            self.unit = unit
            self.numWords = numWords
            self.oovToken = oovToken
            self.maxLength = maxLength
            self.padding = padding
            self.truncating = truncating
            self.embeddingDim = embeddingDim
            self.units = units
        }
    }

    /// One text's prediction.
    public struct Prediction: Equatable, Sendable {
        /// P(label index 1).
        public var probability: Float
        /// 0 or 1: whether `probability` is above the threshold.
        public var labelIndex: Int
        /// The name of that label (e.g. "pos").
        public var label: String
    }

    public let configuration: Configuration
    public let tokenizer: ICUTokenizer
    public internal(set) var vocabulary: Vocabulary
    public let padding: Padding
    /// `nil` until ``fit(texts:labels:epochs:batchSize:seed:learningRate:validation:onBatch:onEpoch:)``.
    public internal(set) var model: SequenceClassifier?
    /// The names of label 0 and label 1.
    public internal(set) var labelNames: [String]
    /// The epochs of the last fit (also kept in a saved model).
    public internal(set) var history: History?

    /// An unfitted pipeline.
    /// - Throws: if the settings are out of range or ICU has no rules for the locale.
    public init(configuration: Configuration = Configuration(), labelNames: [String] = ["0", "1"]) throws {
        // Upper bounds keep shape arithmetic far from overflow with any config file.
        for (name, value, limit) in [("maxLength", configuration.maxLength, 1 << 20),
                                     ("embeddingDim", configuration.embeddingDim, 1 << 16),
                                     ("units", configuration.units, 1 << 16)] where value < 1 || value > limit {
            throw TextClassificationError.invalidArgument(name: name, value: String(value), expected: "1…\(limit)")
        }
        if let numWords = configuration.numWords, numWords < 2 || numWords > Int(Int32.max) {
            throw TextClassificationError.invalidArgument(name: "numWords", value: String(numWords),
                                                          expected: "2…\(Int32.max) (index 0 is padding)")
        }
        guard labelNames.count == 2, labelNames[0] != labelNames[1] else {
            throw TextClassificationError.invalidArgument(name: "label names", value: labelNames.description,
                                                          expected: "two different names")
        }
        self.configuration = configuration
        tokenizer = try ICUTokenizer(locale: configuration.locale, lowercased: configuration.lowercased,
                                     unit: configuration.unit)
        vocabulary = Vocabulary(numWords: configuration.numWords, oovToken: configuration.oovToken)
        padding = try Padding(length: configuration.maxLength, padding: configuration.padding,
                              truncating: configuration.truncating)
        self.labelNames = labelNames
    }

    /// The tokens of each text, computed on all cores.
    public func tokenize(_ texts: [String]) -> [[String]] {
        var tokens = [[String]](repeating: [], count: texts.count)
        let workers = min(Parallel.threads, max(1, texts.count / 64))
        tokens.withUnsafeMutableBufferPointer { out in
            let shared = SharedPointer(base: out.baseAddress!)
            Parallel.forEach(workers) { worker in
                for k in stride(from: worker, to: texts.count, by: workers) {
                    shared.base[k] = tokenizer.tokens(in: texts[k])
                }
            }
        }
        return tokens
    }

    /// The most UTF-8 bytes of one text that are tokenized: longer texts are cut at the end
    /// that truncation keeps (the last bytes for `.pre`, the first for `.post`), so a huge
    /// line costs bounded memory. 1 MiB holds far more than `maxLength` words of any
    /// ordinary text.
    public static let maximumTextBytes = 1 << 20

    /// `text`, cut to ``maximumTextBytes`` at the end the padding keeps, on a character boundary.
    func boundedText(_ text: String) -> String {
        let utf8 = text.utf8
        guard utf8.count > Self.maximumTextBytes else { return text }
        if configuration.truncating == .pre {
            var start = utf8.index(utf8.endIndex, offsetBy: -Self.maximumTextBytes)
            while start < utf8.endIndex && UTF8.isContinuation(utf8[start]) { start = utf8.index(after: start) }
            return String(Substring(utf8[start...]))
        } else {
            var end = utf8.index(utf8.startIndex, offsetBy: Self.maximumTextBytes)
            while end > utf8.startIndex && UTF8.isContinuation(utf8[end]) { end = utf8.index(before: end) }
            return String(Substring(utf8[..<end]))
        }
    }

    /// Texts as the model's input: tokenized, encoded with the vocabulary, padded.
    public func encode(_ texts: [String]) -> IndexMatrix {
        var sequences = [[Int32]](repeating: [], count: texts.count)
        let workers = min(Parallel.threads, max(1, texts.count / 64))
        let vocabulary = vocabulary
        sequences.withUnsafeMutableBufferPointer { out in
            let shared = SharedPointer(base: out.baseAddress!)
            Parallel.forEach(workers) { worker in
                for k in stride(from: worker, to: texts.count, by: workers) {
                    shared.base[k] = vocabulary.encode(tokenizer.tokens(in: boundedText(texts[k])))
                }
            }
        }
        return padding(sequences)
    }

    /// Fits the vocabulary on `texts`, then trains a fresh model on them. If training
    /// diverges (``TextClassificationError/nonFiniteLoss(epoch:batch:)``) after the first
    /// epoch, ``model`` holds the last good weights (see ``SequenceClassifier/fit``) when the
    /// error is thrown; if the first epoch diverges, ``model`` is left as it was.
    ///
    /// - Parameters:
    ///   - labels: 0 or 1 per text (indices into ``labelNames``).
    ///   - validation: texts and labels measured after each epoch, never trained on.
    ///   - validationSplit: without `validation`, hold out this last fraction of the texts
    ///     (before shuffling, as Keras's `validation_split`); 0 holds out nothing.
    ///   - restoreBestWeights: end with the epoch of lowest validation loss.
    ///   - patience: stop after this many epochs without a lower validation loss.
    ///   - onEpoch: return `false` to stop early.
    @discardableResult
    public mutating func fit(
        texts: [String], labels: [Int], epochs: Int = 10, batchSize: Int = 32, seed: UInt64 = 0,
        learningRate: Float = 0.001, validation: (texts: [String], labels: [Int])? = nil,
        validationSplit: Double = 0, restoreBestWeights: Bool = false, patience: Int? = nil,
        onBatch: ((BatchProgress) -> Void)? = nil, onEpoch: (EpochReport) -> Bool = { _ in true }
    ) throws -> History {
        guard validationSplit >= 0 && validationSplit < 1 else {
            throw TextClassificationError.invalidArgument(name: "validation split", value: String(validationSplit),
                                                          expected: "a fraction in [0, 1)")
        }
        var texts = texts, labels = labels, validation = validation
        if validation == nil && validationSplit > 0 {
            // Keras: the last fraction of the rows, taken before shuffling.
            let held = Int(Double(texts.count) * validationSplit)
            if held > 0 && held < texts.count {
                validation = (Array(texts.suffix(held)), Array(labels.suffix(held)))
                texts.removeLast(held)
                labels.removeLast(held)
            }
        }
        guard texts.count == labels.count else {
            throw TextClassificationError.invalidTrainingData(reason: "\(texts.count) texts but \(labels.count) labels")
        }
        guard !texts.isEmpty else { throw TextClassificationError.invalidTrainingData(reason: "no training texts") }
        if let bad = labels.first(where: { $0 != 0 && $0 != 1 }) {
            throw TextClassificationError.invalidTrainingData(reason: "label \(bad) is not 0 or 1")
        }
        vocabulary = Vocabulary(numWords: configuration.numWords, oovToken: configuration.oovToken)
        vocabulary.fit(tokenize(texts))
        // Like the seed's Embedding(1000, …) with num_words=1000: numWords rows when set.
        let inputDim = configuration.numWords ?? vocabulary.indexWord.count
        var model = SequenceClassifier(inputDim: inputDim, embeddingDim: configuration.embeddingDim,
                                       units: configuration.units, seed: seed)
        let validationSet = validation.map { (indices: encode($0.texts), labels: $0.labels.map(Float.init)) }
        let history: History
        do {
            history = try model.fit(encode(texts), labels: labels.map(Float.init), epochs: epochs, batchSize: batchSize,
                                    seed: seed, learningRate: learningRate, validation: validationSet,
                                    restoreBestWeights: restoreBestWeights, patience: patience,
                                    onBatch: onBatch, onEpoch: onEpoch)
        } catch let error as TextClassificationError {
            // Diverged after at least one good epoch: keep those weights, so they can be saved.
            if case let .nonFiniteLoss(epoch, _) = error, epoch > 1 { self.model = model }
            throw error
        }
        self.model = model
        self.history = history
        return history
    }

    /// P(label 1) and the label of each text.
    public func predict(texts: [String], threshold: Float = 0.5) throws -> [Prediction] {
        let probabilities = try trainedModel().predict(encode(texts))
        return probabilities.map { p in
            let index = p > threshold ? 1 : 0
            return Prediction(probability: p, labelIndex: index, label: labelNames[index])
        }
    }

    /// Accuracy, precision, recall, F1, ROC-AUC, log loss and confusion matrix on labelled
    /// texts (labels 0 or 1).
    public func report(texts: [String], labels: [Int], threshold: Float = 0.5) throws -> ClassificationReport {
        ClassificationReport(logits: try trainedModel().logits(encode(texts)), labels: labels, threshold: threshold)
    }

    /// Loss and accuracy on labelled texts (labels 0 or 1).
    public func evaluate(texts: [String], labels: [Int]) throws -> Evaluation {
        try trainedModel().evaluate(encode(texts), labels: labels.map(Float.init))
    }

    func trainedModel() throws -> SequenceClassifier {
        guard let model else {
            throw TextClassificationError.invalidTrainingData(reason: "the classifier has not been fitted; call fit first")
        }
        return model
    }
}
