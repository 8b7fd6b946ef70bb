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
        var sums: [Float] = []
        var squares: [Float] = []
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
            slotOfToken.withUnsafeMutableBufferPointer { slotOf in
                for r in 0..<indices.rows {
                    rowStarts.append(positionSlots.count)
                    let row = ids.baseAddress! + r * steps
                    for t in 0..<steps where row[t] != 0 {
                        let token = row[t]
                        var slot = slotOf[Int(token)]
                        if slot < 0 {
                            slot = Int32(tokens.count)
                            slotOf[Int(token)] = slot
                            tokens.append(token)
                        }
                        positionSlots.append(slot)
                    }
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

extension Array where Element == Float {
    /// `count` zeros, keeping the buffer (no allocation once it is large enough).
    mutating func resetToZeros(count: Int) {
        if self.count > count { removeLast(self.count - count) }
        withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        if self.count < count { append(contentsOf: repeatElement(0, count: count - self.count)) }
    }
}
