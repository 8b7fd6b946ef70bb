/// What a single-label model's decisions come to on labelled rows once it may decline: how
/// many it answered, how often those answers were right, how many a taxonomy answered only at
/// an inner node, and a taxonomy's accuracy at each level.
///
/// An answer is right when it is the row's label or, in a taxonomy, a node above it (`财经`
/// for a `财经/stocks` row: less precise, not wrong). A row labelled only to an inner node
/// is right when answered with that node, one above it, or one below it (nothing says otherwise).
///
/// ```swift
/// let report = try classifier.decisionReport(texts: devTexts, labels: devLabels)
/// report.coverage      // 0.81: share of rows answered
/// report.precision     // 0.95: share of those answers that were right
/// report.levels[0]     // top-level accuracy of a taxonomy (every row answered)
/// ```
public struct DecisionReport: Equatable, Sendable {
    /// Rows measured.
    public var rows: Int
    /// Rows given a label (not the unknown label).
    public var answered: Int
    /// Answered rows whose answer was right.
    public var right: Int
    /// A taxonomy: answered rows given an inner node, not a leaf (backed off).
    public var backedOff: Int
    /// A taxonomy: per level from the top, the accuracy of the most probable node of that level
    /// (every row answered; a leaf above the level stands for itself).
    public var levels: [Level]

    /// One level of a taxonomy.
    public struct Level: Equatable, Sendable {
        /// 1 at the top.
        public var depth: Int
        /// Rows whose label reaches this level.
        public var rows: Int
        /// Of those, rows whose most probable node at this level is theirs.
        public var right: Int
        /// `right / rows`.
        public var accuracy: Double { rows == 0 ? 0 : Double(right) / Double(rows) }
    }

    /// Share of the rows answered.
    public var coverage: Double { rows == 0 ? 0 : Double(answered) / Double(rows) }
    /// Share of the answered rows answered right.
    public var precision: Double { answered == 0 ? 0 : Double(right) / Double(answered) }
    /// Share of the answered rows a taxonomy answered at an inner node.
    public var backOffRate: Double { answered == 0 ? 0 : Double(backedOff) / Double(answered) }

    /// The report of rows of class probabilities `[n, classes]` (binary: `[1 − p, p]`) and
    /// their labels (class indices; a taxonomy's node indices), decided by `point` (`nil`:
    /// the most probable class, always answered).
    public init(probabilities: [Float], classes: Int, labels: [Int], tree: LabelTree?, point: OperatingPoint?) {
        // Programmer errors: the library builds both from one model (whose width a load checks).
        precondition(probabilities.count == labels.count * classes, "[n, classes] rows")
        precondition(point.map { $0.thresholds.count == tree?.paths.count ?? classes } ?? true, "one threshold per label (node)")
        rows = labels.count
        answered = 0
        right = 0
        backedOff = 0
        let depth = tree?.depth ?? 0
        levels = (0..<depth).map { Level(depth: $0 + 1, rows: 0, right: 0) }
        // A level's nodes share out every row's probability: its own, and the leaves above it.
        let levelNodes = tree.map { tree in
            (1...tree.depth).map { d in tree.paths.indices.filter { tree.depths[$0] == d || ($0 < tree.leafCount && tree.depths[$0] < d) } }
        } ?? []
        for (r, label) in labels.enumerated() {
            let row = probabilities[r * classes ..< (r + 1) * classes]
            let answer = point?.answer(row, tree: tree)?.node ?? (point == nil ? ClassificationHead.argmax(row) : nil)
            if let answer {
                answered += 1
                if let tree {
                    if tree.isNode(label, within: answer) || tree.isNode(answer, within: label) { right += 1 }
                    if answer >= tree.leafCount { backedOff += 1 }
                } else if answer == label {
                    right += 1
                }
            }
            guard let tree else { continue }
            let nodes = tree.probabilities(ofLeaves: row)
            for level in levels.indices {
                let d = level + 1
                // The row's node at this level: its ancestor there, or itself if a leaf above it.
                guard tree.depths[label] >= d || label < tree.leafCount else { continue }
                let truth = tree.ancestor(of: label, atDepth: d)
                levels[level].rows += 1
                if OperatingPoint.mostProbable(levelNodes[level], nodes) == truth { levels[level].right += 1 }
            }
        }
    }
}
