import Foundation

/// The whole pipeline: ``ICUTokenizer`` → ``Vocabulary`` → ``Padding`` →
/// ``SequenceClassifier``, fitted in that order, saved and loaded as one model directory.
/// Two label names make a binary classifier, more a multi-class one; `head: .multiLabel`
/// one that gives each text any number of labels.
///
/// ```swift
/// var classifier = try TextClassifier(configuration: .init(numWords: 1000))
/// try classifier.fit(texts: ["这是一段文本。", "这是另一段文本。", "第三段文本。"],
///                    labels: [0, 1, 0], epochs: 10)
/// let predictions = try classifier.predict(texts: ["另一段文本"])
/// print(predictions[0].probability, predictions[0].label)
/// try classifier.save(to: URL(fileURLWithPath: "model"))
///
/// var topics = try TextClassifier(labelNames: ["finance", "sports", "tech"])
/// try topics.fit(texts: headlines, labels: classIndices)
/// topics.predict(texts: ["股市大涨"])[0].top(2)   // [("finance", 0.8), ("tech", 0.1)]
/// ```
public struct TextClassifier: Sendable {
    /// Every setting of every stage, with Keras's defaults where Keras has one.
    public struct Configuration: Codable, Equatable, Sendable {
        /// Unicode normalisation before tokenizing (``TextNormalizer``): NFKC for new models.
        public var normalization = TextNormalizer.Form.nfkc
        /// Convert Traditional Chinese to Simplified before tokenizing.
        public var toSimplified = false
        /// ICU locale for word breaking.
        public var locale = "zh"
        /// Lower-case tokens (Keras `lower=True`).
        public var lowercased = true
        /// What the tokenizer emits (``ICUTokenizer/Unit``): words by default.
        public var unit = ICUTokenizer.Unit.word
        /// Keep only the `numWords − 1` most frequent words (Keras `num_words`); `nil` keeps all.
        public var numWords: Int? = nil
        /// The token for unknown words (Keras `oov_token`); `nil` drops them.
        public var oovToken: String? = nil
        /// Sequence length after padding (the seed's `maxlen=100`).
        public var maxLength = 100
        /// Where short texts are padded (Keras's `padding`, `pre` by default).
        public var padding = Padding.Side.pre
        /// Which end of a long text is cut (Keras's `truncating`, `pre` by default).
        public var truncating = Padding.Side.pre
        /// The embedding vector's length (Keras's `output_dim`).
        public var embeddingDim = 64
        /// The encoder's units (per direction for the bidirectional ones; the bag has none).
        public var units = 64
        /// The recurrent layer after the embedding (``SequenceEncoder/Kind``).
        public var encoder = SequenceEncoder.Kind.lstm
        /// Keras's `Dropout(rate)` between the encoder and the output layer, in training only.
        public var dropout: Float = 0
        /// Keras's `Dropout(rate)` between the embedding and the recurrent layer, in training only.
        public var embeddingDropout: Float = 0
        /// The recurrent layer's `recurrent_dropout`, in training only.
        public var recurrentDropout: Float = 0
        /// With n-gram tokens: hash the n-grams into this many embedding rows after the words
        /// (``NGramBuckets``, fastText's `-bucket`), so that no dictionary of n-grams is kept;
        /// `nil` gives every n-gram a vocabulary entry (Keras's Tokenizer).
        public var buckets: Int? = nil

