/// Out-of-fold predictions: every row predicted by a model that did not train on it.
extension TextClassifier {
    /// Each row's class probabilities (binary: `[P(first), P(second)]`) from K models of this
    /// classifier's configuration, labels and dictionary, each fitted on the other folds: the
    /// rows are shuffled by `seed` and dealt into `folds` parts. Each fit holds out its last
    /// tenth for validation and keeps its best epoch (as `textclf fit`).
    ///
    /// ```swift
    /// let template = try TextClassifier(configuration: .recommended(for: labels.head), labels: labels)
    /// let probabilities = try template.outOfFoldProbabilities(texts: texts, labels: classes, folds: 5)
    /// let issues = LabelIssues(probabilities: probabilities, labels: classes)
    /// ```
    /// - Parameters:
    ///   - texts: the rows' texts.
    ///   - classes: each row's class index.
    ///   - folds: the models trained (at least 2).
    ///   - epochs: each fold's most epochs.
    ///   - seed: the shuffle of the rows and every fold's fit.
    ///   - onFold: called before each fold's fit with its index (from 0).
    ///   - onEpoch: called with each fold's epoch reports.
    public func outOfFoldProbabilities(texts: [String], labels classes: [Int], folds: Int = 5, epochs: Int = 10,
                                       seed: UInt64 = 0, onFold: ((Int) -> Void)? = nil,
                                       onEpoch: ((EpochReport) -> Void)? = nil) throws -> [[Float]] {
        guard labels.head != .multiLabel else {
            throw TextClassificationError.invalidArgument(name: "out-of-fold probabilities", value: "a multi-label classifier",
                                                          expected: "a binary or multi-class classifier")
        }
        guard folds >= 2, texts.count >= folds, texts.count == classes.count else {
            throw TextClassificationError.invalidArgument(name: "folds", value: "\(folds) folds of \(texts.count) texts",
                                                          expected: "at least 2 folds and a text (with its label) for each")
        }
        _ = try targets(classes)
        var probabilities = [[Float]](repeating: [], count: texts.count)
        for (fold, (kept, held)) in try Self.folds(of: texts.count, folds: folds, seed: seed).enumerated() {
            onFold?(fold)
            var model = try TextClassifier(configuration: configuration, labels: labels, dictionary: tokenizer.dictionary)
            try model.fit(texts: kept.map { texts[$0] }, labels: kept.map { classes[$0] }, epochs: epochs, seed: seed,
                          validationSplit: 0.1, restoreBestWeights: true, patience: 3,
                          onEpoch: { onEpoch?($0); return true })
            for (row, prediction) in zip(held, try model.predict(texts: held.map { texts[$0] })) {
                probabilities[row] = prediction.probabilities
            }
        }
        return probabilities
    }

    /// The rows of `count` shuffled by `seed` and dealt into `folds` folds: for each fold, the
    /// rows it holds out and the rows trained on without them.
    static func folds(of count: Int, folds: Int, seed: UInt64) throws -> [(kept: [Int], held: [Int])] {
        guard folds >= 2, count >= folds else {
            throw TextClassificationError.invalidArgument(name: "folds", value: "\(folds) folds of \(count) texts",
                                                          expected: "at least 2 folds and a text for each")
        }
        var order = Array(0..<count)
        var random = RandomGenerator(seed: seed)
        random.shuffle(&order)
        return (0..<folds).map { fold in
            (kept: order.indices.filter { $0 % folds != fold }.map { order[$0] },
             held: order.indices.filter { $0 % folds == fold }.map { order[$0] })
        }
    }
}
