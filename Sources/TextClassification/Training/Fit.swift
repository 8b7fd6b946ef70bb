import Foundation

extension SequenceClassifier {
    /// Trains with Adam on the head's loss, as Keras's `model.fit`: batches of
    /// `batchSize` (the last one may be shorter), reshuffled every epoch, loss and accuracy
    /// averaged over the epoch's samples.
    ///
    /// ```swift
    /// var model = SequenceClassifier(inputDim: 1000, seed: 1)
    /// var adam = Adam()                       // Keras's optimizer="adam"
    /// let history = try model.fit(padded, labels: [0, 1, 0], epochs: 10, optimizer: &adam) { report in
    ///     print(report.epoch, report.loss, report.accuracy)
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - indices: the training rows (a padded ``IndexMatrix`` or ``TokenSequences``).
    ///   - labels: `head.targetWidth` values per row of `indices`: 0 or 1 (binary), the class
    ///     index (multi-class), K values of 0 or 1 (multi-label).
    ///   - classWeights: Keras's `class_weight`: each row's loss times its class's weight
    ///     (multi-label: a positive label's loss times that label's weight); `nil`: all 1.
    ///   - sampleWeights: Keras's `sample_weight`: one weight ≥ 0 per row of `indices`, its
    ///     loss (and so its pull on the weights) times it, on top of its class weight; a batch's
    ///     loss is still divided by its row count. 2 counts a row as if it were there twice in
    ///     its batch, 0 leaves it out; e.g. 0.3 for labels made by rules or another model.
    ///     `nil`: all 1. The accuracy reported is unweighted; `validation` is not weighted.
    ///   - dropout: Keras's `Dropout(rate)` between the encoder and the head (see
    ///     ``SequenceClassifier/Dropout``); its masks follow `seed`, the epoch and the batch.
    ///   - embeddingDropout: Keras's `Dropout(rate)` between the embedding and the recurrent
    ///     layer (every embedded value masked on its own). The LSTM's fast path computes each
    ///     token's projection once, which such masks rule out, so with it every encoder trains
    ///     on the layers' general path (about 3× slower for the LSTM).
    ///   - recurrentDropout: Keras's `recurrent_dropout` of the LSTM or GRU (for bidirectional
    ///     layers, of both directions): one mask per gate on h₋₁, fixed per sequence. Also
    ///     trains on the general path.
    ///   - epochs: the last epoch to train (Keras's `epochs`).
    ///   - batchSize: rows per step (Keras's 32).
    ///   - shuffle: shuffle the rows before each epoch (seeded).
    ///   - optimizer: what steps the weights (``Optimizer``: `Adam()` is Keras's `optimizer="adam"`;
    ///     ``DeferredAdam``, ``LazyAdam``, ``SGD``); it keeps its moments,
    ///     so passing it to the next fit trains on as if the fit had not stopped.
    ///   - seed: fixes the shuffling; with the same weights, data and seed, a run is repeatable
    ///     bit for bit.
    ///   - initialEpoch: Keras's `initial_epoch`: epochs `initialEpoch + 1 … epochs` are
    ///     trained, each shuffled as it would have been (the order comes from the seed and the
    ///     epoch alone, `shuffleSeed(_:epoch:part:)`), so that a fit stopped after
    ///     epoch k and resumed with `initialEpoch: k` (and the same optimizer) trains as one
    ///     that never stopped.
    ///   - validation: rows (of the training rows' type) and labels measured after every
    ///     epoch, never trained on.
    ///   - restoreBestWeights: with validation, end with the weights of the epoch whose
    ///     validation loss was lowest (Keras's `EarlyStopping(restore_best_weights=True)`).
    ///   - patience: with validation, stop after this many epochs without a lower validation
    ///     loss (`nil`: never stop early).
    ///   - trainableEmbeddings: `false` keeps the embedding as it is (Keras's
    ///     `Embedding(trainable=False)`, e.g. for pretrained vectors): Adam neither updates it
    ///     nor keeps moments for it, and its gradient is not computed.
    ///   - keepsInitialWeights: `false` keeps no copy of the weights through the first epoch
    ///     (the embedding's size again: 124 MB at a million headlines), so if the first epoch
    ///     diverges the weights are left as they were at its last good batch, unusable; for
    ///     callers that then discard the model (``TextClassifier`` does).
    ///   - onBatch: called after every batch (for progress output).
    ///   - onEpoch: called after every epoch; return `false` to stop early.
    /// - Throws: ``TextClassificationError/nonFiniteLoss(epoch:batch:)`` when training
    ///   diverges; the weights are then the last good ones: the best validation epoch's with
    ///   `restoreBestWeights`, else those at the end of the last completed epoch (the initial
    ///   weights if the first epoch diverged, with `keepsInitialWeights`). Or an error for
    ///   indices outside the embedding.
    @discardableResult
    public mutating func fit<Rows: TrainingRows>(
        _ indices: Rows, labels: [Float], classWeights: [Float]? = nil, sampleWeights: [Float]? = nil, dropout: Float = 0,
        embeddingDropout: Float = 0, recurrentDropout: Float = 0,
        epochs: Int = 1, batchSize: Int = 32, shuffle: Bool = true, seed: UInt64 = 0, initialEpoch: Int = 0,
        optimizer: inout some Optimizer,
        validation: (indices: Rows, labels: [Float])? = nil,
        restoreBestWeights: Bool = false, patience: Int? = nil, trainableEmbeddings: Bool = true,
        keepsInitialWeights: Bool = true,
        onBatch: ((BatchProgress) -> Void)? = nil,
        onEpoch: (EpochReport) -> Bool = { _ in true }
    ) throws -> History {
        if let sampleWeights, sampleWeights.count == indices.count { try TrainingPart<Rows>.checkSomeRowCounts(sampleWeights) }
        var parts = RowsInMemory(whole: TrainingPart(rows: indices, labels: labels, sampleWeights: sampleWeights),
                                 validation: validation.map { TrainingPart(rows: $0.indices, labels: $0.labels) })
        return try fit(parts: &parts, classWeights: classWeights, dropout: dropout, embeddingDropout: embeddingDropout,
                       recurrentDropout: recurrentDropout, epochs: epochs, batchSize: batchSize, shuffle: shuffle,
                       seed: seed, initialEpoch: initialEpoch, optimizer: &optimizer,
                       restoreBestWeights: restoreBestWeights, patience: patience,
                       trainableEmbeddings: trainableEmbeddings, keepsInitialWeights: keepsInitialWeights,
                       onBatch: onBatch, onEpoch: onEpoch)
    }

