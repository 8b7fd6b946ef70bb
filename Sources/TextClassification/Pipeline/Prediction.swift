/// One text's prediction: every label's probability and what the head decided.
///
/// ```swift
/// let p = try classifier.predict(texts: ["股市大涨"])[0]
/// p.label              // "stocks" (multi-label: the labels joined by the separator)
/// p.probability        // the chosen class's probability (binary: the second label's)
/// p.top(3)             // [("stocks", 0.81), ("finance", 0.12), ("realty", 0.02)]
/// p.probabilities      // every label's, in labelNames order
/// ```
public struct Prediction: Equatable, Sendable {
    /// Every label's probability, in the classifier's label order. Binary: `[1 − p, p]`;
    /// multi-class: summing to 1; multi-label: each label's own.
    public var probabilities: [Float]
    /// The labels decided: one for binary and multi-class (none when it abstained or, in a
    /// taxonomy, answered an inner node), any number for multi-label.
    public var labelIndices: [Int]
    /// The names of those labels.
    public var labels: [String]
    /// One string for the decision: the label's name (a taxonomy: the node's path, possibly
    /// an inner node's), the unknown label when it abstained, the labels joined by the
    /// separator (multi-label, possibly empty).
    public var label: String
    /// Binary: the second label's probability (P(label 1)); multi-class: the most probable
    /// class's; multi-label: the most probable label's. Decided by an ``OperatingPoint``: the
    /// answered label's (node's), or the most probable class's when it abstained.
    public var probability: Float
    /// Binary and multi-class: no label was given (the unknown label): the most probable one
    /// was below the model's ``OperatingPoint`` or the minimum probability asked for.
    public var abstained: Bool
    /// The classifier's labels, for ``top(_:)``.
    public let labelSet: LabelSet

    /// A single-label model's answer at `node` (a taxonomy's node index; `nil`: abstained) with its probability.
    init(probabilities: [Float], node: Int?, probability: Float, labels: LabelSet, unknownLabel: String) {
        self.probabilities = probabilities
        labelIndices = node.map { $0 < labels.names.count ? [$0] : [] } ?? []
        self.labels = labelIndices.map { labels.names[$0] }
        label = node.map { labels.tree?.paths[$0] ?? labels.names[$0] } ?? unknownLabel
        self.probability = probability
        abstained = node == nil
        labelSet = labels
    }

    init(probabilities: [Float], labelIndices: [Int], labels: LabelSet, unknownLabel: String) {
        self.probabilities = probabilities
        self.labelIndices = labelIndices
        self.labels = labelIndices.map { labels.names[$0] }
        abstained = labels.head != .multiLabel && labelIndices.isEmpty
        labelSet = labels
        switch labels.head {
        case .binary:
            label = self.labels[0]
            probability = probabilities[1]
        case .multiClass:
            label = self.labels.first ?? unknownLabel
            probability = probabilities.max() ?? 0
        case .multiLabel:
            label = self.labels.joined(separator: labels.separator)
            probability = probabilities.max() ?? 0
        }
    }

    /// The index of label 1 or 0 (binary), the chosen class (multi-class; −1 when none),
    /// the first chosen label (multi-label; −1 when none).
    public var labelIndex: Int { labelIndices.first ?? -1 }

    /// The `k` most probable labels with their probabilities, most probable first (ties in label order).
    public func top(_ k: Int) -> [(label: String, probability: Float)] {
        probabilities.indices.sorted { probabilities[$0] != probabilities[$1] ? probabilities[$0] > probabilities[$1] : $0 < $1 }
            .prefix(max(0, k)).map { (labelSet.names[$0], probabilities[$0]) }
    }
}
