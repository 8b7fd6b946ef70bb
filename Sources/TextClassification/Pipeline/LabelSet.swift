import Foundation

/// A classifier's label names and how the label cells of a data file map to them.
///
/// Single-label data (one label per cell): two distinct labels make a binary classifier,
/// more a multi-class one. Multi-label data: each cell holds a set of labels joined by
/// `separator` (`体育|财经`), an empty cell meaning none of them.
///
/// Names are ordered numerically when every one is a number (`0` before `1`, `2` before
/// `10`), else alphabetically by Unicode scalars; for a binary classifier the second is the
/// positive label (label 1).
///
/// ```swift
/// let data = try LabelledCSV(url: URL(fileURLWithPath: "Data/thucnews-train.csv"))
/// let labels = try LabelSet(inferringFrom: data)
/// labels.head                     // .multiClass
/// let targets = try labels.classIndices(of: data)   // [Int], one per row
/// ```
public struct LabelSet: Equatable, Sendable {
    /// More distinct labels than this is almost certainly the wrong column (texts or ids).
    public static let maximumCount = 10_000

    /// The labels' names; a label's index is its class index in the model.
    public let names: [String]
    /// The task the labels make: binary, multi-class or multi-label.
    public let head: ClassificationHead.Kind
    /// Multi-label only: what joins the labels of one cell.
    public let separator: String
    /// A taxonomy's tree (``LabelTree``): ``names`` are its leaves' paths and a label cell
    /// may also name an inner node (class index ``LabelTree/node(ofPath:)``, past the
    /// leaves'); `nil` for flat labels.
    public let tree: LabelTree?

    /// Labels by name. Throws if a name repeats, if the count does not fit the head (binary:
    /// two; multi-class: three or more; multi-label: one or more) or exceeds ``maximumCount``,
    /// or if a multi-label separator is empty.
    public init(names: [String], head: ClassificationHead.Kind, separator: String = "|") throws {
        try self.init(names: names, head: head, separator: separator, tree: nil)
    }

    private init(names: [String], head: ClassificationHead.Kind, separator: String, tree: LabelTree?) throws {
        guard Set(names).count == names.count else {
            throw TextClassificationError.invalidArgument(name: "label names", value: names.description,
                                                          expected: "different names")
        }
        switch head {
        case .binary where names.count != 2, .multiClass where names.count < 3, .multiLabel where names.isEmpty:
            throw TextClassificationError.invalidArgument(
                name: "label names for a \(head) head", value: "\(names.count) names",
                expected: head == .binary ? "two" : head == .multiClass ? "three or more" : "at least one")
        default: break
        }
        guard names.count <= Self.maximumCount else {
            throw TextClassificationError.invalidArgument(name: "label count", value: String(names.count),
                                                          expected: "at most \(Self.maximumCount)")
        }
        guard head != .multiLabel || !separator.isEmpty else {
            throw TextClassificationError.invalidArgument(name: "label separator", value: "\"\"", expected: "a non-empty string")
        }
        self.names = names
        self.head = head
        self.separator = separator
        self.tree = tree
    }

    /// The labels of a taxonomy: its leaves, a multi-class head (``LabelTree``).
    public init(tree: LabelTree) throws {
        try self.init(names: Array(tree.leafPaths), head: .multiClass, separator: tree.separator, tree: tree)
    }

    /// The labels of training data whose label cells are paths of a taxonomy joined by
    /// `separator` (`财经/stocks`, or `财经` alone for a row known only to that level).
    /// - Throws: naming the file and line: an empty cell or path component; and for the
    ///   file: fewer than three leaves, more than ``maximumCount``.
    public init(taxonomyOf data: LabelledCSV, separator: String = "/") throws {
        var distinct = Set<String>()
        try Self.collect(data, into: &distinct, multiLabel: false, separator: separator, taxonomy: true)
        try self.init(tree: LabelTree(paths: distinct, separator: separator))
    }

    /// The labels of training data: single-label (binary for two distinct labels,
    /// multi-class for more) or, with `multiLabel`, sets of labels joined by `separator`.
    /// - Throws: naming the file and line: an empty cell (single-label), a cell of only
    ///   separators; and for the file: a single distinct label, more than ``maximumCount``.
    public init(inferringFrom data: LabelledCSV, multiLabel: Bool = false, separator: String = "|") throws {
        guard !multiLabel || !separator.isEmpty else {
            throw TextClassificationError.invalidArgument(name: "label separator", value: "\"\"", expected: "a non-empty string")
        }
        var distinct = Set<String>()
        try Self.collect(data, into: &distinct, multiLabel: multiLabel, separator: separator)
        try self.init(distinct: distinct, source: data.source, multiLabel: multiLabel, separator: separator)
    }

    /// ``init(inferringFrom:multiLabel:separator:)`` over a file read `rows` rows at a time:
    /// memory holds the distinct labels, not the column. `onBlock` hears after each block how
    /// far the pass has got.
    /// `taxonomy`: the cells are paths joined by `separator` (``init(taxonomyOf:separator:)``).
    public init(inferringFrom blocks: LabelledCSV.Blocks, rows: Int = 65_536, multiLabel: Bool = false,
                separator: String = "|", taxonomy: Bool = false, onBlock: ((FilePassProgress) -> Void)? = nil) throws {
        guard !multiLabel || !separator.isEmpty else {
            throw TextClassificationError.invalidArgument(name: "label separator", value: "\"\"", expected: "a non-empty string")
        }
        var distinct = Set<String>(), read = 0
        let pass = blocks.pass(.labels)
        while let block = try blocks.next(rows: rows) {
            try Self.collect(block, into: &distinct, multiLabel: multiLabel, separator: separator, taxonomy: taxonomy)
            read += block.texts.count
            onBlock?(pass.progress(rows: read))
        }
        guard read > 0 else {
            throw TextClassificationError.malformedData(file: blocks.source, line: blocks.headerLine,
                                                        reason: "the file has a header but no data rows")
        }
        if taxonomy {
            try self.init(tree: LabelTree(paths: distinct, separator: separator))
            return
        }
        try self.init(distinct: distinct, source: blocks.source, multiLabel: multiLabel, separator: separator)
    }

