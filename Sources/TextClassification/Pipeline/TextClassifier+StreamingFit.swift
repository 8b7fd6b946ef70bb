import Foundation

/// A fit that reads its CSV file a part at a time instead of holding it: one pass counts the
/// rows and checks the labels, one fits the vocabulary, then every epoch reads the file again,
/// tokenizing each part of `partRows` rows on all cores and training on it in an order
/// shuffled within the part, then measuring the validation rows (the file's last) part by part.
/// Memory holds a part and the model, not the corpus. Rows in one part train exactly as the
/// same rows in memory do.
extension TextClassifier {
    /// What the first pass of a streamed fit found, before it trains.
    public struct StreamedFileSummary: Sendable {
        /// The file's data rows.
        public var rows: Int
        /// The last rows held out for validation.
        public var heldOutRows: Int
        /// The training rows holding each label, in ``TextClassifier/labelNames`` order.
        public var labelCounts: [Int]
        /// The training rows' weights (with a weight column): their mean and how many are 0.
        public var weightMean: Float?, zeroWeights: Int?
    }

    /// Fits the vocabulary on a labelled CSV file, then trains a fresh model on it, reading
    /// the file again for each epoch (``TrainingParts``).
    ///
    /// ```swift
    /// let file = URL(fileURLWithPath: "Data/thucnews-train.csv")
    /// var classifier = try TextClassifier(configuration: .recommended(for: .multiClass),
    ///                                     labels: LabelSet(inferringFrom: LabelledCSV(url: file)))
    /// try classifier.fit(streaming: file, partRows: 65_536, epochs: 5, validationSplit: 0.1)
    /// ```
    ///
    /// - Parameters:
    ///   - url: a CSV file with a header row; its labels must be among ``labelNames``
    ///     (multi-label: joined by the label set's separator).
    ///   - textColumn: the column of the texts.
    ///   - labelColumn: the column of the labels.
    ///   - weightColumn: a column of per-row weights (Keras's `sample_weight`), or `nil`.
    ///   - partRows: the most rows trained on at a time, and the span each epoch's shuffle
    ///     mixes: all the rows when the file holds no more (then the fit is the in-memory
    ///     `fit(texts:labels:…)` on the same rows, bit for bit).
    ///   - classWeight: how rows' losses are weighted (Keras's `class_weight`).
    ///   - epochs: the most epochs to train.
    ///   - batchSize: rows per step (Keras's 32).
    ///   - seed: the seed of the initial weights, the shuffles and dropout.
    ///   - learningRate: the optimizer's step; `nil`: ``Preset/learningRate(for:)``.
    ///   - optimizer: the optimizer; `nil`: the ``Preset``'s.
    ///   - validationSplit: hold out this last fraction of the rows (Keras's `validation_split`).
    ///   - restoreBestWeights: end with the epoch of lowest validation loss.
    ///   - patience: stop after this many epochs without a lower validation loss.
    ///   - onRead: called after each block of the passes before training (counting, then
    ///     the vocabulary), for a progress line.
    ///   - onCounted: called once the first pass has read the file, before the vocabulary
    ///     pass (``StreamedFileSummary``: rows, held-out rows, label counts, weights).
    ///   - onBatch: called after each batch (for a progress line).
    ///   - onEpoch: return `false` to stop early.
    /// - Throws: the file's errors naming its file and line (a label not among ``labelNames``
    ///   among them), before training starts; or the in-memory fit's.
    @discardableResult
    public mutating func fit(
        streaming url: URL, textColumn: String = "text", labelColumn: String = "label", weightColumn: String? = nil,
        partRows: Int = 65_536, classWeight: ClassWeight = .none, epochs: Int = 10, batchSize: Int = 32,
        seed: UInt64 = 0, learningRate: Float? = nil, optimizer: OptimizerKind? = nil, validationSplit: Double = 0,
        restoreBestWeights: Bool = false, patience: Int? = nil, onRead: ((FilePassProgress) -> Void)? = nil,
        onCounted: ((StreamedFileSummary) -> Void)? = nil,
        onBatch: ((BatchProgress) -> Void)? = nil, onEpoch: (EpochReport) -> Bool = { _ in true }
    ) throws -> History {
        guard partRows >= 1 else {
            throw TextClassificationError.invalidArgument(name: "part rows", value: String(partRows), expected: "at least 1")
        }
        guard validationSplit >= 0 && validationSplit < 1 else {
            throw TextClassificationError.invalidArgument(name: "validation split", value: String(validationSplit),
                                                          expected: "a fraction in [0, 1)")
        }
        let open = { try LabelledCSV.Blocks(url: url, textColumn: textColumn, labelColumn: labelColumn, weightColumn: weightColumn) }
        // Pass 1: the rows' count and targets (every label checked before any training).
        var allTargets: [Float] = [], rows = 0, weights: [Float]? = weightColumn.map { _ in [] }
        // The file's last rows, for the profile the model keeps (the validation rows' when
        // they are as many; else the last training rows).
        var lastTexts: [String] = []
        let counting = try open(), countingPass = counting.pass(.counting)
        while let block = try counting.next(rows: partRows) {
            lastTexts = Array((lastTexts + block.texts).suffix(Self.profileRows))
            allTargets += try targets(of: block)
            weights? += block.weights ?? []
            rows += block.texts.count
            onRead?(countingPass.progress(rows: rows))
        }
        guard rows > 0 else {
            throw TextClassificationError.malformedData(file: counting.source, line: counting.headerLine,
                                                        reason: "the file has a header but no data rows")
        }
        let held = Self.heldOutRows(of: rows, validationSplit: validationSplit)
        let width = targetWidth, trainingRows = rows - held
        if held > 0 {
            try checkSplit(kept: Array(allTargets.prefix(trainingRows * width)), all: allTargets, held: held, fraction: validationSplit)
        }
        let trainingTargets = allTargets.prefix(trainingRows * width)
        let classWeights = try self.weights(classWeight, targets: Array(trainingTargets))
        var summary = StreamedFileSummary(rows: rows, heldOutRows: held, labelCounts: [Int](repeating: 0, count: labelNames.count))
        for (k, y) in trainingTargets.enumerated() {
            // A taxonomy's rows known only to an inner node (class index past the leaves) count for none.
            if width == 1 { if Int(y) < labelNames.count { summary.labelCounts[Int(y)] += 1 } } else if y > 0 { summary.labelCounts[k % width] += 1 }
        }
        if let kept = weights?.prefix(trainingRows) {
            try TrainingPart<TokenSequences>.checkSomeRowCounts(kept)
            summary.weightMean = kept.reduce(0, +) / Float(kept.count)
            summary.zeroWeights = kept.filter { $0 == 0 }.count
        }
        onCounted?(summary)
        allTargets = []
        weights = nil

        // Pass 2: the vocabulary, on the training rows.
        var builder = Vocabulary.Builder(Vocabulary(numWords: configuration.numWords, oovToken: configuration.oovToken))
        // With a limit on what is kept, the count is bounded too: past five times the limit (at
        // least a million), the rarest are forgotten, as fastText's dictionary does.
        let countingLimit = (configuration.tokenLimit ?? configuration.numWords).map { max(5 * $0, 1_000_000) }
        var seen = 0
        let reading = try open(), vocabularyPass = reading.pass(.vocabulary)
        while seen < trainingRows, let block = try reading.next(rows: min(partRows, trainingRows - seen)) {
            for (tokens, words) in tokenizeSplit(block.texts.map(boundedText)) {
                builder.add(tokensToCount(tokens, words: words))
            }
            if let countingLimit { builder.bound(to: countingLimit) }
            seen += block.texts.count
            onRead?(vocabularyPass.progress(rows: seen, of: trainingRows))
        }
        _ = finishVocabulary(builder)
        builder = Vocabulary.Builder(Vocabulary())
        if hashesRareTokens { vocabulary = vocabulary.keepingEncodedWords() }
        // The counts' pages go back to the system before the model's are taken (the count of a
        // million headlines held ~400 MB that the heap kept otherwise).
        FreedMemory.returnToSystem()
        let (model, _) = try newModel(batchSize: batchSize, seed: seed, embeddings: nil)

        let preset = Preset(encoder: configuration.encoder, head: labels.head)
        let optimizer = optimizer ?? preset.optimizer
        // The validation rows are the file's last: each epoch's reader measures them part by
        // part once it has trained on the rest, so they are not held either.
        var parts = StreamedParts(classifier: self, open: open, rows: trainingRows, heldOutRows: held, partRows: partRows)
        let history = try train(&parts, model: consume model, classWeights: classWeights,
                                heldOutRows: held > 0 ? held : nil, coverage: nil, epochs: epochs, batchSize: batchSize, seed: seed,
                                learningRate: learningRate ?? preset.learningRate(for: optimizer), optimizer: optimizer,
                                restoreBestWeights: restoreBestWeights, patience: patience, trainableEmbeddings: true,
                                continuing: false, initialEpoch: 0, onBatch: onBatch, onEpoch: onEpoch)
        // As the in-memory fit: the validation rows, or the last training rows without them.
        try keepProfile(of: lastTexts.suffix(held > 0 ? held : lastTexts.count),
                        source: held > 0 ? "validation rows" : "last training rows")
        return history
    }

