/// Rows whose given label the data itself doubts, from out-of-fold probabilities (models that
/// did not train on the row): every row whose most probable class is not its label
/// (cleanlab's `filter_by="predicted_neq_given"`), ranked by the probability of its given
/// label, least first (cleanlab's self-confidence).
///
/// Confident learning (Northcutt, Jiang and Chuang 2021) is kept as a mark on each suspect:
/// each class c gets a threshold, the mean probability of c over the rows labelled c, and a
/// suspect is ``Suspect/confident`` when its likely class reaches that class's threshold. It
/// is not the filter: on the topics with 5% of the labels turned over, it let through 7.5% of
/// the rows, holding 73% of the turned ones, where the top 10% of every row ranked by its given
/// label holds 94% (docs/accuracy.md, "Finding label errors").
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
        /// The likely class's probability reaches its confident-learning threshold.
        public var confident: Bool
    }

    /// Per class, the mean out-of-fold probability of the rows labelled with it (`nil`: no
    /// row): confident learning's thresholds.
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
            let likely = ClassificationHead.argmax(p[...])
            guard likely != y else { return nil }
            return Suspect(row: row, givenLabel: y, likelyLabel: likely, givenProbability: p[y], likelyProbability: p[likely],
                           confident: thresholds[likely].map { p[likely] >= $0 } ?? false)
        }
        suspects.sort { $0.givenProbability != $1.givenProbability ? $0.givenProbability < $1.givenProbability : $0.row < $1.row }
    }
}
