/// Where a classifier stops answering: per label (per node of a taxonomy), the calibrated
/// probability it must reach to be given, chosen on labelled rows the model was not trained
/// on for a target precision or recall. Below it the text is answered one level up (a
/// taxonomy) or not at all (the unknown label: "don't know"), so what is answered can be
/// accepted automatically and the rest goes to people.
///
/// Single-label models answer by walking down: the most probable label (top-level node) if
/// its probability reaches its threshold, then the most probable of that node's children if
/// its probability reaches its own, and so on; a flat model's walk is one step. Multi-label
/// models give every label whose probability reaches its threshold.
///
/// ```swift
/// var classifier = try TextClassifier(contentsOf: modelURL)
/// let chosen = try classifier.chooseOperatingPoint(.precision(0.95), texts: devTexts, labels: devLabels)
/// chosen.coverage        // e.g. 0.81: the share of these rows answered
/// chosen.precision       // ≥ 0.95 on these rows (not on new ones: measure on others)
/// classifier.operatingPoint?.thresholds   // per label: the probability it needs
/// ```
public struct OperatingPoint: Codable, Equatable, Sendable {
    /// What the thresholds were chosen for.
    public enum Target: Equatable, Sendable {
        /// Of the texts answered with a label, at least this share right (per label).
        case precision(Double)
        /// Of the texts that have a label, at least this share answered with it (per label).
        case recall(Double)

        /// The target's number.
        public var value: Double {
            switch self { case let .precision(p), let .recall(p): p }
        }
    }

    /// What the thresholds were chosen for.
    public var target: Target
    /// One per label (a taxonomy: per node, leaves first, as ``LabelTree``): the probability a
    /// text needs to be answered with it; `nil`, never (the target could not be reached).
    public var thresholds: [Float?]

    /// An operating point with these thresholds.
    public init(target: Target, thresholds: [Float?]) {
        self.target = target
        self.thresholds = thresholds
    }

    /// Labels (or nodes) whose own rows were fewer than this take the threshold chosen over all
    /// the labels of their level: a handful of rows has a "best" threshold that is mostly noise.
    public static let minimumRowsPerLabel = 30

    // MARK: Deciding

    /// The node a single-label row of class probabilities is answered with, and its
    /// probability; `nil` when not even the first step reaches its threshold. (A model without
    /// an operating point answers the most probable class.)
    func answer(_ probabilities: ArraySlice<Float>, tree: LabelTree?) -> (node: Int, probability: Float)? {
        guard let tree else {
            let best = ClassificationHead.argmax(probabilities)
            let p = probabilities[probabilities.startIndex + best]
            return thresholds[best].map { p >= $0 } == true ? (best, p) : nil
        }
        let nodes = tree.probabilities(ofLeaves: probabilities)
        var answer: (node: Int, probability: Float)?
        var candidates = tree.topLevel
        while let best = Self.mostProbable(candidates, nodes), let threshold = thresholds[best], nodes[best] >= threshold {
            answer = (best, nodes[best])
            candidates = tree.children[best]
        }
        return answer
    }

    /// The most probable of `nodes` (the first of equals), `nil` for none.
    static func mostProbable(_ nodes: [Int], _ probabilities: [Float]) -> Int? {
        nodes.dropFirst().reduce(nodes.first) { best, node in probabilities[node] > probabilities[best!] ? node : best }
    }

    /// The nodes a walk with every threshold at 0 passes, top first: what each node's threshold
    /// is chosen on.
    static func fullPath(_ nodes: [Float], tree: LabelTree) -> [Int] {
        var path = [Int](), candidates = tree.topLevel
        while let best = mostProbable(candidates, nodes) {
            path.append(best)
            candidates = tree.children[best]
        }
        return path
    }

    // MARK: Choosing