    /// The targets of a block's labels, naming the file and line of one not among ``labelNames``.
    func targets(of block: LabelledCSV) throws -> [Float] {
        labels.head == .multiLabel ? try targets(labels.labelSets(of: block)) : try targets(labels.classIndices(of: block))
    }
}

/// The training rows of a file, `partRows` at a time, read from the start every epoch and
/// encoded by the classifier whose vocabulary was fitted on them.
struct StreamedParts: TrainingParts {
    let classifier: TextClassifier
    let open: () throws -> LabelledCSV.Blocks
    let rows: Int, heldOutRows: Int, partRows: Int
    private var reader: LabelledCSV.Blocks?
    /// A file of one training part and at most one validation part is kept once read: it
    /// costs what the in-memory fit holds, and the epochs after the first read nothing.
    private var onlyPart: TrainingPart<TokenSequences>?, onlyValidationPart: TrainingPart<TokenSequences>?
    private var isSmall: Bool { rows <= partRows && heldOutRows <= partRows }

    init(classifier: TextClassifier, open: @escaping () throws -> LabelledCSV.Blocks, rows: Int, heldOutRows: Int,
         partRows: Int) {
        self.classifier = classifier
        self.open = open
        self.rows = rows
        self.heldOutRows = heldOutRows
        self.partRows = partRows
    }

