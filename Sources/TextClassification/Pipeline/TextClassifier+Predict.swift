import Foundation

/// Predicting, reporting and evaluating with a fitted pipeline.
extension TextClassifier {
    /// Each text's prediction: every label's probability and the decision of the head.
    ///
    /// - Parameters:
    ///   - texts: the texts to label.
    ///   - threshold: binary, the second label's probability must be above it (`nil`: 0.5);
    ///     multi-label, each label's at or above it (`nil`: the model's, tuned per label by
    ///     ``tuneThresholds(texts:labelSets:)``, else 0.5).
    ///   - minimumProbability: multi-class, a text whose most probable class is below it
    ///     gets `unknownLabel` instead ("none of the above").
    ///   - unknownLabel: the label of such texts.
    public func predict(texts: [String], threshold: Float? = nil, minimumProbability: Float = 0,
                        unknownLabel: String = "") throws -> [Prediction] {
        let rule = DecisionRule(threshold: threshold, minimumProbability: minimumProbability, unknownLabel: unknownLabel)
        return try predict([(texts, rule)])[0]
    }

    /// Several groups of texts in one model pass, each group decided by its own rule: what a
    /// server does with the requests that arrive together. A text's probabilities do not
    /// depend on the texts it is batched with.
    public func predict(_ groups: [(texts: [String], rule: DecisionRule)]) throws -> [[Prediction]] {
        let model = try trainedModel()
        let probabilities = try model.predict(encode(groups.flatMap(\.texts)))
        let outputs = model.head.outputs
        var row = 0
        return groups.map { group in
            group.texts.map { _ in
                defer { row += 1 }
                let p = probabilities[row * outputs ..< (row + 1) * outputs]
                var chosen = model.head.decide(p, threshold: group.rule.threshold)
                if model.head.kind == .multiClass && p[p.startIndex + chosen[0]] < group.rule.minimumProbability { chosen = [] }
                return Prediction(probabilities: model.head.classProbabilities(p), labelIndices: chosen, labels: labels,
                                  unknownLabel: group.rule.unknownLabel)
            }
        }
    }

    /// The measures that fit the head (binary: accuracy, precision, recall, F1, ROC-AUC, log
    /// loss, confusion matrix; multi-class and multi-label: see ``MultiClassReport`` and
    /// ``MultiLabelReport``) on texts with their classes (indices into ``labelNames``).
    public func report(texts: [String], labels classes: [Int], threshold: Float? = nil) throws -> EvaluationReport {
        let model = try trainedModel()
        _ = try targets(classes)
        switch model.head.kind {
        case .binary:
            return .binary(ClassificationReport(logits: try calibratedLogits(texts, model), labels: classes, threshold: threshold ?? 0.5))
        case .multiClass:
            return .multiClass(MultiClassReport(logits: try calibratedLogits(texts, model), labels: classes,
                                                classes: labelNames.count))
        case .multiLabel:
            return try report(texts: texts, labelSets: classes.map { [$0] }, threshold: threshold)
        }
    }

    /// ``report(texts:labels:threshold:)`` for a multi-label classifier: each text's label set.
    public func report(texts: [String], labelSets: [[Int]], threshold: Float? = nil) throws -> EvaluationReport {
        let model = try trainedModel()
        guard model.head.kind == .multiLabel else {
            throw TextClassificationError.invalidArgument(name: "labels", value: "label sets",
                                                          expected: "one class per text for a \(model.head.kind) classifier")
        }
        let k = labelNames.count
        return .multiLabel(MultiLabelReport(probabilities: try model.predict(encode(texts)), targets: try targets(labelSets), labels: k,
                                            thresholds: (0..<k).map { threshold ?? model.head.threshold(ofLabel: $0) }))
    }

    /// Loss and accuracy on texts with their classes (Keras's `model.evaluate`).
    public func evaluate(texts: [String], labels: [Int]) throws -> Evaluation {
        try trainedModel().evaluate(encode(texts), labels: try targets(labels))
    }

    /// Loss and accuracy on texts with their label sets (multi-label).
    public func evaluate(texts: [String], labelSets: [[Int]]) throws -> Evaluation {
        try trainedModel().evaluate(encode(texts), labels: try targets(labelSets))
    }

    /// The logits the probabilities come from: divided by the head's temperature, if fitted.
    private func calibratedLogits(_ texts: [String], _ model: SequenceClassifier) throws -> [Float] {
        var logits = try model.logits(encode(texts))
        model.head.scale(&logits)
        return logits
    }

    func trainedModel() throws -> SequenceClassifier {
        guard let model else {
            throw TextClassificationError.invalidTrainingData(reason: "the classifier has not been fitted; call fit first")
        }
        return model
    }
}