    /// ``fit(_:labels:classWeights:sampleWeights:dropout:embeddingDropout:recurrentDropout:epochs:batchSize:shuffle:seed:initialEpoch:optimizer:validation:restoreBestWeights:patience:trainableEmbeddings:keepsInitialWeights:onBatch:onEpoch:)``
    /// over rows that come a part at a time (``TrainingParts``), each part checked as it
    /// comes: a file read again every epoch holds one part in memory, not the corpus. The
    /// validation rows are the parts' own (``TrainingParts/validationPart(_:)``).
    @discardableResult
    public mutating func fit<Parts: TrainingParts>(
        parts: inout Parts, classWeights: [Float]? = nil, dropout: Float = 0,
        embeddingDropout: Float = 0, recurrentDropout: Float = 0,
        epochs: Int = 1, batchSize: Int = 32, shuffle: Bool = true, seed: UInt64 = 0, initialEpoch: Int = 0,
        optimizer: inout some Optimizer,
        restoreBestWeights: Bool = false, patience: Int? = nil, trainableEmbeddings: Bool = true,
        keepsInitialWeights: Bool = true,
        onBatch: ((BatchProgress) -> Void)? = nil,
        onEpoch: (EpochReport) -> Bool = { _ in true }
    ) throws -> History {
        try checkSettings(rows: parts.partSizes.reduce(0, +), classWeights: classWeights, batchSize: batchSize, epochs: epochs,
                          rates: [("dropout", dropout), ("embedding dropout", embeddingDropout),
                                  ("recurrent dropout", recurrentDropout)])
        // Optimizers write the rows in place; a model opened mapped reads them from its file.
        encoder.embedding.loadIntoMemory()
        // Vocabulary-sized gradient tables (the LSTM's pass) suit an optimizer that steps every
        // row; dropout masks rule out per-token projections.
        let conditions = TrainingConditions(
            trainsEmbedding: trainableEmbeddings,
            projectsTokens: embeddingDropout == 0 && recurrentDropout == 0 && optimizer.stepsEveryRow)
        let plan = EpochPlan(classWeights: classWeights, dropout: dropout, embeddingDropout: embeddingDropout,
                             recurrentDropout: recurrentDropout, batchSize: batchSize, seed: seed, epochs: epochs,
                             shuffles: shuffle, trainsEmbedding: trainableEmbeddings,
                             pass: makeTrainingPass(batchSize: min(batchSize, parts.partSizes.max()!), steps: parts.columns,
                                                    conditions: conditions))
        var history = History()
        var best: (loss: Float, epoch: Int, model: SequenceClassifier)?
        // Snapshots in buffers of their own (the model trains on in its huge-page memory).
        // With restoreBestWeights the best epoch's weights are the fallback once there is one,
        // so the last epoch's are not kept as well (a copy of the embedding per epoch saved).
        var lastGood: SequenceClassifier? = keepsInitialWeights ? snapshot() : nil

        guard epochs > initialEpoch else { return history }
        optimizer.begin(steps: (epochs - initialEpoch) * parts.partSizes.reduce(0) { $0 + ($1 + batchSize - 1) / batchSize })
        for epoch in initialEpoch + 1...epochs {
            let start = Date()
            let sums = try trainEpoch(epoch, &parts, plan: plan, optimizer: &optimizer, onBatch: onBatch)
            if let batch = sums.divergedBatch {
                // Weights can already be finite but useless (huge) before the loss turns
                // non-finite, so fall back to a whole epoch's weights, not the last batch's.
                if let good = (restoreBestWeights ? best?.model : nil) ?? lastGood { self = good }
                throw TextClassificationError.nonFiniteLoss(epoch: epoch, batch: batch)
            }
            // Deferred rows take the steps they missed before the weights are read.
            optimizer.catchUp(&self)
            let trainingSeconds = Date().timeIntervalSince(start)
            var report = EpochReport(epoch: epoch, loss: Float(sums.loss / Double(sums.seen)),
                                     accuracy: Float(sums.correct / Double(sums.seen)), seconds: 0,
                                     samplesPerSecond: Double(sums.seen) / max(trainingSeconds, 1e-9))
            if !parts.validationPartSizes.isEmpty {
                let measured = try evaluateValidationParts(of: &parts)
                report.validationLoss = measured.loss
                report.validationAccuracy = measured.accuracy
            }
            report.seconds = Date().timeIntervalSince(start)
            history.epochs.append(report)
            // After the last epoch nothing writes the weights, so sharing them costs nothing.
            let last = epoch == epochs
            if let loss = report.validationLoss, best == nil || loss < best!.loss {
                // Old snapshots go before the new one is taken: one copy of the weights at a time.
                if restoreBestWeights { lastGood = nil }
                best = nil
                best = (loss, epoch, last ? self : snapshot())
            }
            lastGood = restoreBestWeights && best != nil ? nil : last ? self : snapshot()
            if !onEpoch(report) { break }
            if let patience, let best, epoch - best.epoch >= patience { break }
        }
        if restoreBestWeights, let best {
            self = best.model
            history.restoredEpoch = best.epoch
        }
        return history
    }

