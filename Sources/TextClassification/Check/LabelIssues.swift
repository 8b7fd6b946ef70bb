/// Rows whose given label the data itself doubts: confident learning (Northcutt, Jiang and
/// Chuang 2021, as cleanlab's `find_label_issues` with `filter_by="confident_learning"`) over
/// out-of-fold probabilities, i.e. from models that did not train on the row.
///
/// Each class c gets a threshold, the mean probability of c over the rows labelled c (how
/// sure the model is of that class when the label is right, on average). A row is "confidently"
/// in every class whose probability reaches that class's threshold; when the most probable of
/// those is not its given label, the row is suspect. Suspects are ranked by the probability
/// of their given label (cleanlab's self-confidence), least first.
///
/// ```swift
/// // Three rows labelled 0, the third of which the model puts in class 1 with 0.9.
/// let issues = LabelIssues(probabilities: [[0.8, 0.2], [0.7, 0.3], [0.1, 0.9], [0.2, 0.8]], labels: [0, 0, 0, 1])
/// issues.suspects.map(\.row)   // [2]
/// issues.suspects[0].likelyLabel  // 1
/// ```
public struct LabelIssues: Sendable {
    /// A row whose given label the out-of-fold probabilities doubt.
    public struct Suspect: Equatable, Sendable {
        /// The row, in the order given.
        public var row: Int
        /// The class the row is labelled with.
        public var givenLabel: Int
        /// The class the row is confidently in.
        public var likelyLabel: Int
        /// Out-of-fold probability of the given label (the ranking: least first).
        public var givenProbability: Float
        /// Out-of-fold probability of the likely class.
        public var likelyProbability: Float
    }

    /// Per class, the mean out-of-fold probability of the rows labelled with it (`nil`: no row).
    public var thresholds: [Float?]
    /// Suspected label errors, most suspect first.
    public var suspects: [Suspect]

    /// - Parameters:
    ///   - probabilities: per row, every class's out-of-fold probability.
    ///   - labels: per row, its given class.
    public init(probabilities: [[Float]], labels: [Int]) {
        precondition(probabilities.count == labels.count, "one row of probabilities per label")
        let k = probabilities.first?.count ?? 0
        var sums = [Double](repeating: 0, count: k), counts = [Int](repeating: 0, count: k)
        for (p, y) in zip(probabilities, labels) {
            sums[y] += Double(p[y])
            counts[y] += 1
        }
        let thresholds = (0..<k).map { counts[$0] > 0 ? Float(sums[$0] / Double(counts[$0])) : nil }
        self.thresholds = thresholds
        suspects = zip(probabilities, labels).enumerated().compactMap { row, pair in
            let (p, y) = pair
            // The most probable class among those the row reaches the threshold of.
            var likely: Int?
            for c in 0..<k {
                guard let t = thresholds[c], p[c] >= t else { continue }
                if likely.map({ p[c] > p[$0] }) ?? true { likely = c }
            }
            guard let likely, likely != y else { return nil }
            return Suspect(row: row, givenLabel: y, likelyLabel: likely, givenProbability: p[y], likelyProbability: p[likely])
        }
        suspects.sort { $0.givenProbability != $1.givenProbability ? $0.givenProbability < $1.givenProbability : $0.row < $1.row }
    }
}