    /// The thresholds that reach `target` on rows of class probabilities `[n, classes]` (a
    /// binary model's `[1 − p, p]`) with each row's class (a taxonomy: its node).
    ///
    /// A label is judged on the rows the walk would answer with it: for a precision target,
    /// the rows whose walk (every threshold at 0) passes it and would stop there, its most
    /// probable child (if any) falling short of the child's threshold, chosen first, deepest
    /// level up; its threshold is the lowest probability at which those rows at or above it
    /// are right at least that often (the most answered), so that every label's answers, and
    /// so all of them, reach the target on these rows. For a recall target, the rows whose walk
    /// passes it: the highest probability at which at least that share of the rows that have
    /// the label are answered with it or below it (0 when even all of them fall short). A
    /// label with fewer than ``minimumRowsPerLabel`` such rows takes the threshold chosen over
    /// every label of its level.
    static func chosen(for target: Target, probabilities: [Float], classes: Int, labels: [Int], tree: LabelTree?) -> OperatingPoint {
        let nodeCount = tree?.paths.count ?? classes
        // Per row: the nodes its walk passes (top first) with their probabilities; per node,
        // how many rows have it (recall's denominator).
        var paths = [[(node: Int, probability: Float)]](), having = [Int](repeating: 0, count: nodeCount)
        for (r, label) in labels.enumerated() {
            let row = probabilities[r * classes ..< (r + 1) * classes]
            if let tree {
                let nodes = tree.probabilities(ofLeaves: row)
                paths.append(fullPath(nodes, tree: tree).map { ($0, nodes[$0]) })
                var node: Int? = label
                while let n = node { having[n] += 1; node = tree.parents[n] }
            } else {
                let best = ClassificationHead.argmax(row)
                paths.append([(best, row[row.startIndex + best])])
                having[label] += 1
            }
        }
        var thresholds = [Float?](repeating: nil, count: nodeCount)
        for level in (1...(tree?.depth ?? 1)).reversed() {
            // Per node of this level: (probability, right) of its rows.
            var candidates = [Int: [(Float, Bool)]]()
            for (path, label) in zip(paths, labels) where path.count >= level {
                let (node, p) = path[level - 1]
                // A row known only to a node above this level cannot say whether this one is right.
                guard let tree else { candidates[node, default: []].append((p, node == label)); continue }
                guard tree.depths[label] >= level || label < tree.leafCount else { continue }
                if case .precision = target, path.count > level {
                    let child = path[level]
                    if let t = thresholds[child.node], child.probability >= t { continue }  // answered below
                }
                candidates[node, default: []].append((p, tree.isNode(label, within: node)))
            }
            let nodes = (0..<nodeCount).filter { (tree?.depths[$0] ?? 1) == level }
            let pooled = threshold(for: target, nodes.flatMap { candidates[$0] ?? [] }, having: nodes.reduce(0) { $0 + having[$1] })
            for node in nodes {
                let rows = candidates[node] ?? []
                thresholds[node] = rows.count >= minimumRowsPerLabel ? threshold(for: target, rows, having: having[node]) : pooled
            }
        }
        return OperatingPoint(target: target, thresholds: thresholds)
    }

    /// Multi-label: per label, the lowest threshold (precision) or the highest (recall) that
    /// reaches the target on rows of sigmoid outputs `[n, labels]` and their 0/1 targets; each
    /// label is decided alone, so every row is a candidate.
    static func chosen(for target: Target, probabilities: [Float], targets: [Float], labels k: Int) -> OperatingPoint {
        let n = targets.count / k
        return OperatingPoint(target: target, thresholds: (0..<k).map { j in
            let rows = (0..<n).map { (probabilities[$0 * k + j], targets[$0 * k + j] > 0.5) }
            return threshold(for: target, rows, having: rows.filter(\.1).count)
        })
    }

    /// One label's threshold from its candidate rows (probability, right) and the rows that
    /// have it; see ``chosen(for:probabilities:classes:labels:tree:)``.
    static func threshold(for target: Target, _ rows: [(Float, Bool)], having: Int) -> Float? {
        let sorted = rows.sorted { $0.0 > $1.0 }
        var right = 0, chosen: Float?
        var k = 0
        while k < sorted.count {
            // Rows of equal probability are answered together.
            var end = k
            while end < sorted.count && sorted[end].0 == sorted[k].0 {
                if sorted[end].1 { right += 1 }
                end += 1
            }
            switch target {
            case let .precision(p):
                if Double(right) >= p * Double(end) { chosen = sorted[k].0 }
            case let .recall(p):
                if chosen == nil && Double(right) >= p * Double(having) { chosen = sorted[k].0 }
            }
            k = end
        }
        if case .recall = target, chosen == nil { return sorted.isEmpty ? nil : 0 }
        return chosen
    }
}

extension OperatingPoint.Target: CustomStringConvertible {
    /// `precision 0.95`, `recall 0.9`.
    public var description: String {
        switch self {
        case let .precision(p): "precision \(p)"
        case let .recall(p): "recall \(p)"
        }
    }
}

extension OperatingPoint.Target: Codable {
    private enum CodingKeys: String, CodingKey { case precision, recall }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let p = try container.decodeIfPresent(Double.self, forKey: .precision) {
            self = .precision(p)
        } else {
            self = .recall(try container.decode(Double.self, forKey: .recall))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case let .precision(p): try container.encode(p, forKey: .precision)
        case let .recall(p): try container.encode(p, forKey: .recall)
        }
    }
}
