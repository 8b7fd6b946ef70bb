/// Tuning a fitted multi-label classifier's decision thresholds on rows it was not trained on.
extension TextClassifier {
    /// What ``tuneThresholds(texts:labelSets:)`` chose, measured on the rows it was tuned on.
    public struct ThresholdTuning: Equatable, Sendable {
        /// One per label, in ``labelNames`` order.
        public var thresholds: [Float]
        /// Micro F1 with every label at 0.5.
        public var microF1Before: Double
        /// Micro F1 with `thresholds`.
        public var microF1After: Double
    }

    /// Tunes the head's per-label ``ClassificationHead/thresholds`` to F1 on `texts` with their
    /// label sets (validation rows, never the training rows) and keeps them: `predict`,
    /// `explain`, the reports and a saved model use them unless given a threshold.
    /// See ``ClassificationHead/tunedThresholds(probabilities:targets:labels:)`` for how.
    ///
    /// ```swift
    /// let tuning = try classifier.tuneThresholds(texts: validationTexts, labelSets: validationSets)
    /// tuning.thresholds   // e.g. [0.7, 0.7, 0.55, …]
    /// ```
    @discardableResult
    public mutating func tuneThresholds(texts: [String], labelSets: [[Int]]) throws -> ThresholdTuning {
        var model = try trainedModel()
        guard model.head.kind == .multiLabel else {
            throw TextClassificationError.invalidArgument(
                name: "threshold tuning", value: "a \(model.head.kind) classifier", expected: "a multi-label classifier")
        }
        guard !texts.isEmpty, texts.count == labelSets.count else {
            throw TextClassificationError.invalidArgument(name: "tuning rows", value: "\(texts.count) texts, \(labelSets.count) label sets",
                                                          expected: "at least one text, with one label set each")
        }
        let targets = try targets(labelSets)
        let probabilities = try model.predict(encode(texts))
        let k = model.head.outputs
        let thresholds = ClassificationHead.tunedThresholds(probabilities: probabilities, targets: targets, labels: k)
        model.head.thresholds = thresholds
        self.model = model
        // The labels a drift check expects are the ones these thresholds decide.
        try keepProfile(of: texts, source: "threshold-tuning rows")
        return ThresholdTuning(
            thresholds: thresholds,
            microF1Before: MultiLabelReport(probabilities: probabilities, targets: targets, labels: k).microF1,
            microF1After: MultiLabelReport(probabilities: probabilities, targets: targets, labels: k, thresholds: thresholds).microF1)
    }
}
