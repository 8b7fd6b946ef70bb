import CKernels

/// The bag's training scratch, kept across a fit's batches so that a batch costs its tokens,
/// never the vocabulary and never a hash: a table from each token to its slot among the
/// batch's distinct tokens (only the entries a batch set are reset after it), each
/// position's slot, and each shard's gradient sums by slot.
///
/// Slots are handed out in order of first use over the batch's positions, row after row,
/// which is the order the shards' rows merge in: the same rows, in the same order, with the
/// same sums as a dictionary per shard gave (the model's bytes do not change).
final class BagWorkspace: @unchecked Sendable {
    /// One shard's buffers, touched by that shard's thread only.
    final class Shard: @unchecked Sendable {
        /// `[slots, width]`: the shard's gradient summed by slot, and its per-position squares.
        /// Only the rows of the slots in ``touched`` hold this batch's sums; the others are
        /// stale, never zeroed: a batch holds thousands of distinct n-grams, and zeroing every
        /// shard's tables cost more than filling them (see ``combine(_:width:squares:)``).
        var sums: [Float] = []
        var squares: [Float] = []
        /// Per slot: whether a position of this shard added to it.
        var touched: [Bool] = []
        /// The embedding dropout masks of the shard's positions, in order, for the backward pass.
        var masks: [Float] = []
    }

    private var slotOfToken: [Int32]
    /// The batch's distinct tokens (padding excluded), in order of first use.
    private(set) var tokens: [Int32] = []
    /// Each non-padding position's slot, batch row after batch row.
    private(set) var positionSlots: [Int32] = []
    /// `rowStarts[b]`: where batch row b's positions begin in ``positionSlots`` (one more entry at the end).
    private(set) var rowStarts: [Int] = []
    /// How many positions ahead ``assign(_:)`` asks for a token's slot.
    private static let prefetchDistance = 16
    /// Whether ``assign(_:)`` has run for the current batch.
    private(set) var isAssigned = false
    let shards: [Shard]

    /// Scratch for an embedding of `vocabulary` rows, batches split into `shards`.
    init(vocabulary: Int, shards: Int = Parallel.trainingShards) {
        slotOfToken = [Int32](repeating: -1, count: vocabulary)
        self.shards = (0..<shards).map { _ in Shard() }
    }

    /// Gives every token of `indices` (validated against the embedding) its slot.
    func assign(_ indices: IndexMatrix) {
        if isAssigned { release() }
        // Filled as locals: appending to a class's arrays checks exclusive access every time.
        var positionSlots = take(\.positionSlots), rowStarts = take(\.rowStarts), tokens = take(\.tokens)
        positionSlots.removeAll(keepingCapacity: true)
        rowStarts.removeAll(keepingCapacity: true)
        let steps = indices.columns
        indices.storage.withUnsafeBufferPointer { ids in
            // First every position's token, row by row (sequential reads)…
            for r in 0..<indices.rows {
                rowStarts.append(positionSlots.count)
                let row = ids.baseAddress! + r * steps
                for t in 0..<steps where row[t] != 0 { positionSlots.append(row[t]) }
            }
        }
        // …then each replaced by its slot. The table is vocabulary-sized and read at random
        // (a cache miss a position at a million rows), so the entry some positions ahead is
        // asked for early, and the misses overlap.
        positionSlots.withUnsafeMutableBufferPointer { positions in
            slotOfToken.withUnsafeMutableBufferPointer { slotOf in
                let count = positions.count, ahead = Self.prefetchDistance
                for k in 0..<count {
                    if k + ahead < count { textclf_prefetch(slotOf.baseAddress! + Int(positions[k + ahead]), 4) }
                    let token = positions[k]
                    var slot = slotOf[Int(token)]
                    if slot < 0 {
                        slot = Int32(tokens.count)
                        slotOf[Int(token)] = slot
                        tokens.append(token)
                    }
                    positions[k] = slot
                }
            }
        }
        rowStarts.append(positionSlots.count)
        (self.positionSlots, self.rowStarts, self.tokens) = (positionSlots, rowStarts, tokens)
        isAssigned = true
    }