        /// Every setting, with Keras's defaults where Keras has one (``Preset`` for the study's).
        public init(normalization: TextNormalizer.Form = .nfkc, toSimplified: Bool = false,
                    locale: String = "zh", lowercased: Bool = true, unit: ICUTokenizer.Unit = .word,
                    numWords: Int? = nil, oovToken: String? = nil, maxLength: Int = 100,
                    padding: Padding.Side = .pre, truncating: Padding.Side = .pre,
                    embeddingDim: Int = 64, units: Int = 64, encoder: SequenceEncoder.Kind = .lstm, dropout: Float = 0,
                    embeddingDropout: Float = 0, recurrentDropout: Float = 0, buckets: Int? = nil) {
            self.encoder = encoder
            self.buckets = buckets
            self.embeddingDropout = embeddingDropout
            self.recurrentDropout = recurrentDropout
            self.dropout = dropout
            self.normalization = normalization
            self.toSimplified = toSimplified
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

        /// Settings a model directory does not name keep the behaviour of the textclf that
        /// wrote it: no normalisation (format 1 and 2 models predate it).
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            normalization = try c.decodeIfPresent(TextNormalizer.Form.self, forKey: .normalization) ?? .none
            toSimplified = try c.decodeIfPresent(Bool.self, forKey: .toSimplified) ?? false
            locale = try c.decode(String.self, forKey: .locale)
            lowercased = try c.decode(Bool.self, forKey: .lowercased)
            unit = try c.decode(ICUTokenizer.Unit.self, forKey: .unit)
            numWords = try c.decodeIfPresent(Int.self, forKey: .numWords)
            oovToken = try c.decodeIfPresent(String.self, forKey: .oovToken)
            maxLength = try c.decode(Int.self, forKey: .maxLength)
            padding = try c.decode(Padding.Side.self, forKey: .padding)
            truncating = try c.decode(Padding.Side.self, forKey: .truncating)
            embeddingDim = try c.decode(Int.self, forKey: .embeddingDim)
            units = try c.decode(Int.self, forKey: .units)
            dropout = try c.decodeIfPresent(Float.self, forKey: .dropout) ?? 0
            encoder = try c.decodeIfPresent(SequenceEncoder.Kind.self, forKey: .encoder) ?? .lstm
            embeddingDropout = try c.decodeIfPresent(Float.self, forKey: .embeddingDropout) ?? 0
            recurrentDropout = try c.decodeIfPresent(Float.self, forKey: .recurrentDropout) ?? 0
            buckets = try c.decodeIfPresent(Int.self, forKey: .buckets)
        }
    }

    /// The settings of every stage, as given (and saved with the model).
    public let configuration: Configuration
    /// What every text goes through before the tokenizer.
    public let normalizer: TextNormalizer
    /// Splits normalised text into tokens.
    public let tokenizer: ICUTokenizer
    /// Token ↔ index, fitted by `fit` (Keras's `Tokenizer`).
    public internal(set) var vocabulary: Vocabulary
    /// Pads or truncates encoded texts to `maxLength`.
    public let padding: Padding
    /// `nil` until ``fit(texts:labels:classWeight:epochs:batchSize:seed:learningRate:optimizer:validation:validationSplit:restoreBestWeights:patience:embeddings:onBatch:onEpoch:)``.
    public internal(set) var model: SequenceClassifier?
    /// The label names and the kind of head (binary, multi-class, multi-label).
    public let labels: LabelSet
    /// The label names; for a binary classifier, label 0's and label 1's.
    public var labelNames: [String] { labels.names }
    /// The class weights the model was trained with (per label, for multi-label), if any.
    public internal(set) var classWeights: [Float]?
    /// The epochs of the last fit (also kept in a saved model).
    public internal(set) var history: History?
    /// How many vocabulary words the last fit's pretrained embeddings covered (nil without them).
    public internal(set) var embeddingCoverage: EmbeddingCoverage?
    /// How the embedding was quantized, for a model from ``quantized(keepingRows:by:)`` (nil otherwise).
    public internal(set) var quantization: Quantization?

    /// Pretrained word vectors to start the embedding from (Keras: `Embedding(weights=[matrix],
    /// trainable=…)`): the rows of vocabulary words that have a vector take it, the others keep
    /// their usual random start. The file is word2vec's text format (``WordVectors``); its
    /// dimension must be the configuration's `embeddingDim`.
    public struct PretrainedEmbeddings: Equatable, Sendable {
        /// The word2vec text file.
        public var file: URL
        /// `false`: the embedding is not trained (Keras's `trainable=False`): no Adam update.
        public var trainable: Bool

        /// Vectors from `file`, trained further unless `trainable` is false.
        public init(file: URL, trainable: Bool = true) {
            self.file = file
            self.trainable = trainable
        }
    }

