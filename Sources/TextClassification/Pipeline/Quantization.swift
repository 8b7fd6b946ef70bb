/// Compact models, as fastText's `quantize`: the embedding (nearly all of a bag model's
/// weights) pruned to the rows of largest norm and stored as 8-bit integers with one scale
/// per row; the vocabulary keeps only the words of kept rows, written as a plain word list.
/// A quantized model loads and predicts through the same API and CLI; in memory its embedding
/// holds the dequantized values, so predictions before and after saving are the same. Saved
/// as format version 5, which older builds refuse ("newer than this textclf reads").
///
/// ```swift
/// let small = try classifier.quantized(keepingRows: 100_000)
/// try small.save(to: URL(fileURLWithPath: "model-q"))      // ~7 MB for 100,000 rows of 64
/// ```
extension TextClassifier {
    /// How a quantized model's embedding was made.
    public struct Quantization: Codable, Equatable, Sendable {
        /// Bits per weight of the embedding (8).
        public var bits: Int
        /// The embedding's rows before pruning.
        public var sourceRows: Int
        /// Each row's scale: weight = integer × scale (kept in model.safetensors, not config.json).
        var scales: [Float] = []

        enum CodingKeys: String, CodingKey { case bits, sourceRows }
    }

    /// Which vocabulary rows pruning keeps.
    public enum RowChoice: String, CaseIterable, Sendable {
        /// The rows of largest L2 norm (fastText's `-cutoff`).
        case norm
        /// The most frequent words and n-grams (the vocabulary's first indices, as `numWords`).
        case frequency
    }

    /// This classifier with a pruned, 8-bit embedding.
    /// - Parameters:
    ///   - limit: keep `limit` vocabulary rows (words and, without buckets, n-grams),
    ///     chosen `by` norm or frequency: texts then encode without the others, as words never
    ///     seen. Hashed n-gram buckets are all kept. `nil` keeps every row.
    ///   - choice: which rows are kept.
    /// - Throws: for an unfitted classifier or a `limit` below 1.
    public func quantized(keepingRows limit: Int? = nil, by choice: RowChoice = .norm) throws -> TextClassifier {
        let model = try trainedModel()
        if let limit, limit < 1 {
            throw TextClassificationError.invalidArgument(name: "rows", value: String(limit), expected: "at least 1")
        }
        let table = model.encoder.embedding.embeddings, width = table.shape[1]
        // Rows 1..<words are the vocabulary's (rows past it, from a larger numWords, are never read).
        let words = min(wordRows, vocabulary.indexWord.count)
        var candidates = Array(1..<max(1, words))
        if let oov = vocabulary.oovIndex { candidates.removeAll { $0 == oov } }
        if let limit, candidates.count > limit, choice == .frequency {
            candidates = Array(candidates.prefix(limit))
        } else if let limit, candidates.count > limit {
            let norms = candidates.map { row in
                (0..<width).reduce(Float(0)) { $0 + table.scalars[row * width + $1] * table.scalars[row * width + $1] }
            }
            let ranked = candidates.indices.sorted { norms[$0] != norms[$1] ? norms[$0] > norms[$1] : $0 < $1 }
            candidates = ranked.prefix(limit).map { candidates[$0] }.sorted()
        }
        let keptWords = (vocabulary.oovIndex.map { [$0] } ?? []) + candidates
        var pruned = Vocabulary(rankedWords: keptWords.sorted().map { vocabulary.indexWord[$0] }, oovToken: vocabulary.oovToken)
        pruned.documentCount = vocabulary.documentCount
        var configuration = configuration
        configuration.numWords = nil
        var result = try TextClassifier(configuration: configuration, labels: labels, dictionary: tokenizer.dictionary)
        result.vocabulary = pruned
        result.classWeights = classWeights
        result.history = history
        // Chosen on the float model's probabilities, which quantization barely moves;
        // tune-threshold on the quantized model gives its own.
        result.operatingPoint = operatingPoint
        // Padding, the kept word rows in index order, then every bucket row.
        let bucketRows = buckets.map { Array(wordRows ..< wordRows + $0.count) } ?? []
        let rows = [0] + keptWords.sorted() + bucketRows
        var scalars = [Float](repeating: 0, count: rows.count * width)
        var scales = [Float](repeating: 0, count: rows.count)
        for (k, row) in rows.enumerated() {
            let source = table.scalars[row * width ..< (row + 1) * width]
            let scale = (source.map(abs).max() ?? 0) / 127
            scales[k] = scale
            for (j, value) in source.enumerated() where scale > 0 {
                scalars[k * width + j] = (value / scale).rounded() * scale
            }
        }
        var small = model
        small.encoder.embedding = Embedding(embeddings: Tensor(shape: [rows.count, width], scalars: scalars))
        result.model = small
        result.quantization = Quantization(bits: 8, sourceRows: table.shape[0], scales: scales)
        return result
    }
}

extension Vocabulary {
    /// A vocabulary that encodes `rankedWords[k]` as index k + 1 (after the OOV token, which
    /// takes index 1 when given and is not among `rankedWords`): a quantized model's word list.
    /// Counts are unknown (0).
    init(rankedWords: [String], oovToken: String?) {
        self.init(numWords: nil, oovToken: oovToken)
        let listed = oovToken.map { oov in rankedWords.filter { $0 != oov } } ?? rankedWords
        words = listed
        counts = [Int](repeating: 0, count: listed.count)
        documentCounts = counts
        let sorted = (oovToken.map { [$0] } ?? []) + listed
        wordIndex = [String: Int](minimumCapacity: sorted.count)
        for (k, word) in sorted.enumerated() { wordIndex[word] = k + 1 }
        indexWord = [""] + sorted
    }
}
