/// Calibrating a fitted classifier's probabilities on rows it was not trained on.
extension TextClassifier {
    /// What ``calibrate(texts:labels:)`` did, measured on the rows it was fitted to.
    public struct Calibration: Equatable, Sendable {
        /// The logits' divisor: above 1 the model was overconfident, below 1 underconfident.
        public var temperature: Float
        /// Log loss on the calibration rows before scaling.
        public var logLossBefore: Double
        /// Log loss on the calibration rows after scaling (never higher).
        public var logLossAfter: Double
        /// ``ExpectedCalibrationError`` before scaling (binary: of P(label 1); multi-class:
        /// of the predicted class's probability).
        public var calibrationErrorBefore: Double
        /// ``ExpectedCalibrationError`` after scaling.
        public var calibrationErrorAfter: Double
    }

    /// Fits the head's ``ClassificationHead/temperature`` to `texts` with their classes
    /// (validation rows, never the training rows: there the model is surest of itself) and
    /// keeps it: `predict`, `explain`, the reports and a saved model use it from then on.
    /// Binary and multi-class classifiers; decisions do not change. A taxonomy fits it on the
    /// rows labelled to a leaf.
    ///
    /// ```swift
    /// let calibration = try classifier.calibrate(texts: validationTexts, labels: validationLabels)
    /// calibration.temperature   // e.g. 1.6: the model was overconfident
    /// ```
    @discardableResult
    public mutating func calibrate(texts: [String], labels: [Int]) throws -> Calibration {
        var model = try trainedModel()
        guard model.head.kind != .multiLabel else {
            throw TextClassificationError.invalidArgument(
                name: "calibration", value: "a multi-label classifier", expected: "a binary or multi-class classifier")
        }
        guard !texts.isEmpty, texts.count == labels.count else {
            throw TextClassificationError.invalidArgument(name: "calibration rows", value: "\(texts.count) texts, \(labels.count) labels",
                                                          expected: "at least one text, with one label each")
        }
        _ = try targets(labels)
        let (texts, labels) = leafRows(texts, labels)
        let logits = try model.logits(encode(texts))
        func measure(_ temperature: Float) -> (loss: Double, error: Double) {
            var head = model.head
            head.temperature = temperature
            let loss = head.meanLogLoss(logits: logits, labels: labels, temperature: Double(temperature))
            var scaled = logits
            head.scale(&scaled)
            let error: Double
            if head.kind == .binary {
                error = ExpectedCalibrationError.of(scores: scaled.map { Double(VectorMath.sigmoid($0)) }, outcomes: labels.map { $0 == 1 })
            } else {
                error = MultiClassReport(logits: scaled, labels: labels, classes: head.outputs).expectedCalibrationError
            }
            return (loss, error)
        }
        let before = measure(1)
        model.head.temperature = model.head.fittedTemperature(logits: logits, labels: labels)
        let after = measure(model.head.temperature)
        self.model = model
        // The confidence a drift check expects is the calibrated one.
        try keepProfile(of: texts, source: "calibration rows")
        return Calibration(temperature: model.head.temperature, logLossBefore: before.loss, logLossAfter: after.loss,
                           calibrationErrorBefore: before.error, calibrationErrorAfter: after.error)
    }
}