    /// Adds the labels of `data`'s rows to `distinct`; throws for an empty one (single label a
    /// row) or too many, naming the line.
    private static func collect(_ data: LabelledCSV, into distinct: inout Set<String>, multiLabel: Bool,
                                separator: String, taxonomy: Bool = false) throws {
        for (cell, line) in zip(data.labels, data.lines) {
            if taxonomy, !cell.isEmpty {
                do {
                    distinct.insert(try LabelTree.components(of: cell, separator: separator).joined(separator: separator))
                } catch {
                    throw TextClassificationError.malformedData(
                        file: data.source, line: line,
                        reason: "the label \"\(cell)\" is not a path of names joined by \"\(separator)\" (an empty name in it); write it as \"parent\(separator)child\"")
                }
            } else if multiLabel {
                distinct.formUnion(try Self.split(cell, separator: separator, file: data.source, line: line))
            } else {
                guard !cell.isEmpty else {
                    throw TextClassificationError.malformedData(
                        file: data.source, line: line,
                        reason: "the label is empty; give every row a label (or use --multi-label, where an empty cell means none)")
                }
                distinct.insert(cell)
            }
            guard distinct.count <= Self.maximumCount else {
                throw TextClassificationError.malformedData(
                    file: data.source, line: line,
                    reason: "more than \(Self.maximumCount) different labels: this is almost certainly not a label column; name the right one (--label-column)")
            }
        }
    }

    /// The labels `distinct` makes: sorted (numbers numerically), the head from their count.
    private init(distinct: Set<String>, source: String, multiLabel: Bool, separator: String) throws {
        let names = distinct.allSatisfy({ Double($0) != nil })
            ? distinct.sorted { Double($0)! != Double($1)! ? Double($0)! < Double($1)! : $0 < $1 }
            : distinct.sorted()
        if multiLabel {
            guard !names.isEmpty else {
                throw TextClassificationError.invalidTrainingData(
                    reason: "\(source) has no labels at all: every label cell is empty")
            }
        } else if names.count < 2 {
            throw TextClassificationError.invalidTrainingData(
                reason: "\(source) has only the label \"\(names.first ?? "")\"; a classifier needs at least two")
        }
        try self.init(names: names, head: multiLabel ? .multiLabel : names.count == 2 ? .binary : .multiClass,
                      separator: separator)
    }

    /// The labels of one multi-label cell: split at `separator`, each trimmed of spaces,
    /// empty parts skipped; an empty cell is no label, a cell of only separators an error.
    static func split(_ cell: String, separator: String, file: String, line: Int) throws -> [String] {
        guard !cell.isEmpty else { return [] }
        let parts = cell.components(separatedBy: separator).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        guard !parts.isEmpty else {
            throw TextClassificationError.malformedData(
                file: file, line: line,
                reason: "the label cell \"\(cell)\" holds only separators; leave it empty for no label, or name the labels")
        }
        return parts
    }

    /// The class index of each row of single-label data; in a taxonomy, the node's index (an
    /// inner node's comes after the leaves': ``LabelTree``).
    /// - Throws: naming the file, line and label, for a label these names do not hold.
    public func classIndices(of data: LabelledCSV) throws -> [Int] {
        precondition(head != .multiLabel, "multi-label data has label sets: use labelSets(of:)")
        if let tree {
            return try zip(data.labels, data.lines).map { label, line in
                guard let node = tree.node(ofPath: label) else { throw unknown(label, file: data.source, line: line) }
                return node
            }
        }
        let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        return try zip(data.labels, data.lines).map { label, line in
            guard let k = index[label] else { throw unknown(label, file: data.source, line: line) }
            return k
        }
    }

    /// The label indices of each row of multi-label data (ascending, no repeats).
    public func labelSets(of data: LabelledCSV) throws -> [[Int]] {
        precondition(head == .multiLabel, "single-label data has one class per row: use classIndices(of:)")
        let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        return try zip(data.labels, data.lines).map { cell, line in
            try Set(Self.split(cell, separator: separator, file: data.source, line: line).map { label in
                guard let k = index[label] else { throw unknown(label, file: data.source, line: line) }
                return k
            }).sorted()
        }
    }

    private func unknown(_ label: String, file: String, line: Int) -> TextClassificationError {
        let shown = names.prefix(12).map { "\"\($0)\"" }.joined(separator: ", ") + (names.count > 12 ? ", …" : "")
        return .malformedData(file: file, line: line,
                              reason: "label \"\(label)\" is not one of the model's \(names.count) labels (\(shown))")
    }

    /// Rows per label (multi-label: rows holding it), in ``names`` order; a taxonomy's rows
    /// labelled to an inner node are not counted.
    public func counts(classIndices: [Int]) -> [Int] {
        var counts = [Int](repeating: 0, count: names.count)
        for k in classIndices where k < names.count { counts[k] += 1 }
        return counts
    }

    /// Rows holding each label (multi-label: a row counts once for every label it holds).
    public func counts(labelSets: [[Int]]) -> [Int] { counts(classIndices: labelSets.flatMap { $0 }) }
}