    /// What every epoch of one fit trains with.
    private struct EpochPlan {
        let classWeights: [Float]?
        let dropout: Float, embeddingDropout: Float, recurrentDropout: Float
        let batchSize: Int, seed: UInt64, epochs: Int
        let shuffles: Bool
        let trainsEmbedding: Bool
        /// The encoder's own training pass, or the general path.
        let pass: any TrainingPass
    }

    /// One epoch's sums over its batches, or the batch whose gradients were not finite.
    private struct EpochSums {
        var loss: Double = 0, correct: Double = 0, seen = 0
        /// 1-based; that batch's update was not applied.
        var divergedBatch: Int?
    }

    /// The validation parts measured one by one and combined by their rows (the means of one
    /// evaluation of them all, to float rounding; the same bits for a single part).
    private func evaluateValidationParts<Parts: TrainingParts>(of parts: inout Parts) throws -> Evaluation {
        let sizes = parts.validationPartSizes
        guard sizes.count > 1 else {
            let part = try parts.validationPart(0)
            return try evaluate(part.rows, labels: part.labels)
        }
        var loss = 0.0, accuracy = 0.0
        for k in sizes.indices {
            let part = try parts.validationPart(k)
            let measured = try evaluate(part.rows, labels: part.labels)
            loss += Double(measured.loss) * Double(part.rows.count)
            accuracy += Double(measured.accuracy) * Double(part.rows.count)
        }
        let rows = Double(sizes.reduce(0, +))
        return Evaluation(loss: Float(loss / rows), accuracy: Float(accuracy / rows))
    }

    /// The seed of the order of part `part`'s rows in `epoch`: from these alone, so that an
    /// epoch's order needs no earlier epoch's (nothing to replay for `initialEpoch`, nothing
    /// kept per row) and the same rows in one part train alike however they came.
    static func shuffleSeed(_ seed: UInt64, epoch: Int, part: Int) -> UInt64 {
        var mixer = RandomGenerator(seed: seed ^ (UInt64(truncatingIfNeeded: epoch) << 32) ^ UInt64(truncatingIfNeeded: part))
        return mixer.next()
    }

