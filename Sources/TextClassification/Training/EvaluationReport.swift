/// The measures of a classifier on labelled data, by kind of head.
public enum EvaluationReport: Equatable, Sendable {
    case binary(ClassificationReport)
    case multiClass(MultiClassReport)
    case multiLabel(MultiLabelReport)
}

/// Precision, recall, F1 and support of one label.
public struct LabelScores: Codable, Equatable, Sendable {
    /// tp / (tp + fp); 0 when the label is never predicted.
    public var precision: Double
    /// tp / (tp + fn); 0 when the label never occurs.
    public var recall: Double
    /// Harmonic mean of precision and recall; 0 when both are 0.
    public var f1: Double
    /// Rows that truly have the label.
    public var support: Int

    init(truePositives tp: Int, falsePositives fp: Int, falseNegatives fn: Int) {
        precision = tp + fp > 0 ? Double(tp) / Double(tp + fp) : 0
        recall = tp + fn > 0 ? Double(tp) / Double(tp + fn) : 0
        f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
        support = tp + fn
    }

    /// The unweighted mean of each measure (macro average), or weighted by support.
    static func average(_ scores: [LabelScores], weighted: Bool) -> LabelScores {
        let total = scores.reduce(0) { $0 + $1.support }
        let weights = scores.map { weighted ? (total > 0 ? Double($0.support) / Double(total) : 0) : 1 / Double(max(1, scores.count)) }
        var average = LabelScores(truePositives: 0, falsePositives: 0, falseNegatives: 0)
        average.precision = zip(scores, weights).reduce(0) { $0 + $1.0.precision * $1.1 }
        average.recall = zip(scores, weights).reduce(0) { $0 + $1.0.recall * $1.1 }
        average.f1 = zip(scores, weights).reduce(0) { $0 + $1.0.f1 * $1.1 }
        average.support = total
        return average
    }
}
