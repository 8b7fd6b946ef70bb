/// The measures of a multi-label classifier on labelled data (scikit-learn's definitions).
///
/// ```swift
/// // Two texts, labels A and B: the first has A, the second both; the model says A, then A.
/// let report = MultiLabelReport(probabilities: [0.9, 0.1,  0.8, 0.3], targets: [1, 0,  1, 1], labels: 2)
/// report.subsetAccuracy   // 0.5: the first row's set is exactly right
/// report.hammingLoss      // 0.25: one of the four label decisions is wrong
/// ```
public struct MultiLabelReport: Codable, Equatable, Sendable {
    /// Rows measured.
    public var count: Int
    /// A label is predicted when its probability is at or above its threshold; per label, in
    /// label order.
    public var thresholds: [Float]
    /// Rows whose predicted label set is exactly the true one.
    public var subsetAccuracy: Double
    /// The fraction of (row, label) decisions that are wrong.
    public var hammingLoss: Double
    /// F1 of all (row, label) decisions pooled.
    public var microF1: Double
    /// Precision of all (row, label) decisions pooled.
    public var microPrecision: Double
    /// Recall of all (row, label) decisions pooled.
    public var microRecall: Double
    /// The unweighted mean over labels.
    public var macroF1: Double
    /// Per label, in label order.
    public var labels: [LabelScores]

    /// - Parameters:
    ///   - probabilities: `[n, labels]` row-major, each label's sigmoid output.
    ///   - targets: `[n, labels]`, 1 where a row has the label.
    ///   - k: the number of labels.
    ///   - threshold: every label's.
    public init(probabilities: [Float], targets: [Float], labels k: Int, threshold: Float = 0.5) {
        self.init(probabilities: probabilities, targets: targets, labels: k, thresholds: [Float](repeating: threshold, count: k))
    }

    /// - Parameters:
    ///   - probabilities: `[n, labels]` row-major, each label's sigmoid output.
    ///   - targets: `[n, labels]`, 1 where a row has the label.
    ///   - k: the number of labels.
    ///   - thresholds: each label's (a head's tuned ``ClassificationHead/thresholds``).
    public init(probabilities: [Float], targets: [Float], labels k: Int, thresholds: [Float]) {
        precondition(probabilities.count == targets.count && targets.count % max(k, 1) == 0 && thresholds.count == k)
        count = k > 0 ? targets.count / k : 0
        self.thresholds = thresholds
        var tp = [Int](repeating: 0, count: k), fp = tp, fn = tp
        var exact = 0, wrong = 0
        for r in 0..<count {
            var rowWrong = 0
            for j in 0..<k {
                let predicted = ClassificationHead.Kind.multiLabel.decides(probabilities[r * k + j], threshold: thresholds[j])
                let actual = targets[r * k + j] > 0.5
                if predicted && actual { tp[j] += 1 } else if predicted { fp[j] += 1 } else if actual { fn[j] += 1 }
                if predicted != actual { rowWrong += 1 }
            }
            if rowWrong == 0 { exact += 1 }
            wrong += rowWrong
        }
        subsetAccuracy = count > 0 ? Double(exact) / Double(count) : 0
        hammingLoss = count > 0 ? Double(wrong) / Double(count * k) : 0
        let pooled = LabelScores(truePositives: tp.reduce(0, +), falsePositives: fp.reduce(0, +),
                                 falseNegatives: fn.reduce(0, +))
        microF1 = pooled.f1
        microPrecision = pooled.precision
        microRecall = pooled.recall
        labels = (0..<k).map { LabelScores(truePositives: tp[$0], falsePositives: fp[$0], falseNegatives: fn[$0]) }
        macroF1 = LabelScores.average(labels, weighted: false).f1
    }
}