    /// What pretrained embeddings covered: `covered` of the `words` vocabulary words with an
    /// embedding row (index below the embedding's rows) had a vector in the file.
    public struct EmbeddingCoverage: Equatable, Sendable {
        /// Vocabulary words that had a vector.
        public var covered: Int
        /// Vocabulary words with an embedding row.
        public var words: Int
        /// Vectors the file holds.
        public var fileWords: Int
        /// The word count the file's first line declares (a file that disagrees with itself
        /// may be truncated or concatenated).
        public var declaredWords: Int? = nil
        /// `covered / words`.
        public var fraction: Double { words == 0 ? 0 : Double(covered) / Double(words) }
    }

    /// An unfitted pipeline.
    /// - Throws: if the settings are out of range or ICU has no rules for the locale.
    /// - Parameter head: `nil` picks binary for two names, multi-class for more.
    public init(configuration: Configuration = Configuration(), labelNames: [String] = ["0", "1"],
                head: ClassificationHead.Kind? = nil, labelSeparator: String = "|",
                dictionary: UserDictionary? = nil) throws {
        try self.init(configuration: configuration,
                      labels: LabelSet(names: labelNames, head: head ?? (labelNames.count == 2 ? .binary : .multiClass),
                                       separator: labelSeparator),
                      dictionary: dictionary)
    }

    /// An unfitted pipeline for these labels.
    /// - Parameter dictionary: words the tokenizer keeps whole (``UserDictionary``); saved with the model.
    public init(configuration: Configuration = Configuration(), labels: LabelSet, dictionary: UserDictionary? = nil) throws {
        // Upper bounds keep shape arithmetic far from overflow with any config file.
        for (name, value, limit) in [("maxLength", configuration.maxLength, 1 << 20),
                                     ("embeddingDim", configuration.embeddingDim, 1 << 16),
                                     ("units", configuration.units, 1 << 16)] where value < 1 || value > limit {
            throw TextClassificationError.invalidArgument(name: name, value: String(value), expected: "1…\(limit)")
        }
        if let buckets = configuration.buckets, buckets < 1 || buckets > 1 << 28 {
            throw TextClassificationError.invalidArgument(name: "buckets", value: String(buckets), expected: "1…\(1 << 28)")
        }
        if let numWords = configuration.numWords, numWords < 2 || numWords > Int(Int32.max) {
            throw TextClassificationError.invalidArgument(name: "numWords", value: String(numWords),
                                                          expected: "2…\(Int32.max) (index 0 is padding)")
        }
        self.configuration = configuration
        normalizer = TextNormalizer(form: configuration.normalization, toSimplified: configuration.toSimplified)
        tokenizer = try ICUTokenizer(locale: configuration.locale, lowercased: configuration.lowercased,
                                     unit: configuration.unit, dictionary: dictionary)
        vocabulary = Vocabulary(numWords: configuration.numWords, oovToken: configuration.oovToken)
        padding = try Padding(length: configuration.maxLength, padding: configuration.padding,
                              truncating: configuration.truncating)
        self.labels = labels
    }

    /// The tokens of each text as the model sees them (normalised, then tokenized), on all cores.
    public func tokenize(_ texts: [String]) -> [[String]] {
        tokenizeSplit(texts).map(\.tokens)
    }

