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

    /// The settings of every stage, as given (and saved with the model); a fit over more
    /// tokens than ``Configuration/tokenLimit`` sets `numWords` and `buckets` to what it chose.
    public internal(set) var configuration: Configuration
    /// What every text goes through before the tokenizer.
    public let normalizer: TextNormalizer
    /// Splits normalised text into tokens.
    public let tokenizer: ICUTokenizer
    /// Token ↔ index, fitted by `fit` (Keras's `Tokenizer`).
    public internal(set) var vocabulary: Vocabulary {
        get { fittedVocabulary.value }
        set {
            fittedVocabulary = DeferredVocabulary(newValue)
            words = WordLookup(newValue)
            wordEntries = newValue.indexWord.count
        }
    }
    /// A model opened from its word table decodes the ``Vocabulary`` only if it is asked for
    /// (predicting needs only ``words``).
    private var fittedVocabulary: DeferredVocabulary
    /// The vocabulary's encoding, looked up by bytes (see ``WordLookup``); set with it.
    private var words: WordLookup
    /// The vocabulary's `indexWord.count`; set with it.
    private(set) var wordEntries: Int
    /// Pads or truncates encoded texts to `maxLength`.
    public let padding: Padding
    /// `nil` until ``fit(texts:labels:classWeight:sampleWeights:epochs:batchSize:seed:learningRate:optimizer:validation:validationSplit:restoreBestWeights:patience:embeddings:continuing:onBatch:onEpoch:)``.
    public internal(set) var model: SequenceClassifier?
    /// The label names and the kind of head (binary, multi-class, multi-label).
    public internal(set) var labels: LabelSet
    /// The label names; for a binary classifier, label 0's and label 1's.
    public var labelNames: [String] { labels.names }
    /// The class weights the model was trained with (per label, for multi-label), if any.
    public internal(set) var classWeights: [Float]?
    /// The epochs of the last fit (also kept in a saved model).
    public internal(set) var history: History?
    /// How many vocabulary words the last fit's pretrained embeddings covered (nil without them).
    public internal(set) var embeddingCoverage: EmbeddingCoverage?
    /// What the texts the model was last fitted, calibrated or tuned on looked like to it
    /// (``DataProfile``): what ``DataDrift`` compares new texts with. `nil` for models saved
    /// before profiles were kept.
    public internal(set) var trainingProfile: DataProfile?
    /// For a model loaded from a directory: its format version and content hash (nil otherwise).
    public internal(set) var origin: ModelOrigin?
    /// How the embedding was quantized, for a model from ``quantized(keepingRows:by:)`` (nil otherwise).
    public internal(set) var quantization: Quantization?
    /// How many distinct tokens the last fresh fit counted, before `numWords` or the token
    /// limit cut them (a streamed fit that bounded its counting: those it still counted at the
    /// end); `nil` for a model loaded from a directory.
    public internal(set) var countedTokens: Int?
    /// The optimiser the last fit ended with (``OptimizerState``).
    public var optimizerState: OptimizerState?
    /// Where the model stops answering (``OperatingPoint``), chosen by
    /// ``chooseOperatingPoint(_:texts:labels:)``; `nil`: it always answers.
    public internal(set) var operatingPoint: OperatingPoint?

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
    /// - Parameters:
    ///   - configuration: the tokens, vocabulary, padding and model.
    ///   - labelNames: the labels, in class-index order.
    ///   - head: `nil` picks binary for two names, multi-class for more.
    ///   - labelSeparator: multi-label: what joins a cell's labels.
    ///   - dictionary: words the tokenizer keeps whole (``UserDictionary``); saved with the model.
    public init(configuration: Configuration = Configuration(), labelNames: [String] = ["0", "1"],
                head: ClassificationHead.Kind? = nil, labelSeparator: String = "|",
                dictionary: UserDictionary? = nil) throws {
        try self.init(configuration: configuration,
                      labels: LabelSet(names: labelNames, head: head ?? (labelNames.count == 2 ? .binary : .multiClass),
                                       separator: labelSeparator),
                      dictionary: dictionary)
    }

    /// An unfitted pipeline for these labels.
    /// - Parameters:
    ///   - configuration: the tokens, vocabulary, padding and model.
    ///   - labels: the labels and the task they make.
    ///   - dictionary: words the tokenizer keeps whole (``UserDictionary``); saved with the model.
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
        if let limit = configuration.tokenLimit, limit < 1 || limit > 1 << 28 {
            throw TextClassificationError.invalidArgument(name: "tokenLimit", value: String(limit), expected: "1…\(1 << 28)")
        }
        if let numWords = configuration.numWords, numWords < 2 || numWords > Int(Int32.max) {
            throw TextClassificationError.invalidArgument(name: "numWords", value: String(numWords),
                                                          expected: "2…\(Int32.max) (index 0 is padding)")
        }
        self.configuration = configuration
        normalizer = TextNormalizer(form: configuration.normalization, toSimplified: configuration.toSimplified)
        tokenizer = try ICUTokenizer(locale: configuration.locale, lowercased: configuration.lowercased,
                                     unit: configuration.unit, dictionary: dictionary)
        let empty = Vocabulary(numWords: configuration.numWords, oovToken: configuration.oovToken)
        fittedVocabulary = DeferredVocabulary(empty)
        words = WordLookup(empty)
        wordEntries = empty.indexWord.count
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
        Parallel.map(texts.count) { tokenizer.wordsAndNGrams(in: normalizer(texts[$0])) }
    }

    /// The most UTF-8 bytes of one text that are tokenized: longer texts are cut at the end
    /// that truncation keeps (the last bytes for `.pre`, the first for `.post`), so a huge
    /// line costs bounded memory. 1 MiB holds far more than `maxLength` words of any
    /// ordinary text.
    public static let maximumTextBytes = 1 << 20

    /// `text`, cut to ``maximumTextBytes`` at the end the padding keeps, on a character boundary.
    func boundedText(_ text: String) -> String { truncated(text, toBytes: Self.maximumTextBytes) }

    /// `text` cut to at most `limit` UTF-8 bytes on a character boundary, keeping the end the
    /// model's truncation keeps: the last bytes for `.pre` (the default), the first for `.post`.
    public func truncated(_ text: String, toBytes limit: Int) -> String {
        let utf8 = text.utf8
        guard utf8.count > limit else { return text }
        if configuration.truncating == .pre {
            var start = utf8.index(utf8.endIndex, offsetBy: -limit)
            while start < utf8.endIndex && UTF8.isContinuation(utf8[start]) { start = utf8.index(after: start) }
            return String(Substring(utf8[start...]))
        } else {
            var end = utf8.index(utf8.startIndex, offsetBy: limit)
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

    /// The hashed rows: of the tokens beyond the ``Configuration/tokenLimit`` when a fit
    /// applied it, else of the n-grams, if the configuration asks for them and the tokens have n-grams.
    public var buckets: NGramBuckets? {
        guard let count = configuration.buckets,
              hashesRareTokens || [.ngrams, .ngrams3, .wordchar].contains(configuration.unit) else { return nil }
        return NGramBuckets(count: count)
    }

    /// Whether the bucket rows are the rare tokens' (a fit cut the vocabulary at
    /// ``Configuration/tokenLimit``), rather than every n-gram's.
    public var hashesRareTokens: Bool { configuration.tokenLimit != nil && configuration.buckets != nil }

    /// The embedding rows of the words, padding included: `numWords` when set (as Keras's
    /// `Embedding(num_words, …)`), else the vocabulary's size. Hashed n-grams come after them.
    public var wordRows: Int { configuration.numWords ?? wordEntries }

    /// Takes the vocabulary from a saved word table: its lookup now, the ``Vocabulary`` itself
    /// when first read.
    mutating func useVocabulary(of table: WordTable) {
        words = table.lookup
        wordEntries = table.indexCount
        fittedVocabulary = DeferredVocabulary { table.vocabulary() }
    }

    /// The model's indices of one text: its words through the vocabulary and, with
    /// ``buckets``, its n-grams by hash.
    public func indices(of text: String) -> [Int32] {
        let (tokens, words) = tokenizer.wordsAndNGrams(in: normalizer(boundedText(text)))
        return indices(ofTokens: tokens, words: words)
    }

    /// How many words a text has, and how many of them have an embedding row of their own
    /// (not unknown, hashed or cut off by `numWords`): ``DataProfile``'s coverage.
    func wordCoverage(of text: String) -> (words: Int, covered: Int) {
        let (tokens, count) = tokenizer.wordsAndNGrams(in: normalizer(boundedText(text)))
        let rows = Int32(clamping: wordRows), oov = words.oov
        var covered = 0
        for var token in tokens[..<count] {
            if let k = token.withUTF8({ words.index(of: $0) }), k < rows, k != oov { covered += 1 }
        }
        return (count, covered)
    }

    /// ``indices(of:)`` for tokens already made, the first `words` of them words.
    func indices(ofTokens tokens: [String], words: Int) -> [Int32] {
        guard let buckets else { return self.words.encode(tokens) }
        if hashesRareTokens {
            let base = wordRows
            return self.words.encode(tokens) { Int32(base + buckets.bucket(of: $0)) }
        }
        var sequence = self.words.encode(tokens[..<words])
        let base = wordRows
        for token in tokens[words...] { sequence.append(Int32(base + buckets.bucket(of: token))) }
        return sequence
    }

    /// The tokens the vocabulary counts: all of them, but the words alone when every n-gram
    /// is hashed (``buckets`` without a token limit).
    func tokensToCount(_ tokens: [String], words: Int) -> ArraySlice<String> {
        buckets != nil && !hashesRareTokens ? tokens[..<words] : tokens[...]
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
                if let buckets, !hashesRareTokens {
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
        var index = finishVocabulary(builder)
        let fitted = vocabulary
        // As Vocabulary.encode: indices from numWords on are dropped, or become the OOV index;
        // past a token limit, they take their hashed rows.
        let limit = Int32(clamping: (configuration.numWords ?? 0) > 0 ? configuration.numWords! : Int.max)
        let oov = fitted.oovIndex.map(Int32.init)
        let base = Int32(wordRows)
        if hashesRareTokens, let buckets = self.buckets {
            for (position, k) in index.enumerated() where k >= limit {
                index[position] = base + Int32(buckets.bucket(of: fitted.words[position]))
            }
        }
        let hashed = hashesRareTokens
        sequences.map(cuttingTo: padding) { position in
            if position < 0 { return base - 1 - position }
            let k = index[Int(position)]
            return k < limit || hashed ? k : oov
        }
        // The tokens past the limit were needed to hash them; no more (a model keeps the rest).
        if hashed { vocabulary = fitted.keepingEncodedWords() }
        return sequences
    }

    /// Ranks the counted words into ``vocabulary``, the token limit applied; returns each
    /// first-seen position's index in it (before `numWords` cuts).
    mutating func finishVocabulary(_ builder: Vocabulary.Builder) -> [Int32] {
        var (fitted, index) = builder.finish()
        countedTokens = fitted.words.count
        applyTokenLimit(to: &fitted)
        vocabulary = fitted
        return index
    }

    /// On more distinct tokens than ``Configuration/tokenLimit`` (and no `numWords`): keeps the
    /// limit's most frequent (`numWords` set to match) and gives the rest ``Configuration/buckets``
    /// hashed rows, as many as the rest rounded up to a power of two, from 1,024 to 262,144,
    /// unless set. On fewer, the fit is as without a limit (no bucket rows either).
    private mutating func applyTokenLimit(to fitted: inout Vocabulary) {
        guard let limit = configuration.tokenLimit, configuration.numWords == nil else { return }
        let distinct = fitted.words.count
        guard distinct > limit else {
            configuration.buckets = nil
            return
        }
        let first = fitted.oovToken == nil ? 1 : 2
        configuration.numWords = limit + first
        fitted.numWords = limit + first
        let rest = distinct - limit
        configuration.buckets = configuration.buckets ?? min(1 << 18, max(1 << 10, 1 << (Int.bitWidth - (rest - 1).leadingZeroBitCount)))
    }

    /// Texts as the model's input, unpadded (see ``TokenSequences``), a block at a time, each
    /// text tokenized and looked up on all cores: the lookups (every n-gram's bytes hashed)
    /// cost about what tokenizing does, and a streamed fit encodes its file every epoch.
    func encodeSequences(_ texts: [String]) -> TokenSequences {
        var sequences = TokenSequences(padding: padding)
        for start in stride(from: 0, to: texts.count, by: Self.tokenizingBlock) {
            let count = min(texts.count - start, Self.tokenizingBlock)
            for row in Parallel.map(count, { indices(of: texts[start + $0]) }) { sequences.append(row) }
        }
        return sequences
    }

}
