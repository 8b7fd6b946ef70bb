/// Labels that form a tree (a taxonomy), each written as its path from the top:
/// `数码/手机/配件`. The model's classes are the leaves; an inner node's probability is the
/// sum of its leaves' (a softmax over leaves), so a parent is never less probable than a
/// child and a text can be answered at any depth.
///
/// Nodes are numbered leaves first, in class-index order, then the inner nodes. Leaves are
/// ordered by their components (`a/x` < `a/y` < `b/z`), so that every node's leaves are one
/// contiguous range of class indices (``leaves``): the loss of a row labelled only to an
/// inner node and every node's probability are sums over that range.
///
/// ```swift
/// let tree = try LabelTree(paths: ["财经/stocks", "财经/realty", "娱乐/game", "财经"], separator: "/")
/// tree.leafPaths                    // ["娱乐/game", "财经/realty", "财经/stocks"]
/// tree.node(ofPath: "财经")          // 4 (inner nodes follow the 3 leaves)
/// tree.leaves[4]                    // 1..<3
/// tree.probabilities(ofLeaves: [0.1, 0.6, 0.3])   // [0.1, 0.6, 0.3, 0.1, 0.9]
/// ```
public struct LabelTree: Equatable, Sendable {
    /// What joins a path's components (`/` by default in `textclf fit --taxonomy`).
    public let separator: String
    /// Every node's path, components joined by ``separator``: the leaves, then the inner nodes.
    public let paths: [String]
    /// How many of ``paths`` are leaves (the model's classes).
    public let leafCount: Int
    /// Each node's parent, `nil` at the top level.
    public let parents: [Int?]
    /// Each node's depth: 1 at the top level.
    public let depths: [Int]
    /// Each node's leaves as class indices (a leaf: itself alone).
    public let leaves: [Range<Int>]
    /// Each node's children, in order; empty for a leaf.
    public let children: [[Int]]
    /// The top-level nodes, in order.
    public let topLevel: [Int]

    /// The deepest level (2 for `a/b` paths).
    public var depth: Int { depths.max() ?? 0 }
    /// The leaves' paths, in class-index order: the classifier's label names.
    public var leafPaths: ArraySlice<String> { paths[..<leafCount] }
    /// Node indices at `depth` (1 = top level).
    public func nodes(atDepth depth: Int) -> [Int] { paths.indices.filter { depths[$0] == depth } }

    private let index: [String: Int]

    /// The tree whose nodes are every path given and every prefix of one. A path's components
    /// are trimmed of spaces; an empty component (`a//b`, `/a`) is an error, as is a tree of
    /// fewer than three leaves.
    public init(paths given: some Sequence<String>, separator: String) throws {
        guard !separator.isEmpty else {
            throw TextClassificationError.invalidArgument(name: "taxonomy separator", value: "\"\"", expected: "a non-empty string")
        }
        var nodes = Set<[String]>()
        for path in given {
            let components = try Self.components(of: path, separator: separator)
            for end in 1...components.count { nodes.insert(Array(components[..<end])) }
        }
        let inner = Set(nodes.map { $0.dropLast() }.filter { !$0.isEmpty }.map(Array.init))
        let precedes: ([String], [String]) -> Bool = { $0.lexicographicallyPrecedes($1) }
        let leafNodes = nodes.subtracting(inner).sorted(by: precedes)
        let innerNodes = inner.sorted(by: precedes)
        guard leafNodes.count >= 3 else {
            throw TextClassificationError.invalidTrainingData(
                reason: "a taxonomy needs at least three leaves; the labels make \(leafNodes.count) (two labels make a binary classifier: fit without --taxonomy)")
        }
        let all = leafNodes + innerNodes
        let position = Dictionary(uniqueKeysWithValues: all.enumerated().map { ($1, $0) })
        self.separator = separator
        paths = all.map { $0.joined(separator: separator) }
        leafCount = leafNodes.count
        parents = all.map { $0.count > 1 ? position[Array($0.dropLast())] : nil }
        depths = all.map(\.count)
        var children = [[Int]](repeating: [], count: all.count), topLevel = [Int]()
        // Children in path order: leaves and inner nodes of one parent interleaved as their paths sort.
        for node in all.indices.sorted(by: { precedes(all[$0], all[$1]) }) {
            if let parent = parents[node] { children[parent].append(node) } else { topLevel.append(node) }
        }
        self.children = children
        self.topLevel = topLevel
        // A node's leaves are contiguous in leaf order: those whose components start with its own.
        leaves = all.map { node in
            let first = leafNodes.partitioningIndex { !precedes($0, node) }
            var end = first
            while end < leafNodes.count, leafNodes[end].starts(with: node) { end += 1 }
            return first ..< end
        }
        index = Dictionary(uniqueKeysWithValues: paths.enumerated().map { ($1, $0) })
    }

    /// The node a label cell names (components trimmed as in ``init(paths:separator:)``), if any.
    public func node(ofPath path: String) -> Int? {
        if let node = index[path] { return node }
        return (try? Self.components(of: path, separator: separator)).flatMap { index[$0.joined(separator: separator)] }
    }

    /// Whether `node` is `ancestor` or below it.
    public func isNode(_ node: Int, within ancestor: Int) -> Bool {
        var current: Int? = node
        while let n = current {
            if n == ancestor { return true }
            current = parents[n]
        }
        return false
    }

    /// `node`'s ancestor at `depth`, or `node` itself when it is not deeper than that.
    public func ancestor(of node: Int, atDepth depth: Int) -> Int {
        var node = node
        while depths[node] > depth, let parent = parents[node] { node = parent }
        return node
    }

    /// Every node's probability from the leaves' (one row, in class-index order): a leaf's
    /// own, an inner node's the sum of its leaves'.
    public func probabilities(ofLeaves row: some Collection<Float>) -> [Float] {
        let leafProbabilities = Array(row)
        precondition(leafProbabilities.count == leafCount, "one probability per leaf")
        return leafProbabilities + leaves[leafCount...].map { range in range.reduce(0) { $0 + leafProbabilities[$1] } }
    }

    static func components(of path: String, separator: String) throws -> [String] {
        let components = path.components(separatedBy: separator).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !components.contains(where: \.isEmpty) else {
            throw TextClassificationError.invalidArgument(
                name: "taxonomy label", value: "\"\(path)\"",
                expected: "a path of non-empty names joined by \"\(separator)\" (e.g. \"a\(separator)b\")")
        }
        return components
    }
}

extension Array {
    /// The first index whose element satisfies `belongs`, for a predicate false then true along the array.
    fileprivate func partitioningIndex(where belongs: (Element) -> Bool) -> Int {
        var low = 0, high = count
        while low < high {
            let middle = (low + high) / 2
            if belongs(self[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
