import Foundation

/// Fitting the pipeline: the vocabulary on the training texts, then a fresh model.
extension TextClassifier {
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
    ///   - texts: the training texts. Handed over with `consume`, their memory is freed as
    ///     soon as they are tokenized, before the model's.
    ///   - labels: each text's class (`Int`, an index into ``labelNames``) for a binary or
    ///     multi-class classifier, or its label set (`[Int]`, empty for none) for a
    ///     multi-label one (``TrainingLabel``).
    ///   - classWeight: how rows' losses are weighted (Keras's `class_weight`).
    ///   - sampleWeights: one weight ≥ 0 per text (Keras's `sample_weight`): its loss times
    ///     it, e.g. less than 1 for labels made by rules or another model, 0 to leave it out;
    ///     `nil`: all 1. Rows held out by `validationSplit` lose theirs: validation is unweighted.
    ///   - epochs: the most epochs to train.
    ///   - batchSize: rows per step (Keras's 32).
    ///   - seed: the seed of the initial weights, the shuffles and dropout.
    ///   - learningRate: the optimizer's step (SGD's starting rate); `nil`: the state's when
    ///     continuing with the same optimizer, else ``Preset/learningRate(for:)`` (Adam: 0.001,
    ///     Keras's, or 0.002 for the bag; SGD: 8 for the bag).
    ///   - optimizer: Keras's Adam, deferred or lazy Adam, or SGD (``OptimizerKind``); `nil`: the
    ///     ``Preset``'s (deferred Adam for the bag, Keras's Adam otherwise).
    ///   - validation: texts and labels measured after each epoch, never trained on.
    ///   - validationSplit: without `validation`, hold out this last fraction of the texts
    ///     (before shuffling, as Keras's `validation_split`); 0 holds out nothing.
    ///   - restoreBestWeights: end with the epoch of lowest validation loss.
    ///   - patience: stop after this many epochs without a lower validation loss.
    ///   - embeddings: pretrained vectors to start the embedding from (``PretrainedEmbeddings``).
    ///   - continuing: train this fitted (or loaded) classifier `epochs` more epochs instead
    ///     of a fresh one: its vocabulary (new words are out of vocabulary), weights, epoch
    ///     count and, when it has one, ``optimizerState`` (with the same `seed`, a fit of k
    ///     epochs continued by one of m trains as one of k + m). Words of `texts` it lacks
    ///     are added first (``addWords(of:seed:)``); labels it lacks must be added before
    ///     (``addLabels(_:)``). `learningRate` and `optimizer` default to the state's;
    ///     ``history`` gains the new epochs; a temperature or tuned thresholds are kept as
    ///     they were (fit them again on validation rows).
    ///   - onBatch: called after each batch (for a progress line).
    ///   - onEpoch: return `false` to stop early.
    @discardableResult
    public mutating func fit<Label: TrainingLabel>(
        texts: consuming [String], labels: [Label], classWeight: ClassWeight = .none, sampleWeights: [Float]? = nil,
        epochs: Int = 10, batchSize: Int = 32,
        seed: UInt64 = 0, learningRate: Float? = nil, optimizer: OptimizerKind? = nil,
        validation: (texts: [String], labels: [Label])? = nil,
        validationSplit: Double = 0, restoreBestWeights: Bool = false, patience: Int? = nil,
        embeddings: PretrainedEmbeddings? = nil, continuing: Bool = false,
        onBatch: ((BatchProgress) -> Void)? = nil, onEpoch: (EpochReport) -> Bool = { _ in true }
    ) throws -> History {
        var targets = try Label.targets(labels, for: self)
        var validation = try validation.map { (texts: $0.texts, targets: try Label.targets($0.labels, for: self)) }
        let preset = Preset(encoder: configuration.encoder, head: self.labels.head)
        let state = continuing ? optimizerState : nil
        let optimizer = optimizer ?? state?.optimizer ?? preset.optimizer
        let learningRate = learningRate ?? (state?.optimizer == optimizer ? state?.learningRate : nil)
            ?? preset.learningRate(for: optimizer)
        if continuing { try checkContinuing(embeddings: embeddings) }
        guard validationSplit >= 0 && validationSplit < 1 else {
            throw TextClassificationError.invalidArgument(name: "validation split", value: String(validationSplit),
                                                          expected: "a fraction in [0, 1)")
        }
        let width = targetWidth
        var texts = texts
        guard texts.count * width == targets.count else {
            throw TextClassificationError.invalidTrainingData(reason: "\(texts.count) texts but \(targets.count / width) labels")
        }
        var sampleWeights = sampleWeights
        if let weights = sampleWeights, weights.count != texts.count {
            throw TextClassificationError.invalidTrainingData(reason: "\(texts.count) texts but \(weights.count) sample weights")
        }
        let heldOutRows = validation == nil && validationSplit > 0
            ? try holdOut(validationSplit, texts: &texts, targets: &targets, into: &validation) : nil
        if let heldOutRows { sampleWeights?.removeLast(heldOutRows) }
        guard !texts.isEmpty else { throw TextClassificationError.invalidTrainingData(reason: "no training texts") }
        let classWeights = try weights(classWeight, targets: targets)
        let profiled = validation.map { (Array($0.texts.suffix(Self.profileRows)), "validation rows") }
            ?? (Array(texts.suffix(Self.profileRows)), "last training rows")
        let training: TokenSequences
        let model: SequenceClassifier
        var coverage: EmbeddingCoverage?
        let initialEpoch = continuing ? history?.epochs.count ?? 0 : 0
        if continuing {
            try addWords(of: texts, seed: seed)
            training = encodeSequences(texts)
            model = try trainedModel()
        } else {
            (training, model, coverage) = try freshModel(on: texts, batchSize: batchSize, seed: seed, embeddings: embeddings)
        }
        // Tokenized: when the caller handed the texts over (`consume`), their strings go now,
        // before the optimizer's moments are allocated, and the heap pages they held go back
        // to the system (a million headlines: 100 MiB off the peak).
        texts = []
        FreedMemory.returnToSystem()
        if let sampleWeights { try TrainingPart<TokenSequences>.checkSomeRowCounts(sampleWeights) }
        var parts = RowsInMemory(whole: TrainingPart(rows: training, labels: targets, sampleWeights: sampleWeights),
                                 validation: validation.map { TrainingPart(rows: encodeSequences($0.texts), labels: $0.targets) })
        let history = try train(&parts, model: consume model, classWeights: classWeights, heldOutRows: heldOutRows,
                                coverage: coverage, epochs: epochs, batchSize: batchSize, seed: seed, learningRate: learningRate,
                                optimizer: optimizer, restoreBestWeights: restoreBestWeights, patience: patience,
                                trainableEmbeddings: embeddings?.trainable ?? true, continuing: continuing,
                                initialEpoch: initialEpoch, onBatch: onBatch, onEpoch: onEpoch)
        try keepProfile(of: profiled.0, source: profiled.1)
        return history
    }

