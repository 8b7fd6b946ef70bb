/// Per-label decision thresholds of a multi-label head, tuned to F1 on validation rows.
///
/// A label with a handful of validation rows has a "best" threshold that is mostly noise, so
/// tuning goes in two steps: first one threshold shared by every label, the one with the
/// highest micro F1 over all of them; then, for each label with at least
/// ``minimumPositivesPerLabel`` positive rows, the one with that label's highest F1, kept
/// only when it beats the shared one. The candidates are 0.05, 0.10, …, 0.95; of equals, the
/// one nearest 0.5 wins.
extension ClassificationHead {
    /// The thresholds tried.
    public static let thresholdCandidates: [Float] = (1...19).map { Float($0) / 20 }
    /// Positive validation rows a label needs before it gets a threshold of its own.
    public static let minimumPositivesPerLabel = 10

    /// Thresholds for rows of sigmoid outputs `[n, labels]` and their 0/1 targets.
    ///
    /// ```swift
    /// // Label 0 is given to texts scoring 0.6 that do not have it: 0.65 and up is better.
    /// ClassificationHead.tunedThresholds(probabilities: [0.9, 0.6, 0.6, 0.2], targets: [1, 0, 0, 0], labels: 1)  // [0.65]
    /// ```
    public static func tunedThresholds(probabilities: [Float], targets: [Float], labels k: Int) -> [Float] {
        precondition(k > 0 && probabilities.count == targets.count && targets.count % k == 0, "[n, labels] rows")
        let candidates = thresholdCandidates
        // Per label and candidate: true positives and predicted positives; per label: positives.
        var truePositives = [[Int]](repeating: [Int](repeating: 0, count: candidates.count), count: k)
        var predicted = truePositives
        var positives = [Int](repeating: 0, count: k)
        for r in 0..<targets.count / k {
            for j in 0..<k {
                let p = probabilities[r * k + j], actual = targets[r * k + j] > 0.5
                if actual { positives[j] += 1 }
                for (c, t) in candidates.enumerated() where Kind.multiLabel.decides(p, threshold: t) {
                    predicted[j][c] += 1
                    if actual { truePositives[j][c] += 1 }
                }
            }
        }
        // F1 = 2·TP / (predicted + actual positives).
        func f1(_ tp: Int, _ predicted: Int, _ positives: Int) -> Double {
            predicted + positives == 0 ? 0 : 2 * Double(tp) / Double(predicted + positives)
        }
        // Candidate indices from 0.5 outwards, so that a later equal score never wins.
        let order = candidates.indices.sorted { abs(candidates[$0] - 0.5) < abs(candidates[$1] - 0.5) }
        func best(_ score: (Int) -> Double) -> Int {
            order.dropFirst().reduce(order[0]) { score($1) > score($0) ? $1 : $0 }
        }
        let allPositives = positives.reduce(0, +)
        let shared = best { c in
            f1((0..<k).reduce(0) { $0 + truePositives[$1][c] }, (0..<k).reduce(0) { $0 + predicted[$1][c] }, allPositives)
        }
        return (0..<k).map { j in
            guard positives[j] >= minimumPositivesPerLabel else { return candidates[shared] }
            let score = { (c: Int) in f1(truePositives[j][c], predicted[j][c], positives[j]) }
            let own = best(score)
            return score(own) > score(shared) ? candidates[own] : candidates[shared]
        }
    }
}
