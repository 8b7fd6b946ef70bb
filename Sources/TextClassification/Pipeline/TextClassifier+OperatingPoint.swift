/// Choosing where a fitted classifier stops answering, on labelled rows it was not trained on.
extension TextClassifier {
    /// Chooses and keeps the ``OperatingPoint`` that reaches `target` on `texts` with their
    /// classes (a taxonomy: nodes; validation rows or new labelled data, never the training
    /// rows, and after ``calibrate(texts:labels:)`` if the model is calibrated): `predict`,
    /// `explain`, `evaluate` and a saved model use it. Returns what it comes to on these rows
    /// (which flatter it: measure on others for an honest figure).
    ///
    /// ```swift
    /// let chosen = try classifier.chooseOperatingPoint(.precision(0.95), texts: devTexts, labels: devLabels)
    /// chosen.coverage    // the share of these rows it answers
    /// ```
    @discardableResult
    public mutating func chooseOperatingPoint(_ target: OperatingPoint.Target, texts: [String], labels: [Int]) throws -> DecisionReport {
        let model = try trainedModel()
        guard model.head.kind != .multiLabel else {
            throw TextClassificationError.invalidArgument(name: "labels", value: "one class per text",
                                                          expected: "label sets for a multi-label classifier")
        }
        try checkOperatingPointRows(target, texts: texts.count, labels: labels.count)
        _ = try targets(labels)
        let probabilities = try classProbabilities(texts, model)
        let classes = model.head.classes
        operatingPoint = OperatingPoint.chosen(for: target, probabilities: probabilities, classes: classes, labels: labels,
                                               tree: self.labels.tree)
        return DecisionReport(probabilities: probabilities, classes: classes, labels: labels, tree: self.labels.tree,
                              point: operatingPoint)
    }

    /// ``chooseOperatingPoint(_:texts:labels:)`` for a multi-label classifier: per label, on
    /// each text's label set. Returns the thresholds' micro report on these rows.
    @discardableResult
    public mutating func chooseOperatingPoint(_ target: OperatingPoint.Target, texts: [String], labelSets: [[Int]]) throws -> EvaluationReport {
        let model = try trainedModel()
        guard model.head.kind == .multiLabel else {
            throw TextClassificationError.invalidArgument(name: "labels", value: "label sets",
                                                          expected: "one class per text for a \(model.head.kind) classifier")
        }
        try checkOperatingPointRows(target, texts: texts.count, labels: labelSets.count)
        let probabilities = try model.predict(encode(texts))
        operatingPoint = OperatingPoint.chosen(for: target, probabilities: probabilities, targets: try targets(labelSets),
                                               labels: labelNames.count)
        return try report(texts: texts, labelSets: labelSets)
    }

    /// Forgets the operating point: the model answers every text again.
    public mutating func removeOperatingPoint() { operatingPoint = nil }

    /// What a binary or multi-class classifier's decisions (under its operating point, if it
    /// has one) come to on `texts` with their classes (a taxonomy: nodes).
    public func decisionReport(texts: [String], labels: [Int]) throws -> DecisionReport {
        let model = try trainedModel()
        _ = try targets(labels)
        return DecisionReport(probabilities: try classProbabilities(texts, model), classes: model.head.classes, labels: labels,
                              tree: self.labels.tree, point: model.head.kind == .multiLabel ? nil : operatingPoint)
    }

    /// Every class's calibrated probability, `[n, classes]` (binary: `[1 − p, p]`).
    func classProbabilities(_ texts: [String], _ model: SequenceClassifier) throws -> [Float] {
        let outputs = model.head.outputs
        let probabilities = try model.predict(encode(texts))
        guard model.head.kind == .binary else { return probabilities }
        return stride(from: 0, to: probabilities.count, by: outputs).flatMap { model.head.classProbabilities(probabilities[$0 ..< $0 + outputs]) }
    }

    private func checkOperatingPointRows(_ target: OperatingPoint.Target, texts: Int, labels: Int) throws {
        guard target.value > 0 && target.value <= 1 else {
            throw TextClassificationError.invalidArgument(name: "target", value: String(target.value), expected: "a share in (0, 1]")
        }
        guard texts > 0, texts == labels else {
            throw TextClassificationError.invalidArgument(name: "operating-point rows", value: "\(texts) texts, \(labels) labels",
                                                          expected: "at least one text, with one label each")
        }
    }
}
