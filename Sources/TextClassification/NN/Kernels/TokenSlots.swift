import CKernels

/// A batch's distinct tokens, each given a slot in order of first use, and the table from a
/// token to its slot: the one token-to-slot map of the training passes (the bag's, the LSTM's
/// per-token projections, the general path's embedding rows, Adam's row step). The table is
/// vocabulary-sized and kept from batch to batch, and only the entries a batch set are reset
/// after it, so a batch costs its tokens, never the vocabulary and never a hash.
final class TokenSlots: @unchecked Sendable {
    private let slotOfToken: UnsafeMutablePointer<Int32>
    /// The batch's distinct tokens, in order of first use: slot k is `tokens[k]`'s.
    private(set) var tokens: [Int32] = []
    /// How many positions ahead ``assign(replacing:)`` asks for a token's slot.
    private static let prefetchDistance = 16

    /// A table for tokens `0..<vocabulary`, holding none.
    init(vocabulary: Int) {
        slotOfToken = .allocate(capacity: max(1, vocabulary))
        slotOfToken.initialize(repeating: -1, count: max(1, vocabulary))
    }

    deinit { slotOfToken.deallocate() }

    /// How many distinct tokens the batch holds.
    var count: Int { tokens.count }

    /// `token`'s slot, or −1 if the batch has not used it.
    @inline(__always)
    subscript(token: Int32) -> Int32 { slotOfToken[Int(token)] }

    /// Gives each of `tokens` not yet seen the next slot.
    func assign<Tokens: Sequence<Int32>>(_ tokens: Tokens) {
        var distinct = take()
        for token in tokens where slotOfToken[Int(token)] < 0 {
            slotOfToken[Int(token)] = Int32(distinct.count)
            distinct.append(token)
        }
        self.tokens = distinct
    }

    /// Replaces each token of `positions` by its slot, giving new tokens the next slots. The
    /// table is read at random (a cache miss a position at a million rows), so the entry some
    /// positions ahead is asked for early and the misses overlap.
    func assign(replacing positions: UnsafeMutableBufferPointer<Int32>) {
        var distinct = take()
        let count = positions.count, ahead = Self.prefetchDistance
        for k in 0..<count {
            if k + ahead < count { textclf_prefetch(slotOfToken + Int(positions[k + ahead]), 4) }
            let token = Int(positions[k])
            if slotOfToken[token] < 0 {
                slotOfToken[token] = Int32(distinct.count)
                distinct.append(Int32(token))
            }
            positions[k] = slotOfToken[token]
        }
        self.tokens = distinct
    }

    /// Forgets the batch: resets the entries it set.
    func reset() {
        for token in tokens { slotOfToken[Int(token)] = -1 }
        tokens.removeAll(keepingCapacity: true)
    }

    /// The tokens moved out (left empty), so that appending to them does not check the
    /// class's exclusive access every time.
    private func take() -> [Int32] {
        defer { tokens = [] }
        return tokens
    }
}
