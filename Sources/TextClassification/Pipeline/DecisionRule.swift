/// How a head's probabilities become labels (`textclf predict`'s `--threshold`,
/// `--min-probability` and `--unknown-label`).
public struct DecisionRule: Hashable, Sendable {
    /// Binary: the second label's probability must be above it; multi-label: each label's at
    /// or above it. `nil`: the model's (multi-label: tuned per label, if it was), else 0.5.
    public var threshold: Float?
    /// Multi-class: a text whose most probable class is below it gets `unknownLabel` instead
    /// ("none of the above").
    public var minimumProbability: Float
    /// Multi-class: the label of texts below `minimumProbability`.
    public var unknownLabel: String

    /// A rule; the defaults decide as the model does (its thresholds or 0.5, the most probable class).
    public init(threshold: Float? = nil, minimumProbability: Float = 0, unknownLabel: String = "") {
        self.threshold = threshold
        self.minimumProbability = minimumProbability
        self.unknownLabel = unknownLabel
    }
}