    /// Trains `model` on `parts` (the one training path of every fit, in memory or streamed)
    /// and keeps what it ends with: the model, its optimizer's state, the history.
    mutating func train<Parts: TrainingParts>(
        _ parts: inout Parts, model: consuming SequenceClassifier, classWeights: [Float]?,
        heldOutRows: Int?, coverage: EmbeddingCoverage?,
        epochs: Int, batchSize: Int, seed: UInt64, learningRate: Float, optimizer: OptimizerKind,
        restoreBestWeights: Bool, patience: Int?, trainableEmbeddings: Bool, continuing: Bool, initialEpoch: Int,
        onBatch: ((BatchProgress) -> Void)?, onEpoch: (EpochReport) -> Bool
    ) throws -> History {
        // `model` is consumed: a caller that still held it would make the first step copy
        // every weight it writes (the embedding: 170 MB at a million rows, held to the end).
        var model = consume model
        // After addWords, which grows the state's moments with the embedding.
        let resumed = continuing ? optimizerState : nil
        var stepper = resumed.flatMap { $0.optimizer == optimizer ? $0.state : nil } ?? optimizer.make(learningRate: learningRate)
        stepper.learningRate = learningRate
        var history: History
        do {
            // Generic, so that fit runs specialised for the optimizer's own type (`stepper` is opened).
            let configuration = configuration
            func train<O: Optimizer>(_ optimizer: inout O) throws -> History {
                try model.fit(parts: &parts, classWeights: classWeights,
                              dropout: configuration.dropout, embeddingDropout: configuration.embeddingDropout,
                              recurrentDropout: configuration.recurrentDropout,
                              epochs: initialEpoch + epochs, batchSize: batchSize, seed: seed, initialEpoch: initialEpoch,
                              optimizer: &optimizer,
                              restoreBestWeights: restoreBestWeights, patience: patience,
                              trainableEmbeddings: trainableEmbeddings,
                              // A fresh model whose first epoch diverges is discarded; a continued one is kept.
                              keepsInitialWeights: continuing,
                              onBatch: onBatch, onEpoch: onEpoch)
            }
            history = try train(&stepper)
        } catch let error as TextClassificationError {
            // Diverged after at least one good epoch: keep those weights, so they can be saved.
            if case let .nonFiniteLoss(epoch, _) = error, epoch > 1 && !continuing {
                self.model = model
                self.classWeights = classWeights
            }
            throw error
        }
        history.heldOutRows = heldOutRows
        if continuing {
            // Epochs go on from the saved ones; the kept epoch is numbered among them all.
            history.epochs = (self.history?.epochs ?? []) + history.epochs
        } else {
            self.embeddingCoverage = coverage
        }
        self.model = model
        self.classWeights = classWeights
        self.history = history
        optimizerState = OptimizerState(optimizer: optimizer, learningRate: learningRate, seed: seed, state: stepper)
        return history
    }