    var partSizes: [Int] { sizes(of: rows) }
    var validationPartSizes: [Int] { sizes(of: heldOutRows) }

    private func sizes(of count: Int) -> [Int] {
        stride(from: 0, to: count, by: partRows).map { min(partRows, count - $0) }
    }

    var columns: Int { classifier.padding.length ?? classifier.configuration.maxLength }

    mutating func part(_ k: Int) throws -> TrainingPart<TokenSequences> {
        if let onlyPart { return onlyPart }
        if k == 0 { reader = try open() }
        let part = try next(min(partRows, rows - k * partRows))
        if isSmall { onlyPart = part }
        return part
    }

    /// After the last training part the reader is at the validation rows.
    mutating func validationPart(_ k: Int) throws -> TrainingPart<TokenSequences> {
        if let onlyValidationPart { return onlyValidationPart }
        let part = try next(min(partRows, heldOutRows - k * partRows))
        if isSmall { onlyValidationPart = part }
        return part
    }

    private mutating func next(_ wanted: Int) throws -> TrainingPart<TokenSequences> {
        guard let block = try reader?.next(rows: wanted), block.texts.count == wanted else {
            throw TextClassificationError.invalidTrainingData(
                reason: "the training file changed while it was read: fewer rows than the first pass counted; train again")
        }
        return TrainingPart(rows: classifier.encodeSequences(block.texts), labels: try classifier.targets(of: block),
                            sampleWeights: block.weights)
    }
}
