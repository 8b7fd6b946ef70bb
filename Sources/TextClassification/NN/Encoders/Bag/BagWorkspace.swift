/// The bag's training scratch, kept across a fit's batches so that a batch costs its tokens,
/// never the vocabulary and never a hash: each token's slot among the batch's distinct tokens
/// (``TokenSlots``), each position's slot, and each shard's gradient sums by slot.
///
/// Slots are handed out in order of first use over the batch's positions, row after row,
/// which is the order the shards' rows merge in: the same rows, in the same order, with the
/// same sums as a dictionary per shard gave (the model's bytes do not change).
final class BagWorkspace: @unchecked Sendable {
    /// One shard's buffers, touched by that shard's thread only.
    final class Shard: @unchecked Sendable {
        /// `[slots, width]`: the shard's gradient summed by slot, its per-position squares, and
        /// which slots a position of this shard added to (``RowSums``).
        var sums: [Float] = [], squares: [Float] = [], touched: [Bool] = []
        /// The embedding dropout masks of the shard's positions, in order, for the backward pass.
        var masks: [Float] = []
    }

    private let slots: TokenSlots
    /// The batch's distinct tokens (padding excluded), in order of first use.
    var tokens: [Int32] { slots.tokens }
    /// Each non-padding position's slot, batch row after batch row.
    private(set) var positionSlots: [Int32] = []
    /// `rowStarts[b]`: where batch row b's positions begin in ``positionSlots`` (one more entry at the end).
    private(set) var rowStarts: [Int] = []
    /// Whether ``assign(_:)`` has run for the current batch.
    private(set) var isAssigned = false
    let shards: [Shard]

    /// Scratch for an embedding of `vocabulary` rows, batches split into `shards`.
    init(vocabulary: Int, shards: Int = Parallel.trainingShards) {
        slots = TokenSlots(vocabulary: vocabulary)
        self.shards = (0..<shards).map { _ in Shard() }
    }

    /// Gives every token of `indices` (validated against the embedding) its slot.
    func assign(_ indices: IndexMatrix) {
        if isAssigned { release() }
        // Filled as locals: appending to a class's arrays checks exclusive access every time.
        var positionSlots = take(\.positionSlots), rowStarts = take(\.rowStarts)
        positionSlots.removeAll(keepingCapacity: true)
        rowStarts.removeAll(keepingCapacity: true)
        let steps = indices.columns
        indices.storage.withUnsafeBufferPointer { ids in
            // First every position's token, row by row (sequential reads), then its slot.
            for r in 0..<indices.rows {
                rowStarts.append(positionSlots.count)
                let row = ids.baseAddress! + r * steps
                for t in 0..<steps where row[t] != 0 { positionSlots.append(row[t]) }
            }
        }
        positionSlots.withUnsafeMutableBufferPointer { slots.assign(replacing: $0) }
        rowStarts.append(positionSlots.count)
        (self.positionSlots, self.rowStarts) = (positionSlots, rowStarts)
        isAssigned = true
    }

    /// A buffer moved out (left empty), so that the caller holds the only reference.
    private func take<Element>(_ path: ReferenceWritableKeyPath<BagWorkspace, [Element]>) -> [Element] {
        defer { self[keyPath: path] = [] }
        return self[keyPath: path]
    }

    /// Forgets the batch: resets the slots it set.
    func release() {
        slots.reset()
        isAssigned = false
    }

    /// Each slot's sums over the first `count` shards, added in shard order, left in the first
    /// shard's tables (``RowSums/combine(_:rows:columns:)``, slots shared out among the cores);
    /// returns whether they are all finite (true unchecked without `checksFinite`).
    func combine(_ count: Int, width: Int, checksFinite: Bool) -> Bool {
        let slots = tokens.count, parts = slots * width >= AdamMoments.parallelThreshold ? Parallel.threads : 1
        var finite = [Bool](repeating: true, count: parts)
        Shard.withSums(of: shards[..<count], width: width) { all in
            finite.withUnsafeMutableBufferPointer { finite in
                let finite = SharedPointer(base: finite.baseAddress!), all = UncheckedSendable(all)
                Parallel.forEach(parts) { part in
                    let rows = slots * part / parts ..< slots * (part + 1) / parts
                    RowSums.combine(all.value, rows: rows, columns: 0..<width)
                    if checksFinite && !all.value[0].allFinite(rows: rows) { finite.base[part] = false }
                }
            }
        }
        return !finite.contains(false)
    }
}

extension BagWorkspace.Shard {
    /// Sizes the tables for `slots` rows of `width` (squares only if asked), none touched; the
    /// buffers and the values they hold are kept (``RowSums``: stale rows are never read).
    func reserve(slots: Int, width: Int, squares: Bool) {
        sums.resize(to: slots * width, filler: 0)
        self.squares.resize(to: squares ? slots * width : 0, filler: 0)
        touched.resize(to: slots, filler: false)
        touched.withUnsafeMutableBufferPointer { $0.update(repeating: false) }
    }

    /// Runs `body` with the tables as ``RowSums`` (which nothing resizes meanwhile).
    func withSums<Result>(width: Int, _ body: (RowSums) -> Result) -> Result {
        sums.withUnsafeMutableBufferPointer { sums in
            squares.withUnsafeMutableBufferPointer { squares in
                touched.withUnsafeMutableBufferPointer { touched in
                    body(RowSums(sums: RowTable(sums.baseAddress!, width: width),
                                 squares: squares.isEmpty ? nil : RowTable(squares.baseAddress!, width: width),
                                 touched: touched.baseAddress!))
                }
            }
        }
    }

    /// Runs `body` with the sums of every shard of `shards`, in order.
    static func withSums<Result>(of shards: ArraySlice<BagWorkspace.Shard>, width: Int,
                                 _ body: ([RowSums]) -> Result) -> Result {
        guard let first = shards.first else { return body([]) }
        return first.withSums(width: width) { sums in withSums(of: shards.dropFirst(), width: width) { body([sums] + $0) } }
    }
}

extension Array {
    /// `count` elements, keeping the buffer and the values it holds (no allocation once it is
    /// large enough); new elements are `filler`.
    mutating func resize(to count: Int, filler: Element) {
        if self.count > count { removeLast(self.count - count) }
        if self.count < count { append(contentsOf: repeatElement(filler, count: count - self.count)) }
    }
}