    /// A buffer moved out (left empty), so that the caller holds the only reference.
    private func take<Element>(_ path: ReferenceWritableKeyPath<BagWorkspace, [Element]>) -> [Element] {
        defer { self[keyPath: path] = [] }
        return self[keyPath: path]
    }

    /// Forgets the batch: resets the slots it set.
    func release() {
        slotOfToken.withUnsafeMutableBufferPointer { slotOf in
            for token in tokens { slotOf[Int(token)] = -1 }
        }
        tokens.removeAll(keepingCapacity: true)
        isAssigned = false
    }
}

extension BagWorkspace.Shard {
    /// Pointers to a shard's tables, for the threads that share them out by slot.
    struct Tables: @unchecked Sendable {
        let sums: UnsafeMutablePointer<Float>?, squares: UnsafeMutablePointer<Float>?
        let touched: UnsafeMutablePointer<Bool>?
    }

    /// Runs `body` with pointers to the tables (which nothing resizes meanwhile).
    func withTables<Result>(_ body: (Tables) -> Result) -> Result {
        sums.withUnsafeMutableBufferPointer { sums in
            squares.withUnsafeMutableBufferPointer { squares in
                touched.withUnsafeMutableBufferPointer { touched in
                    body(Tables(sums: sums.baseAddress, squares: squares.baseAddress, touched: touched.baseAddress))
                }
            }
        }
    }
}

extension BagWorkspace {
    /// Each slot's sums over the first `count` shards, added in shard order, left in the first
    /// shard's tables; returns whether they are all finite (true unchecked without
    /// `checksFinite`). A shard's sum starts at +0 and so is never −0, and 0 + s = s exactly:
    /// adding only the shards that touched a slot (copying the first) gives the sums that
    /// adding whole zero-filled tables gave, to the bit.
    func combine(_ count: Int, width: Int, squares: Bool, checksFinite: Bool = true) -> Bool {
        let slots = tokens.count
        let parts = slots * width >= AdamMoments.parallelThreshold ? Parallel.threads : 1
        return shards[0].withTables { target in
            func merge(_ source: Shard.Tables?, last: Bool) -> Bool {
                Self.merge(source, into: target, slots: slots, width: width, squares: squares, parts: parts,
                           fillsUntouched: last, checks: last && checksFinite)
            }
            guard count > 1 else { return merge(nil, last: true) }
            var finite = true
            for s in 1..<count { finite = shards[s].withTables { merge($0, last: s == count - 1) } }
            return finite
        }
    }

    /// Adds (or copies, where `target` holds no sum yet) the slots `source` touched into
    /// `target`, in `parts` ranges of slots at once; with `fillsUntouched`, zero-fills the
    /// slots no shard touched; with `checks`, returns whether every sum is finite.
    private static func merge(_ source: Shard.Tables?, into target: Shard.Tables, slots: Int, width: Int, squares: Bool,
                              parts: Int, fillsUntouched: Bool, checks: Bool) -> Bool {
        var finite = [Bool](repeating: true, count: parts)
        finite.withUnsafeMutableBufferPointer { finite in
            let finite = SharedPointer(base: finite.baseAddress!)
            Parallel.forEach(parts) { part in
                for slot in slots * part / parts ..< slots * (part + 1) / parts {
                    let row = slot * width, holdsSum = target.touched![slot]
                    if let source, source.touched![slot] {
                        func merge(_ from: UnsafeMutablePointer<Float>, into to: UnsafeMutablePointer<Float>) {
                            if holdsSum { VectorMath.add(from + row, into: to + row, count: width) }
                            else { (to + row).update(from: from + row, count: width) }
                        }
                        merge(source.sums!, into: target.sums!)
                        if squares { merge(source.squares!, into: target.squares!) }
                        target.touched![slot] = true
                    } else if fillsUntouched && !holdsSum {
                        (target.sums! + row).update(repeating: 0, count: width)
                        if squares { (target.squares! + row).update(repeating: 0, count: width) }
                    }
                    if checks && !(VectorMath.allFinite(target.sums! + row, count: width)
                                   && (!squares || VectorMath.allFinite(target.squares! + row, count: width))) {
                        finite.base[part] = false
                    }
                }
            }
        }
        return !finite.contains(false)
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
