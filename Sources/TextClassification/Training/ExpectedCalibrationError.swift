/// How far stated probabilities are from observed frequencies: the scores are cut into equal
/// bins of [0, 1], and the gap between each bin's mean score and the share of its rows whose
/// outcome holds is averaged, weighted by the bin's rows (Guo et al. 2017, "On Calibration of
/// Modern Neural Networks"). 0 is perfectly calibrated.
///
/// ```swift
/// ExpectedCalibrationError.of(scores: [0.9, 0.9, 0.2], outcomes: [true, false, false])  // (0.4·2 + 0.2) / 3
/// ```
public enum ExpectedCalibrationError {
    /// The bins the reports use.
    public static let bins = 10

    /// The error of `scores` (probabilities, one per row) against whether each row's `outcome` held.
    public static func of(scores: [Double], outcomes: [Bool], bins: Int = bins) -> Double {
        binned(scores: scores, outcomes: outcomes, bins: bins).error
    }

    /// Each non-empty bin's mean score and observed frequency, and the error they make.
    static func binned(scores: [Double], outcomes: [Bool], bins: Int = bins)
        -> (points: [(score: Double, frequency: Double)], error: Double) {
        var count = [Int](repeating: 0, count: bins), hits = count, sum = [Double](repeating: 0, count: bins)
        for (s, o) in zip(scores, outcomes) {
            let b = min(bins - 1, max(0, Int(s * Double(bins))))
            count[b] += 1
            sum[b] += s
            if o { hits[b] += 1 }
        }
        let used = (0..<bins).filter { count[$0] > 0 }
        let points = used.map { (score: sum[$0] / Double(count[$0]), frequency: Double(hits[$0]) / Double(count[$0])) }
        let error = zip(used, points).reduce(0.0) { $0 + abs($1.1.score - $1.1.frequency) * Double(count[$1.0]) }
            / Double(max(1, scores.count))
        return (points, error)
    }
}