    /// ``tokenize(_:)`` with each text's word count (``ICUTokenizer/wordsAndNGrams(in:)``).
    func tokenizeSplit(_ texts: [String]) -> [(tokens: [String], words: Int)] {
        var tokens = [(tokens: [String], words: Int)](repeating: ([], 0), count: texts.count)
        let workers = min(Parallel.threads, max(1, texts.count / 64))
        tokens.withUnsafeMutableBufferPointer { out in
            let shared = SharedPointer(base: out.baseAddress!)
            Parallel.forEach(workers) { worker in
                for k in stride(from: worker, to: texts.count, by: workers) {
                    shared.base[k] = tokenizer.wordsAndNGrams(in: normalizer(texts[k]))
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
        sequences.withUnsafeMutableBufferPointer { out in
            let shared = SharedPointer(base: out.baseAddress!)
            Parallel.forEach(workers) { worker in
                for k in stride(from: worker, to: texts.count, by: workers) {
                    shared.base[k] = indices(of: texts[k])
                }
            }
        }
        return padding(sequences)
    }


    /// The hashed n-gram rows, if the configuration asks for them and the tokens have n-grams.
    public var buckets: NGramBuckets? {
        guard let count = configuration.buckets, [.ngrams, .ngrams3, .wordchar].contains(configuration.unit) else { return nil }
        return NGramBuckets(count: count)
    }

    /// The embedding rows of the words, padding included: `numWords` when set (as Keras's
    /// `Embedding(num_words, …)`), else the vocabulary's size. Hashed n-grams come after them.
    public var wordRows: Int { configuration.numWords ?? vocabulary.indexWord.count }

    /// The model's indices of one text: its words through the vocabulary and, with
    /// ``buckets``, its n-grams by hash.
    public func indices(of text: String) -> [Int32] {
        let (tokens, words) = tokenizer.wordsAndNGrams(in: normalizer(boundedText(text)))
        return indices(ofTokens: tokens, words: words)
    }

    /// ``indices(of:)`` for tokens already made, the first `words` of them words.
    func indices(ofTokens tokens: [String], words: Int) -> [Int32] {
        guard let buckets else { return vocabulary.encode(tokens) }
        var sequence = vocabulary.encode(tokens[..<words])
        let base = wordRows
        for token in tokens[words...] { sequence.append(Int32(base + buckets.bucket(of: token))) }
        return sequence
    }

    /// How many texts are tokenized (on all cores) before their tokens are counted or encoded:
    /// the only token strings held at once.
    static let tokenizingBlock = 4096

    /// Fits ``vocabulary`` on `texts` and returns them encoded and cut to the padding's length,
    /// from one tokenizing pass that never holds the corpus's token strings: each text keeps
    /// its words' first-seen positions, which become indices once the words are ranked.
    mutating func fitVocabulary(on texts: [String]) -> TokenSequences {
        var builder = Vocabulary.Builder(Vocabulary(numWords: configuration.numWords, oovToken: configuration.oovToken))
        var sequences = TokenSequences(padding: try! Padding(length: nil))  // cut after the ranking
        var positions: [Int32] = []
        let buckets = buckets
        for start in stride(from: 0, to: texts.count, by: Self.tokenizingBlock) {
            let block = texts[start ..< min(texts.count, start + Self.tokenizingBlock)]
            for (tokens, words) in tokenizeSplit(block.map(boundedText)) {
                positions.removeAll(keepingCapacity: true)
                if let buckets {
                    // Words by position; n-grams by bucket, as -(bucket + 1) until the words' rows are known.
                    builder.add(tokens[..<words], positions: &positions)
                    for token in tokens[words...] { positions.append(Int32(-1 - buckets.bucket(of: token))) }
                } else {
                    builder.add(tokens, positions: &positions)
                }
                sequences.append(positions)
            }
            if start == 0 && texts.count > Self.tokenizingBlock {
                // Room for the rest at the first block's rate and a tenth more.
                let perText = Double(sequences.tokens.count) / Double(sequences.count)
                sequences.reserve(rows: texts.count - sequences.count,
                                  tokens: Int(perText * 1.1 * Double(texts.count - sequences.count)))
            }
        }
        let (fitted, index) = builder.finish()
        vocabulary = fitted
        // As Vocabulary.encode: indices from numWords on are dropped, or become the OOV index.
        let limit = Int32(clamping: (configuration.numWords ?? 0) > 0 ? configuration.numWords! : Int.max)
        let oov = fitted.oovIndex.map(Int32.init)
        let base = Int32(wordRows)
        sequences.map(cuttingTo: padding) { position in
            if position < 0 { return base - 1 - position }
            let k = index[Int(position)]
            return k < limit ? k : oov
        }
        return sequences
    }

    /// Texts as the model's input, unpadded (see ``TokenSequences``), a block at a time.
    func encodeSequences(_ texts: [String]) -> TokenSequences {
        var sequences = TokenSequences(padding: padding)
        for start in stride(from: 0, to: texts.count, by: Self.tokenizingBlock) {
            let block = texts[start ..< min(texts.count, start + Self.tokenizingBlock)]
            for (tokens, words) in tokenizeSplit(block.map(boundedText)) {
                sequences.append(indices(ofTokens: tokens, words: words))
            }
        }
        return sequences
    }

    /// How rows' losses are weighted in training.
    public enum ClassWeight: Equatable, Sendable {
        /// Every row counts the same.
        case none
        /// Keras/scikit-learn's "balanced": each row's loss times n_rows / (n_classes · n_rows_of_its_class);
        /// for multi-label, each label's positive loss times n_rows_without / n_rows_with that label.
        case balanced
        /// One weight per label, in ``labelNames`` order.
        case custom([Float])
    }

    /// Fits the vocabulary on `texts`, then trains a fresh model on them. If training
    /// diverges (``TextClassificationError/nonFiniteLoss(epoch:batch:)``) after the first
    /// epoch, ``model`` holds the last good weights (see `SequenceClassifier.fit`) when the
    /// error is thrown; if the first epoch diverges, ``model`` is left as it was.
    ///
    /// - Parameters:
    ///   - labels: the class of each text (an index into ``labelNames``); binary and multi-class.
    ///   - classWeight: how rows' losses are weighted (Keras's `class_weight`).
    ///   - learningRate: Adam's step; `nil`: the ``Preset``'s for this encoder (0.001, Keras's,
    ///     or 0.002 for the bag).
    ///   - optimizer: Keras's Adam, deferred or lazy Adam (``Optimizer``); `nil`: the
    ///     ``Preset``'s (deferred Adam for the bag, Keras's Adam otherwise).
    ///   - validation: texts and labels measured after each epoch, never trained on.
    ///   - validationSplit: without `validation`, hold out this last fraction of the texts
    ///     (before shuffling, as Keras's `validation_split`); 0 holds out nothing.
    ///   - restoreBestWeights: end with the epoch of lowest validation loss.
    ///   - patience: stop after this many epochs without a lower validation loss.
    ///   - onEpoch: return `false` to stop early.
    @discardableResult
    public mutating func fit(
        texts: [String], labels: [Int], classWeight: ClassWeight = .none, epochs: Int = 10, batchSize: Int = 32,
        seed: UInt64 = 0, learningRate: Float? = nil, optimizer: Optimizer? = nil,
        validation: (texts: [String], labels: [Int])? = nil,
        validationSplit: Double = 0, restoreBestWeights: Bool = false, patience: Int? = nil,
        embeddings: PretrainedEmbeddings? = nil,
        onBatch: ((BatchProgress) -> Void)? = nil, onEpoch: (EpochReport) -> Bool = { _ in true }
    ) throws -> History {
        guard self.labels.head != .multiLabel else {
            throw TextClassificationError.invalidArgument(name: "labels", value: "one class per text",
                                                          expected: "label sets for a multi-label classifier (fit(texts:labelSets:))")
        }
        return try fit(texts: texts, targets: try targets(labels), classWeight: classWeight, epochs: epochs,
                       batchSize: batchSize, seed: seed, learningRate: learningRate, optimizer: optimizer,
                       validation: try validation.map { ($0.texts, try targets($0.labels)) },
                       validationSplit: validationSplit, restoreBestWeights: restoreBestWeights, patience: patience,
                       embeddings: embeddings, onBatch: onBatch, onEpoch: onEpoch)
    }

    /// ``fit(texts:labels:classWeight:epochs:batchSize:seed:learningRate:optimizer:validation:validationSplit:restoreBestWeights:patience:embeddings:onBatch:onEpoch:)``
    /// for a multi-label classifier: `labelSets` holds each text's labels (indices into
    /// ``labelNames``; empty for none).
    @discardableResult
    public mutating func fit(
        texts: [String], labelSets: [[Int]], classWeight: ClassWeight = .none, epochs: Int = 10, batchSize: Int = 32,
        seed: UInt64 = 0, learningRate: Float? = nil, optimizer: Optimizer? = nil,
        validation: (texts: [String], labelSets: [[Int]])? = nil,
        validationSplit: Double = 0, restoreBestWeights: Bool = false, patience: Int? = nil,
        embeddings: PretrainedEmbeddings? = nil,
        onBatch: ((BatchProgress) -> Void)? = nil, onEpoch: (EpochReport) -> Bool = { _ in true }
    ) throws -> History {
        guard self.labels.head == .multiLabel else {
            throw TextClassificationError.invalidArgument(name: "labels", value: "label sets",
                                                          expected: "one class per text for a \(self.labels.head) classifier (fit(texts:labels:))")
        }
        return try fit(texts: texts, targets: try targets(labelSets), classWeight: classWeight, epochs: epochs,
                       batchSize: batchSize, seed: seed, learningRate: learningRate, optimizer: optimizer,
                       validation: try validation.map { ($0.texts, try targets($0.labelSets)) },
                       validationSplit: validationSplit, restoreBestWeights: restoreBestWeights, patience: patience,
                       embeddings: embeddings, onBatch: onBatch, onEpoch: onEpoch)
    }

    /// The model's targets for class indices: one value per text.
    func targets(_ labels: [Int]) throws -> [Float] {
        if let bad = labels.first(where: { $0 < 0 || $0 >= labelNames.count }) {
            throw TextClassificationError.invalidTrainingData(
                reason: "label \(bad) is not an index of the \(labelNames.count) label names")
        }
        return labels.map(Float.init)
    }

    /// The model's targets for label sets: one 0/1 value per label per text.
    func targets(_ labelSets: [[Int]]) throws -> [Float] {
        let k = labelNames.count
        var targets = [Float](repeating: 0, count: labelSets.count * k)
        for (r, set) in labelSets.enumerated() {
            for label in set {
                guard label >= 0 && label < k else {
                    throw TextClassificationError.invalidTrainingData(reason: "label \(label) is not an index of the \(k) label names")
                }
                targets[r * k + label] = 1
            }
        }
        return targets
    }

    /// Class weights from the training targets.
    func weights(_ classWeight: ClassWeight, targets: [Float]) throws -> [Float]? {
        let k = labelNames.count
        switch classWeight {
        case .none: return nil
        case let .custom(weights):
            guard weights.count == k, weights.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
                throw TextClassificationError.invalidArgument(name: "class weights", value: "\(weights)",
                                                              expected: "\(k) finite weights ≥ 0, one per label")
            }
            return weights
        case .balanced:
            if labels.head == .multiLabel {
                let n = targets.count / k
                return (0..<k).map { j in
                    let positives = stride(from: j, to: targets.count, by: k).reduce(0) { $0 + Int(targets[$1]) }
                    return positives > 0 ? Float(n - positives) / Float(positives) : 1
                }
            }
            var counts = [Int](repeating: 0, count: k)
            for y in targets { counts[Int(y)] += 1 }
            return counts.map { $0 > 0 ? Float(targets.count) / Float(k * $0) : 1 }
        }
    }

    private mutating func fit(
        texts: [String], targets: [Float], classWeight: ClassWeight, epochs: Int, batchSize: Int, seed: UInt64,
        learningRate: Float?, optimizer: Optimizer?, validation: (texts: [String], targets: [Float])?, validationSplit: Double,
        restoreBestWeights: Bool, patience: Int?, embeddings: PretrainedEmbeddings?,
        onBatch: ((BatchProgress) -> Void)?, onEpoch: (EpochReport) -> Bool
    ) throws -> History {
        let preset = Preset(encoder: configuration.encoder, head: labels.head)
        let learningRate = learningRate ?? preset.learningRate, optimizer = optimizer ?? preset.optimizer
        guard validationSplit >= 0 && validationSplit < 1 else {
            throw TextClassificationError.invalidArgument(name: "validation split", value: String(validationSplit),
                                                          expected: "a fraction in [0, 1)")
        }
        let width = labels.head == .multiLabel ? labelNames.count : 1
        var texts = texts, targets = targets, validation = validation
        guard texts.count * width == targets.count else {
            throw TextClassificationError.invalidTrainingData(reason: "\(texts.count) texts but \(targets.count / width) labels")
        }
        var heldOutRows: Int?
        if validation == nil && validationSplit > 0 {
            // Keras: the last fraction of the rows, taken before shuffling.
            let held = Self.heldOutRows(of: texts.count, validationSplit: validationSplit)
            if held > 0 {
                heldOutRows = held
                validation = (Array(texts.suffix(held)), Array(targets.suffix(held * width)))
                texts.removeLast(held)
                targets.removeLast(held * width)
                try checkSplit(kept: targets, all: targets + validation!.targets, held: held, fraction: validationSplit)
            }
        }
        guard !texts.isEmpty else { throw TextClassificationError.invalidTrainingData(reason: "no training texts") }
        let classWeights = try weights(classWeight, targets: targets)
        let training = fitVocabulary(on: texts)
        // Like the seed's Embedding(1000, …) with num_words=1000: numWords rows when set.
        let inputDim = wordRows + (buckets?.count ?? 0)
        try MemoryEstimate(encoder: configuration.encoder, inputDim: inputDim, embeddingDim: configuration.embeddingDim,
                           units: configuration.units, head: labels.head, classes: labelNames.count, batchSize: batchSize,
                           maxLength: configuration.maxLength).check()
        var model = SequenceClassifier(inputDim: inputDim, embeddingDim: configuration.embeddingDim,
                                       units: configuration.units, encoder: configuration.encoder, head: labels.head,
                                       classes: labelNames.count, seed: seed)
        let coverage = try embeddings.map { try loadEmbeddings(from: $0.file, into: &model.encoder.embedding) }
        let validationSet = validation.map { (indices: encodeSequences($0.texts) as any TrainingRows, labels: $0.targets) }
        var history: History
        do {
            history = try model.fit(training, labels: targets, classWeights: classWeights,
                                    dropout: configuration.dropout, embeddingDropout: configuration.embeddingDropout,
                                    recurrentDropout: configuration.recurrentDropout,
                                    epochs: epochs,
                                    batchSize: batchSize, seed: seed, learningRate: learningRate, optimizer: optimizer,
                                    validation: validationSet,
                                    restoreBestWeights: restoreBestWeights, patience: patience,
                                    trainableEmbeddings: embeddings?.trainable ?? true,
                                    onBatch: onBatch, onEpoch: onEpoch)
        } catch let error as TextClassificationError {
            // Diverged after at least one good epoch: keep those weights, so they can be saved.
            if case let .nonFiniteLoss(epoch, _) = error, epoch > 1 {
                self.model = model
                self.classWeights = classWeights
            }
            throw error
        }
        history.heldOutRows = heldOutRows
        self.model = model
        self.classWeights = classWeights
        self.history = history
        self.embeddingCoverage = coverage
        return history
    }

    /// The last rows a validation split holds out of `count` (Keras's `validation_split`:
    /// the fraction rounded down); none if that would leave nothing to train on.
    public static func heldOutRows(of count: Int, validationSplit: Double) -> Int {
        let held = Int(Double(count) * validationSplit)
        return held < count ? held : 0
    }

    /// Refuses a validation split that leaves too little to train on: fewer than two rows, or
    /// (one label a row) a class whose every row went to validation.
    private func checkSplit(kept: [Float], all: [Float], held: Int, fraction: Double) throws {
        let advice = "the last \(held) rows (validation split \(fraction)) went to validation; lower the split, or give validation rows of their own"
        let width = labels.head == .multiLabel ? labelNames.count : 1
        guard kept.count / width >= 2 else {
            throw TextClassificationError.invalidTrainingData(reason: "only \(kept.count / width) row is left to train on: \(advice)")
        }
        guard labels.head != .multiLabel else { return }
        let before = Set(all.map(Int.init)), after = Set(kept.map(Int.init))
        if let lost = before.subtracting(after).min() {
            throw TextClassificationError.invalidTrainingData(
                reason: "label \"\(labelNames[lost])\" has no rows left to train on: \(advice)")
        }
    }

    /// Sets the rows of `embedding` whose vocabulary word has a vector in the word2vec file.
    /// File words go through the model's normalisation and lower-casing first, as texts do.
    private func loadEmbeddings(from file: URL, into embedding: inout Embedding) throws -> EmbeddingCoverage {
        let rows = embedding.inputDim, width = embedding.outputDim
        var wanted: [String: Int] = [:]
        for (word, index) in vocabulary.wordIndex where index > 0 && index < rows { wanted[word] = index }
        let normalizer = normalizer, lowercased = configuration.lowercased
        let vectors = try WordVectors(contentsOf: file, keeping: Set(wanted.keys)) { word in
            let normalized = normalizer(word)
            return lowercased ? normalized.lowercased() : normalized
        }
        guard vectors.dimension == width else {
            throw TextClassificationError.invalidArgument(
                name: "embeddings", value: "\(file.path): vectors of \(vectors.dimension) values",
                expected: "the embedding's \(width) (set the embedding dimension to \(vectors.dimension))")
        }
        embedding.embeddings.scalars.withUnsafeMutableBufferPointer { table in
            for (word, vector) in vectors.vectors {
                let index = wanted[word]!
                for j in 0..<width { table[index * width + j] = vector[j] }
            }
        }
        return EmbeddingCoverage(covered: vectors.vectors.count, words: wanted.count, fileWords: vectors.lineCount,
                                 declaredWords: vectors.declaredCount)
    }

    /// Each text's prediction: every label's probability and the decision of the head.
    ///
    /// - Parameters:
    ///   - threshold: binary, the second label's probability must be above it; multi-label,
    ///     each label's at or above it.
    ///   - minimumProbability: multi-class, a text whose most probable class is below it
    ///     gets `unknownLabel` instead ("none of the above").
    public func predict(texts: [String], threshold: Float = 0.5, minimumProbability: Float = 0,
                        unknownLabel: String = "") throws -> [Prediction] {
        let model = try trainedModel()
        let probabilities = try model.predict(encode(texts))
        let outputs = model.head.outputs
        return (0..<texts.count).map { r in
            let row = probabilities[r * outputs ..< (r + 1) * outputs]
            var chosen = model.head.decide(row, threshold: threshold)
            if model.head.kind == .multiClass && row[row.startIndex + chosen[0]] < minimumProbability { chosen = [] }
            return Prediction(probabilities: model.head.classProbabilities(row), labelIndices: chosen, labels: labels,
                              unknownLabel: unknownLabel)
        }
    }

    /// The measures that fit the head (binary: accuracy, precision, recall, F1, ROC-AUC, log
    /// loss, confusion matrix; multi-class and multi-label: see ``MultiClassReport`` and
    /// ``MultiLabelReport``) on texts with their classes (indices into ``labelNames``).
    public func report(texts: [String], labels classes: [Int], threshold: Float = 0.5) throws -> EvaluationReport {
        let model = try trainedModel()
        _ = try targets(classes)
        switch model.head.kind {
        case .binary:
            return .binary(ClassificationReport(logits: try model.logits(encode(texts)), labels: classes, threshold: threshold))
        case .multiClass:
            return .multiClass(MultiClassReport(logits: try model.logits(encode(texts)), labels: classes,
                                                classes: labelNames.count))
        case .multiLabel:
            return try report(texts: texts, labelSets: classes.map { [$0] }, threshold: threshold)
        }
    }

    /// ``report(texts:labels:threshold:)`` for a multi-label classifier: each text's label set.
    public func report(texts: [String], labelSets: [[Int]], threshold: Float = 0.5) throws -> EvaluationReport {
        let model = try trainedModel()
        guard model.head.kind == .multiLabel else {
            throw TextClassificationError.invalidArgument(name: "labels", value: "label sets",
                                                          expected: "one class per text for a \(model.head.kind) classifier")
        }
        return .multiLabel(MultiLabelReport(probabilities: try model.predict(encode(texts)), targets: try targets(labelSets),
                                            labels: labelNames.count, threshold: threshold))
    }

    /// Loss and accuracy on texts with their classes (Keras's `model.evaluate`).
    public func evaluate(texts: [String], labels: [Int]) throws -> Evaluation {
        try trainedModel().evaluate(encode(texts), labels: try targets(labels))
    }

    /// Loss and accuracy on texts with their label sets (multi-label).
    public func evaluate(texts: [String], labelSets: [[Int]]) throws -> Evaluation {
        try trainedModel().evaluate(encode(texts), labels: try targets(labelSets))
    }

    func trainedModel() throws -> SequenceClassifier {
        guard let model else {
            throw TextClassificationError.invalidTrainingData(reason: "the classifier has not been fitted; call fit first")
        }
        return model
    }
}
