/// The usual measures of a binary classifier on labelled data; label 1 is the positive class.
///
/// ```swift
/// let report = ClassificationReport(logits: [2.0, -1.0, 0.3], labels: [1, 0, 0])
/// report.accuracy      // 2/3
/// report.confusion     // [[1, 1], [0, 1]]: rows true label 0/1, columns predicted 0/1
/// ```
public struct ClassificationReport: Codable, Equatable, Sendable {
    /// Rows measured.
    public var count: Int
    /// P(label 1) from which a row is predicted 1.
    public var threshold: Float
    /// Share of rows predicted right.
    public var accuracy: Double
    /// tp / (tp + fp); 0 when nothing is predicted positive.
    public var precision: Double
    /// tp / (tp + fn); 0 when there are no positives.
    public var recall: Double
    /// Harmonic mean of precision and recall; 0 when both are 0.
    public var f1: Double
    /// Area under the ROC curve (ties count half); `nil` when only one class is present.
    public var rocAUC: Double?
    /// Mean binary cross-entropy (from the logits: no clipping).
    public var logLoss: Double
    /// ``ExpectedCalibrationError`` of P(label 1) against the labels (10 bins).
    public var expectedCalibrationError: Double
    /// `confusion[trueLabel][predictedLabel]`.
    public var confusion: [[Int]]

    /// - Parameters:
    ///   - logits: the model's log-odds (``SequenceClassifier/logits(_:)``, divided by the
    ///     head's temperature when it has one).
    ///   - labels: 0 or 1 each.
    ///   - threshold: a probability above it predicts 1 (Keras's binary accuracy uses 0.5).
    public init(logits: [Float], labels: [Int], threshold: Float = 0.5) {
        precondition(logits.count == labels.count)
        count = labels.count
        self.threshold = threshold
        var confusion = [[0, 0], [0, 0]]
        var loss = 0.0
        expectedCalibrationError = ExpectedCalibrationError.of(scores: logits.map { Double(VectorMath.sigmoid($0)) },
                                                               outcomes: labels.map { $0 == 1 })
        for (z, y) in zip(logits, labels) {
            let predicted = ClassificationHead.Kind.binary.decides(VectorMath.sigmoid(z), threshold: threshold) ? 1 : 0
            confusion[y][predicted] += 1
            loss += Double(BinaryCrossEntropy.loss(logit: z, label: Float(y)))
        }
        self.confusion = confusion
        let tp = Double(confusion[1][1]), fp = Double(confusion[0][1]), fn = Double(confusion[1][0])
        accuracy = count > 0 ? Double(confusion[0][0] + confusion[1][1]) / Double(count) : 0
        precision = tp + fp > 0 ? tp / (tp + fp) : 0
        recall = tp + fn > 0 ? tp / (tp + fn) : 0
        f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
        logLoss = count > 0 ? loss / Double(count) : 0
        rocAUC = Self.areaUnderROC(scores: logits, labels: labels)
    }

    /// The Mann–Whitney statistic: the probability that a random positive scores above a
    /// random negative, ties counting half.
    static func areaUnderROC(scores: [Float], labels: [Int]) -> Double? {
        let positives = labels.filter { $0 == 1 }.count, negatives = labels.count - positives
        guard positives > 0 && negatives > 0 else { return nil }
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var rankSum = 0.0
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count && scores[order[end + 1]] == scores[order[start]] { end += 1 }
            let averageRank = Double(start + end) / 2 + 1  // 1-based, ties averaged
            for k in start...end where labels[order[k]] == 1 { rankSum += averageRank }
            start = end + 1
        }
        let p = Double(positives), n = Double(negatives)
        return (rankSum - p * (p + 1) / 2) / (p * n)
    }
}