    /// The batches of one epoch: each part's rows in its shuffled order, each batch's
    /// catch-up, pass and update in turn.
    private mutating func trainEpoch<Parts: TrainingParts>(
        _ epoch: Int, _ parts: inout Parts, plan: EpochPlan, optimizer: inout some Optimizer,
        onBatch: ((BatchProgress) -> Void)?
    ) throws -> EpochSums {
        let start = Date(), batchSize = plan.batchSize
        let batches = parts.partSizes.reduce(0) { $0 + ($1 + batchSize - 1) / batchSize }
        var sums = EpochSums(), first = 0
        for k in parts.partSizes.indices {
            let part = try parts.part(k)
            try checkPart(part, expectedRows: parts.partSizes[k])
            var order = Array(0..<part.rows.count)
            if plan.shuffles {
                var random = RandomGenerator(seed: Self.shuffleSeed(plan.seed, epoch: epoch, part: k))
                random.shuffle(&order)
            }
            try trainBatches(of: part, order: order, firstBatch: first, epoch: epoch, batches: batches, plan: plan,
                             optimizer: &optimizer, sums: &sums, start: start, onBatch: onBatch)
            if sums.divergedBatch != nil { return sums }
            first += (part.rows.count + batchSize - 1) / batchSize
        }
        return sums
    }

    /// The batches of one part, rows taken in `order`; batches are numbered across the epoch
    /// from `firstBatch` (their dropout masks and the progress follow that number).
    private mutating func trainBatches<Rows: TrainingRows>(
        of part: TrainingPart<Rows>, order: [Int], firstBatch: Int, epoch: Int, batches: Int, plan: EpochPlan,
        optimizer: inout some Optimizer, sums: inout EpochSums, start: Date, onBatch: ((BatchProgress) -> Void)?
    ) throws {
        let width = head.targetWidth, batchSize = plan.batchSize, count = part.rows.count
        let frozen: Set<String> = plan.trainsEmbedding ? [] : [Embedding.weightName]
        for local in 0..<(count + batchSize - 1) / batchSize {
            let b = firstBatch + local
            let rows = order[local * batchSize ..< min(count, (local + 1) * batchSize)]
            let batch = part.rows.batch(rows)
            let labels = width == 1 ? rows.map { part.labels[$0] } : rows.flatMap { part.labels[$0 * width ..< ($0 + 1) * width] }
            // A seed per (run, epoch, batch): the masks repeat with the seed, never across batches.
            var mixer = RandomGenerator(seed: plan.seed ^ (UInt64(epoch) << 40) ^ UInt64(b))
            let dropout = plan.dropout > 0 ? Dropout(rate: plan.dropout, seed: mixer.next()) : nil
            let embeddingDropout = plan.embeddingDropout > 0 ? Dropout(rate: plan.embeddingDropout, seed: mixer.next()) : nil
            let recurrentDropout = plan.recurrentDropout > 0 ? Dropout(rate: plan.recurrentDropout, seed: mixer.next()) : nil
            if plan.trainsEmbedding {
                // Deferred Adam brings the rows this batch reads up to date before it reads them.
                optimizer.prepare(&self, rows: { plan.pass.rowsRead(by: batch) }, of: Embedding.weightName)
            }
            let step = TrainingBatch(indices: batch, labels: labels, classWeights: plan.classWeights,
                                     sampleWeights: part.sampleWeights.map { weights in rows.map { weights[$0] } }, dropout: dropout,
                                     embeddingDropout: embeddingDropout, recurrentDropout: recurrentDropout,
                                     trainsEmbedding: plan.trainsEmbedding, embeddingSquares: optimizer.readsPositionSquares)
            let result = try plan.pass.gradients(of: self, step)
            guard result.allFinite else {
                sums.divergedBatch = b + 1
                return
            }
            optimizer.update(&self, along: result.gradients, rowGradients: [Embedding.weightName: result.embeddingRows],
                             frozen: frozen)
            sums.loss += Double(result.loss) * Double(rows.count)
            sums.correct += Double(result.correct)
            sums.seen += rows.count
            onBatch?(BatchProgress(epoch: epoch, epochs: plan.epochs, batch: b + 1, batches: batches, samplesSeen: sums.seen,
                                   loss: Float(sums.loss / Double(sums.seen)), accuracy: Float(sums.correct / Double(sums.seen)),
                                   seconds: Date().timeIntervalSince(start)))
        }
    }