    /// Moves the last `validationSplit` of the rows to `validation` (Keras's `validation_split`:
    /// taken before shuffling); returns how many, `nil` for none.
    private func holdOut(_ validationSplit: Double, texts: inout [String], targets: inout [Float],
                         into validation: inout (texts: [String], targets: [Float])?) throws -> Int? {
        let width = targetWidth
        let held = Self.heldOutRows(of: texts.count, validationSplit: validationSplit)
        guard held > 0 else { return nil }
        validation = (Array(texts.suffix(held)), Array(targets.suffix(held * width)))
        texts.removeLast(held)
        targets.removeLast(held * width)
        try checkSplit(kept: targets, all: targets + validation!.targets, held: held, fraction: validationSplit)
        return held
    }

    /// The vocabulary fitted on `texts`, then a fresh model for it: the texts tokenized, the
    /// model, and how much of the vocabulary the pretrained vectors cover.
    private mutating func freshModel(on texts: [String], batchSize: Int, seed: UInt64, embeddings: PretrainedEmbeddings?)
        throws -> (training: TokenSequences, model: SequenceClassifier, coverage: EmbeddingCoverage?) {
        let training = fitVocabulary(on: texts)
        let (model, coverage) = try newModel(batchSize: batchSize, seed: seed, embeddings: embeddings)
        return (training, model, coverage)
    }

    /// A fresh model for the fitted vocabulary, and how much of it the pretrained vectors cover.
    func newModel(batchSize: Int, seed: UInt64, embeddings: PretrainedEmbeddings?) throws
        -> (model: SequenceClassifier, coverage: EmbeddingCoverage?) {
        // Like the seed's Embedding(1000, …) with num_words=1000: numWords rows when set.
        let inputDim = wordRows + (buckets?.count ?? 0)
        try MemoryEstimate(encoder: configuration.encoder, inputDim: inputDim, embeddingDim: configuration.embeddingDim,
                           units: configuration.units, head: labels.head, classes: labelNames.count, batchSize: batchSize,
                           maxLength: configuration.maxLength).check()
        var model = SequenceClassifier(inputDim: inputDim, embeddingDim: configuration.embeddingDim,
                                       units: configuration.units, encoder: configuration.encoder, head: labels.head,
                                       classes: labelNames.count, seed: seed)
        model.head.targetRanges = targetRanges
        let coverage = try embeddings.map { try loadEmbeddings(from: $0.file, into: &model.encoder.embedding) }
        return (model, coverage)
    }

    /// Target values per text: one per label for multi-label, else the class index.
    var targetWidth: Int { labels.head == .multiLabel ? labelNames.count : 1 }

    /// The model's targets for class indices: one value per text.
    func targets(_ labels: [Int]) throws -> [Float] {
        // A taxonomy's inner nodes follow its leaves (``LabelTree``).
        let classes = self.labels.tree?.paths.count ?? labelNames.count
        if let bad = labels.first(where: { $0 < 0 || $0 >= classes }) {
            throw TextClassificationError.invalidTrainingData(
                reason: "label \(bad) is not an index of the \(classes) label names")
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
            // Over the rows labelled to a class (a taxonomy's rows known only to an inner node weigh 1).
            var counts = [Int](repeating: 0, count: k)
            for y in targets where Int(y) < k { counts[Int(y)] += 1 }
            let rows = counts.reduce(0, +)
            return counts.map { $0 > 0 ? Float(rows) / Float(k * $0) : 1 }
        }
    }

    /// What a continued fit cannot do.
    private func checkContinuing(embeddings: PretrainedEmbeddings?) throws {
        _ = try trainedModel()
        guard quantization == nil else {
            throw TextClassificationError.invalidArgument(name: "continuing", value: "a quantized model",
                                                          expected: "the model it was quantized from (quantized weights do not train)")
        }
        guard embeddings == nil else {
            throw TextClassificationError.invalidArgument(name: "embeddings", value: "pretrained vectors",
                                                          expected: "none when continuing: the model's embedding is trained already")
        }
    }

    /// The last rows a validation split holds out of `count` (Keras's `validation_split`:
    /// the fraction rounded down); none if that would leave nothing to train on.
    public static func heldOutRows(of count: Int, validationSplit: Double) -> Int {
        let held = Int(Double(count) * validationSplit)
        return held < count ? held : 0
    }

    /// Refuses a validation split that leaves too little to train on: fewer than two rows, or
    /// (one label a row) a class whose every row went to validation.
    func checkSplit(kept: [Float], all: [Float], held: Int, fraction: Double) throws {
        let advice = "the last \(held) rows (validation split \(fraction)) went to validation; lower the split, or give validation rows of their own"
        let width = targetWidth
        guard kept.count / width >= 2 else {
            throw TextClassificationError.invalidTrainingData(reason: "only \(kept.count / width) row is left to train on: \(advice)")
        }
        guard labels.head != .multiLabel else { return }
        // Every class must keep rows; a taxonomy's inner nodes (past the leaves) keep theirs through their leaves.
        let before = Set(all.map(Int.init)), after = Set(kept.map(Int.init))
        if let lost = before.subtracting(after).filter({ $0 < labelNames.count }).min() {
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
}
