import CKernels

/// Index sequences of different lengths in one contiguous buffer (ragged rows): the training
/// texts as the model reads them, without padding. A million headlines of ~80 n-grams hold
/// 320 MB this way, against 800 MB padded to 200 steps; a batch is padded when it is read
/// (``batch(_:)``), to the same matrix the whole padded set would give it.
///
/// ```swift
/// var sequences = TokenSequences(padding: try Padding(length: 4))
/// sequences.append([1, 2])
/// sequences.append([1, 2, 3, 4, 5])          // kept as [2, 3, 4, 5]: pre-truncating
/// sequences.batch([1, 0]).storage            // [2, 3, 4, 5,  0, 0, 1, 2]
/// ```
public struct TokenSequences: TrainingRows, Sendable {
    /// How rows are cut when appended and padded when read.
    public private(set) var padding: Padding
    /// Row `r` is `tokens[offsets[r] ..< offsets[r + 1]]`.
    public private(set) var offsets: [Int] = [0]
    /// Every row's token indices, one after another.
    public private(set) var tokens: [Int32] = []
    /// The longest row's length.
    public private(set) var longest = 0

    /// Empty rows, padded later with `padding` batch by batch.
    public init(padding: Padding) {
        self.padding = padding
    }

    /// The number of rows.
    public var count: Int { offsets.count - 1 }

    /// The padded length of a batch: the padding's length, or (for `length: nil`) the longest row.
    public var columns: Int { padding.length ?? longest }

    /// Every row's tokens, one after another (for counting which rows of the embedding are used).
    public var flatIndices: [Int32] { tokens }

    /// One row's token indices, unpadded.
    public subscript(row: Int) -> ArraySlice<Int32> { tokens[offsets[row] ..< offsets[row + 1]] }

    /// Makes room for `rows` more rows of `tokens` more indices in all, so that growing does
    /// not copy (doubling a buffer of hundreds of megabytes holds both copies for a moment).
    public mutating func reserve(rows: Int, tokens: Int) {
        offsets.reserveCapacity(offsets.count + rows)
        self.tokens.reserveCapacity(self.tokens.count + tokens)
    }

    /// Adds a row, cut to the padding's length at its truncating side.
    public mutating func append<Indices: Collection>(_ sequence: Indices) where Indices.Element == Int32 {
        if let length = padding.length, sequence.count > length {
            tokens += padding.truncating == .pre ? Array(sequence.suffix(length)) : Array(sequence.prefix(length))
        } else {
            tokens += sequence
        }
        longest = max(longest, tokens.count - offsets[offsets.count - 1])
        offsets.append(tokens.count)
    }

    /// Rewrites every index through `transform` in place, dropping those it maps to `nil`,
    /// then cuts each row to `padding`'s length, which the rows take from then on: the memory
    /// of one copy, never two.
    public mutating func map(cuttingTo padding: Padding, _ transform: (Int32) -> Int32?) {
        self.padding = padding
        var write = 0, longest = 0
        let offsets = offsets, rows = count, length = padding.length ?? Int.max, pre = padding.truncating == .pre
        var newOffsets = [Int](repeating: 0, count: offsets.count)
        tokens.withUnsafeMutableBufferPointer { t in
            for r in 0..<rows {
                let start = write
                for k in offsets[r] ..< offsets[r + 1] {
                    if let index = transform(t[k]) {
                        t[write] = index
                        write += 1
                    }
                }
                if write - start > length {
                    // Rows only shrink, so moving the kept part down never overwrites unread input.
                    if pre {
                        for k in 0..<length { t[start + k] = t[write - length + k] }
                    }
                    write = start + length
                }
                newOffsets[r + 1] = write
                longest = max(longest, write - start)
            }
        }
        tokens.removeLast(tokens.count - write)
        self.offsets = newOffsets
        self.longest = longest
    }

    /// Rows `rows`, in that order, padded as ``padding`` pads (cut rows were cut on append).
    public func batch<Rows: Collection>(_ rows: Rows) -> IndexMatrix where Rows.Element == Int {
        let width = columns
        var storage = [Int32](repeating: padding.value, count: rows.count * width)
        storage.withUnsafeMutableBufferPointer { out in
            tokens.withUnsafeBufferPointer { t in
                // A batch's rows lie at random in a corpus far larger than the caches: every
                // row's offsets, then every row's tokens, are asked for before any is read,
                // so that their misses overlap rather than queue.
                offsets.withUnsafeBufferPointer { o in
                    for r in rows { textclf_prefetch(o.baseAddress! + r, 16) }
                    for r in rows {
                        let kept = min(o[r + 1] - o[r], width)
                        let source = padding.truncating == .pre ? o[r + 1] - kept : o[r]
                        if kept > 0 { textclf_prefetch(t.baseAddress! + source, Int64(kept * 4)) }
                    }
                }
                for (b, r) in rows.enumerated() {
                    let start = offsets[r], kept = min(offsets[r + 1] - start, width)
                    let first = b * width + (padding.padding == .pre ? width - kept : 0)
                    let source = padding.truncating == .pre ? offsets[r + 1] - kept : start
                    for k in 0..<kept { out[first + k] = t[source + k] }
                }
            }
        }
        return IndexMatrix(rows: rows.count, columns: width, storage: storage)
    }
}

/// The rows a model trains on: a padded ``IndexMatrix``, or ``TokenSequences`` padded batch by batch.
public protocol TrainingRows: Sendable {
    /// How many rows.
    var count: Int { get }
    /// The steps of every batch.
    var columns: Int { get }
    /// Every index of every row (for checking them against the embedding).
    var flatIndices: [Int32] { get }
    /// Rows `rows`, in that order, as a padded matrix.
    func batch<Rows: Collection>(_ rows: Rows) -> IndexMatrix where Rows.Element == Int
}

extension IndexMatrix: TrainingRows {
    /// The number of rows.
    public var count: Int { rows }
    /// The padded rows, row-major.
    public var flatIndices: [Int32] { storage }
    /// The rows `rows`, as a padded matrix (already padded here).
    public func batch<Rows: Collection>(_ rows: Rows) -> IndexMatrix where Rows.Element == Int { self.rows(rows) }
}