    /// The errors `fit` throws before it trains: class weights of the wrong count or value,
    /// sizes and rates out of range, no rows.
    private func checkSettings(rows: Int, classWeights: [Float]?, batchSize: Int, epochs: Int,
                               rates: [(String, Float)]) throws {
        if let classWeights, classWeights.count != (head.kind == .multiLabel ? head.outputs : head.classes)
            || classWeights.contains(where: { !($0.isFinite && $0 >= 0) }) {
            throw TextClassificationError.invalidArgument(
                name: "class weights", value: "\(classWeights.count) values",
                expected: "one finite weight ≥ 0 per class (per label for multi-label)")
        }
        guard rows > 0 else { throw TextClassificationError.invalidTrainingData(reason: "no training rows") }
        guard batchSize >= 1, epochs >= 0 else {
            throw TextClassificationError.invalidArgument(name: "batch size/epochs", value: "\(batchSize)/\(epochs)",
                                                          expected: "batch size ≥ 1 and epochs ≥ 0")
        }
        for (name, rate) in rates where !(rate >= 0 && rate < 1) {
            throw TextClassificationError.invalidArgument(name: name, value: String(rate), expected: "a rate in [0, 1)")
        }
    }

    /// The errors a part of the rows can hold: labels that do not match the rows or the head,
    /// sample weights of the wrong count or value, indices outside the embedding.
    private func checkPart<Rows: TrainingRows>(_ part: TrainingPart<Rows>, expectedRows: Int) throws {
        let width = head.targetWidth, count = part.rows.count
        guard count == expectedRows else {
            throw TextClassificationError.invalidTrainingData(reason: "a part of \(count) rows where \(expectedRows) were announced")
        }
        guard count * width == part.labels.count else {
            throw TextClassificationError.invalidTrainingData(
                reason: "\(count) sequences but \(part.labels.count) label values (\(width) per row)")
        }
        try checkTargets(part.labels)
        if let sampleWeights = part.sampleWeights {
            guard sampleWeights.count == count else {
                throw TextClassificationError.invalidTrainingData(reason: "\(count) sequences but \(sampleWeights.count) sample weights")
            }
            if let bad = sampleWeights.firstIndex(where: { !($0.isFinite && $0 >= 0) }) {
                throw TextClassificationError.invalidArgument(name: "sample weight of row \(bad + 1)", value: String(sampleWeights[bad]),
                                                              expected: "a finite weight ≥ 0")
            }
        }
        try encoder.embedding.validate(part.rows.flatIndices)
    }

    /// A copy whose weights live in buffers of their own: an array's copy would share this
    /// model's buffers until the next step wrote them, and then the model, not the copy, would
    /// move to new memory (without the huge pages of ``Swift/Array/init(large:_:)``).
    func snapshot() -> SequenceClassifier {
        var copy = self
        for entry in parameterPaths { copy[keyPath: entry.path].scalars = self[keyPath: entry.path].scalars.copiedOut() }
        return copy
    }

    /// Mean loss and accuracy (Keras's: binary at 0.5, argmax, or binary per label) on
    /// labelled rows, as Keras's `model.evaluate`; `labels` as for `fit`.
    public func evaluate<Rows: TrainingRows>(_ indices: Rows, labels: [Float]) throws -> Evaluation {
        guard indices.count * head.targetWidth == labels.count, indices.count > 0 else {
            throw TextClassificationError.invalidTrainingData(
                reason: "\(indices.count) sequences and \(labels.count) label values to evaluate")
        }
        try checkTargets(labels)
        // Padded a block of rows at a time: ragged rows never exist padded all at once.
        let block = 8192
        var logits: [Float] = []
        logits.reserveCapacity(labels.count / head.targetWidth * head.outputs)
        for start in stride(from: 0, to: indices.count, by: block) {
            logits += try self.logits(indices.batch(start ..< min(indices.count, start + block)))
        }
        return head.evaluate(logits: logits, targets: labels)
    }

    /// Targets the head can read: class indices within range, 0/1 values otherwise.
    private func checkTargets(_ labels: [Float]) throws {
        // Multi-class: a class, or a taxonomy's inner node (``ClassificationHead/targetRanges``).
        let classes = head.classes + head.targetRanges.count, multiClass = head.kind == .multiClass
        func valid(_ y: Float) -> Bool { multiClass ? y >= 0 && y < Float(classes) && y == y.rounded() : y == 0 || y == 1 }
        if let bad = labels.first(where: { !valid($0) }) {
            throw TextClassificationError.invalidTrainingData(
                reason: "label value \(bad) is not " + (head.kind == .multiClass ? "a class index 0..<\(classes)" : "0 or 1"))
        }
    }
}
