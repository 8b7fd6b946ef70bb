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
                // The model's operating point decides unless the rule sets a threshold or minimum of its own.
                if let point = operatingPoint, group.rule.threshold == nil, group.rule.minimumProbability == 0 {
                    let classes = model.head.classProbabilities(p)
                    if model.head.kind == .multiLabel {
                        let chosen = classes.indices.filter { j in point.thresholds[j].map { classes[j] >= $0 } ?? false }
                        return Prediction(probabilities: classes, labelIndices: chosen, labels: labels, unknownLabel: group.rule.unknownLabel)
                    }
                    let answer = point.answer(classes[...], tree: labels.tree)
                    return Prediction(probabilities: classes, node: answer?.node,
                                      probability: model.head.kind == .binary ? classes[1] : answer?.probability ?? classes.max() ?? 0,
                                      labels: labels, unknownLabel: group.rule.unknownLabel)
                }
                var chosen = model.head.decide(p, threshold: group.rule.threshold)
                if model.head.kind == .multiClass && p[p.startIndex + chosen[0]] < group.rule.minimumProbability { chosen = [] }
                return Prediction(probabilities: model.head.classProbabilities(p), labelIndices: chosen, labels: labels,
                                  unknownLabel: group.rule.unknownLabel)
            }
        }
    }

    /// The measures that fit the head (binary: accuracy, precision, recall, F1, ROC-AUC, log
    /// loss, confusion matrix; multi-class and multi-label: see ``MultiClassReport`` and
    /// ``MultiLabelReport``) on texts with their classes (indices into ``labelNames``; a
    /// taxonomy's rows labelled to an inner node are left out: see ``decisionReport(texts:labels:)``).
    public func report(texts: [String], labels classes: [Int], threshold: Float? = nil) throws -> EvaluationReport {
        let model = try trainedModel()
        _ = try targets(classes)
        let (texts, classes) = leafRows(texts, classes)
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
                                            thresholds: (0..<k).map { j in
                                                // An operating point's label without a threshold is never given (2: above any probability; JSON has no infinity).
                                                threshold ?? operatingPoint.map { $0.thresholds[j] ?? 2 } ?? model.head.threshold(ofLabel: j)
                                            }))
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

    /// The rows labelled to a class: a taxonomy's rows labelled only to an inner node left out.
    func leafRows(_ texts: [String], _ labels: [Int]) -> (texts: [String], labels: [Int]) {
        guard self.labels.tree != nil, labels.contains(where: { $0 >= labelNames.count }) else { return (texts, labels) }
        let kept = labels.indices.filter { labels[$0] < labelNames.count }
        return (kept.map { texts[$0] }, kept.map { labels[$0] })
    }

    func trainedModel() throws -> SequenceClassifier {
        guard var model else {
            throw TextClassificationError.invalidTrainingData(reason: "the classifier has not been fitted; call fit first")
        }
        model.head.targetRanges = targetRanges
        return model
    }

    /// A taxonomy's inner nodes' leaves, for the head's loss (``ClassificationHead/targetRanges``).
    var targetRanges: [Range<Int>] { labels.tree.map { Array($0.leaves[$0.leafCount...]) } ?? [] }
}
