import Foundation

/// How unsure a prediction is, on a scale from 0 (certain) to 1 (as unsure as it can be): the
/// score uncertainty sampling ranks unlabelled texts by, to pick the next ones to label.
///
/// ```swift
/// let prediction = try classifier.predict(texts: ["还行吧"])[0]
/// prediction.uncertainty(.margin)    // 1 − (p₁ − p₂): near 1 when the top two labels tie
/// prediction.uncertainty(.entropy)   // the probabilities' entropy over its maximum
/// ```
///
/// A multi-label model decides each label on its own, so its scores are its labels': the
/// margin of the label nearest to 0.5 (each label's margin is 1 − |2p − 1|, its two outcomes'
/// distance), the mean of the labels' binary entropies.
public enum UncertaintyMeasure: String, CaseIterable, Codable, Sendable {
    /// 1 − (p₁ − p₂), p₁ and p₂ the two largest probabilities (binary: 1 − |2p − 1|).
    case margin
    /// −Σ p log p over the labels, divided by log K (its value when all K are equally likely).
    case entropy
}

extension Prediction {
    /// This prediction's uncertainty by `measure`, in [0, 1]; see ``UncertaintyMeasure``.
    public func uncertainty(_ measure: UncertaintyMeasure) -> Float {
        let p = probabilities
        guard labelSet.head == .multiLabel else {
            switch measure {
            case .margin:
                var first: Float = 0, second: Float = 0
                for q in p {
                    if q > first { (first, second) = (q, first) } else if q > second { second = q }
                }
                return min(1, max(0, 1 - (first - second)))
            case .entropy:
                return p.count > 1 ? Self.entropy(p) / log(Float(p.count)) : 0
            }
        }
        guard !p.isEmpty else { return 0 }
        switch measure {
        case .margin:
            return p.map { 1 - abs(2 * $0 - 1) }.max() ?? 0
        case .entropy:
            return p.map { Self.entropy([$0, 1 - $0]) / log(2) }.reduce(0, +) / Float(p.count)
        }
    }

    private static func entropy(_ p: [Float]) -> Float {
        -p.reduce(0) { $0 + ($1 > 0 ? $1 * log($1) : 0) }
    }
}

/// The most uncertain of a stream of predictions, kept in bounded memory: the `count` with the
/// highest scores overall, or, spread over the labels, up to `count` per predicted label,
/// taken in turns (each label's most uncertain first) so that one label cannot fill the batch.
///
/// Ties keep input order, so a run is repeatable.
///
/// ```swift
/// var selection = UncertainSelection(count: 100, spreadOverLabels: true)
/// for (row, prediction) in predictions.enumerated() {
///     selection.offer(row: row, score: prediction.uncertainty(.margin), label: prediction.labelIndex)
/// }
/// selection.rows   // the rows to label next, most uncertain first
/// ```
public struct UncertainSelection: Sendable {
    /// How many rows to pick.
    public let count: Int
    /// Take turns over the predicted labels rather than ranking all rows together.
    public let spreadOverLabels: Bool
    /// The candidates kept so far, by label (all under label 0 when not spread).
    private var kept: [Int: [(row: Int, score: Float)]] = [:]

    /// A selection of up to `count` rows, spread over the labels or not.
    public init(count: Int, spreadOverLabels: Bool = false) {
        self.count = max(0, count)
        self.spreadOverLabels = spreadOverLabels
    }

    /// Considers one row with its uncertainty and predicted label (any integer; −1 for none).
    public mutating func offer(row: Int, score: Float, label: Int) {
        guard count > 0 else { return }
        let key = spreadOverLabels ? label : 0
        if let list = kept[key], list.count == count, let last = list.last, !(score > last.score) { return }
        // In place (a copy taken out of the dictionary would copy the list on every insert).
        Self.insert((row, score), into: &kept[key, default: []], keeping: count)
    }

    /// Keeps `list` sorted by score, descending, then by row (after equal scores), at most `count` long.
    private static func insert(_ candidate: (row: Int, score: Float), into list: inout [(row: Int, score: Float)],
                               keeping count: Int) {
        var low = 0, high = list.count
        while low < high {
            let mid = (low + high) / 2
            if list[mid].score >= candidate.score { low = mid + 1 } else { high = mid }
        }
        list.insert(candidate, at: low)
        if list.count > count { list.removeLast() }
    }

    /// The rows picked, most uncertain first (spread: in turns over the labels, the most
    /// uncertain label's candidate first in each turn), with their scores.
    public var picked: [(row: Int, score: Float)] {
        guard spreadOverLabels else { return kept[0] ?? [] }
        var lists = kept.values.map { ArraySlice($0) }
        var result: [(row: Int, score: Float)] = []
        while result.count < count, lists.contains(where: { !$0.isEmpty }) {
            let turn = lists.indices.compactMap { k in lists[k].first.map { (k, $0) } }
                .sorted { $0.1.score != $1.1.score ? $0.1.score > $1.1.score : $0.1.row < $1.1.row }
            for (k, candidate) in turn where result.count < count {
                result.append(candidate)
                lists[k] = lists[k].dropFirst()
            }
        }
        return result
    }

    /// The rows picked, in ``picked`` order.
    public var rows: [Int] { picked.map(\.row) }
}
