import Foundation

/// What a set of texts looks like to one model, in four histograms: how much of each text the
/// vocabulary knows, how long it is, which label the model gives it and how sure it is.
///
/// `fit` keeps the profile of its validation rows (or, without them, of its last training
/// rows) in the model; ``DataDrift`` compares the profile of new texts with it. The bins are
/// fixed, so profiles add (a server sums them over a window of requests) and any two compare.
///
/// ```swift
/// let live = try classifier.profile(of: todaysTexts)
/// let drift = DataDrift(reference: classifier.trainingProfile!, live: live)
/// drift.drifted          // true when a signal's score reaches DataDrift.threshold
/// ```
public struct DataProfile: Codable, Equatable, Sendable {
    /// The rows it describes, and what they were (e.g. "validation rows").
    public var rows = 0
    public var source: String
    /// Rows by the share of their words that have an embedding row of their own (not unknown,
    /// hashed or cut off by `numWords`): ``coverageBins``.
    public var coverage: [Int]
    /// Rows by their number of words: ``lengthBins``.
    public var length: [Int]
    /// Rows by the label the model decides, in label order; multi-label: each label decided
    /// counts once, and the last bin counts rows with none.
    public var labels: [Int]
    /// Rows by the probability of the model's most probable label (binary: of the decided
    /// one): ``confidenceEdges``.
    public var confidence: [Int]
    /// Sums over the rows, for the means: the share of words covered, words, confidence.
    public var coverageSum = 0.0, lengthSum = 0.0, confidenceSum = 0.0

    /// The coverage bins: rows without words, then tenths of the share covered
    /// ([0, 0.1), …, [0.9, 1), then exactly 1).
    public static let coverageBins = 12
    /// The length bins: 0 words, 1, 2–3, 4–7, … doubling, 256 and more in the last.
    public static let lengthBins = 10
    /// The upper edges of the confidence bins, the last bin reaching 1.
    public static let confidenceEdges: [Float] = [0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99]

    /// An empty profile for a model with `labelBins` label bins (``labelBins(labels:)``).
    public init(source: String, labelBins: Int) {
        self.source = source
        coverage = [Int](repeating: 0, count: Self.coverageBins)
        length = [Int](repeating: 0, count: Self.lengthBins)
        labels = [Int](repeating: 0, count: labelBins)
        confidence = [Int](repeating: 0, count: Self.confidenceEdges.count + 1)
    }

    /// The label bins a profile of a model with these labels has: one per label, and one for
    /// "none" with a multi-label head.
    public static func labelBins(labels: LabelSet) -> Int {
        labels.names.count + (labels.head == .multiLabel ? 1 : 0)
    }

    /// Counts one row: `words` words of which `covered` have rows of their own, and the
    /// model's prediction.
    public mutating func add(words: Int, covered: Int, prediction: Prediction) {
        rows += 1
        let share = words == 0 ? 0 : Double(covered) / Double(words)
        coverage[words == 0 ? 0 : covered == words ? Self.coverageBins - 1 : 1 + min(9, Int(share * 10))] += 1
        coverageSum += share
        length[min(Self.lengthBins - 1, Int.bitWidth - words.leadingZeroBitCount)] += 1
        lengthSum += Double(words)
        if prediction.labelSet.head == .multiLabel {
            for k in prediction.labelIndices { labels[k] += 1 }
            if prediction.labelIndices.isEmpty { labels[labels.count - 1] += 1 }
        } else if let k = prediction.labelIndices.first {
            labels[k] += 1
        }
        let top = prediction.labelSet.head == .binary ? max(prediction.probability, 1 - prediction.probability)
            : prediction.probability
        confidence[Self.confidenceEdges.firstIndex { top < $0 } ?? Self.confidenceEdges.count] += 1
        confidenceSum += Double(top)
    }

    /// Both profiles' rows together (of the same model; the source stays this one's).
    public mutating func merge(_ other: DataProfile) {
        rows += other.rows
        for (k, n) in other.coverage.enumerated() { coverage[k] += n }
        for (k, n) in other.length.enumerated() { length[k] += n }
        for (k, n) in other.labels.enumerated() where k < labels.count { labels[k] += n }
        for (k, n) in other.confidence.enumerated() { confidence[k] += n }
        coverageSum += other.coverageSum
        lengthSum += other.lengthSum
        confidenceSum += other.confidenceSum
    }

    /// A signal's histogram and mean (labels: the share of rows given the most frequent label).
    public func histogram(_ signal: DataDrift.Signal) -> [Int] {
        switch signal {
        case .coverage: coverage
        case .length: length
        case .labels: labels
        case .confidence: confidence
        }
    }

    /// The mean of a signal over the rows: the share of words covered, words per row, the
    /// confidence; for labels, the share of rows with the most frequent decision.
    public func mean(_ signal: DataDrift.Signal) -> Double {
        guard rows > 0 else { return 0 }
        switch signal {
        case .coverage: return coverageSum / Double(rows)
        case .length: return lengthSum / Double(rows)
        case .labels: return Double(labels.max() ?? 0) / Double(rows)
        case .confidence: return confidenceSum / Double(rows)
        }
    }

    /// Whether its bins are the ones a model with these labels profiles into (a stored
    /// profile is checked on load).
    func fits(labels: LabelSet) -> Bool {
        rows >= 0 && coverage.count == Self.coverageBins && length.count == Self.lengthBins
            && labels.names.count + (labels.head == .multiLabel ? 1 : 0) == self.labels.count
            && confidence.count == Self.confidenceEdges.count + 1
            && (coverage + length + self.labels + confidence).allSatisfy { $0 >= 0 }
            && [coverageSum, lengthSum, confidenceSum].allSatisfy { $0.isFinite && $0 >= 0 }
    }
}
