/// Training's LSTM input projections, computed once per distinct token of a batch rather
/// than once per position.
///
/// A position's projection `b + E[token]·W` depends on its token alone, and a batch of
/// 32 × 100 positions holds far fewer distinct tokens (at most the vocabulary; real text
/// repeats words and is mostly padding). So the batch's distinct tokens are projected
/// once into a table and each position copies its row: the same arithmetic per row as
/// projecting every position (bit-identical gates), for a fraction of the work.
///
/// Backward, the kernel's gradient `dW = Σ_pos x_posᵀ·dz_pos` is regrouped the same way:
/// `dW = E_Dᵀ·S`, with `S` the sum of `dz` over each distinct token's positions, and the
/// bias's `db = Σ_pos dz_pos` is the sum of S's rows.
///
/// Shared by a batch's shards: ``collect(_:)`` and ``project(part:of:embedding:lstm:)``
/// run before them, shards then only read it.
final class TokenProjection: @unchecked Sendable {
    let vocabulary: Int, width: Int, gateWidth: Int
    /// Rows the table has room for; grows (rarely) when a batch has more distinct tokens.
    private(set) var capacity = 0
    /// Per vocabulary index: its row in the table, or −1 when not in the batch.
    let rowOfToken: UnsafeMutablePointer<Int32>
    /// The batch's distinct tokens, in first-seen order.
    let tokens: UnsafeMutablePointer<Int32>
    private(set) var count = 0
    /// `E[tokens]`: `[count, width]`.
    private(set) var embedded = FloatBuffer(count: 0)
    /// `b + E[tokens]·W`: `[count, 4u]`.
    private(set) var table = FloatBuffer(count: 0)

    init(vocabulary: Int, width: Int, units: Int) {
        self.vocabulary = vocabulary
        self.width = width
        gateWidth = 4 * units
        rowOfToken = .allocate(capacity: max(1, vocabulary))
        rowOfToken.initialize(repeating: -1, count: max(1, vocabulary))
        tokens = .allocate(capacity: max(1, vocabulary))
    }

    deinit {
        rowOfToken.deallocate()
        tokens.deallocate()
    }

    /// Finds the distinct tokens of `indices` (already validated), and `extra` if given.
    func collect(_ indices: [Int32], including extra: Int32? = nil) {
        for k in 0..<count { rowOfToken[Int(tokens[k])] = -1 }
        count = 0
        if let extra { add(extra) }
        for token in indices { add(token) }
        if count > capacity {
            // Sized by what batches hold, not by the vocabulary: room to spare, so that
            // later batches seldom reallocate.
            capacity = min(vocabulary, max(count, capacity + capacity / 2))
            embedded = FloatBuffer(count: capacity * width)
            table = FloatBuffer(count: capacity * gateWidth)
        }
    }

    @inline(__always)
    private func add(_ token: Int32) {
        guard rowOfToken[Int(token)] < 0 else { return }
        rowOfToken[Int(token)] = Int32(count)
        tokens[count] = token
        count += 1
    }

    /// Table rows `part` of `parts` (contiguous, split at multiples of 4 for the GEMM's
    /// tiles): `b + E[token]·W`.
    func project(part: Int, of parts: Int, embedding: Embedding, lstm: LSTM) {
        let rows = Self.range(part: part, of: parts, count: count)
        guard !rows.isEmpty else { return }
        let g4 = gateWidth
        let x = embedded.pointer + rows.lowerBound * width, z = table.pointer + rows.lowerBound * g4
        embedding.gather(tokens + rows.lowerBound, count: rows.count, stride: 1, into: x)
        lstm.bias.scalars.withUnsafeBufferPointer { b in
            for r in 0..<rows.count { (z + r * g4).update(from: b.baseAddress!, count: g4) }
        }
        lstm.kernel.scalars.withUnsafeBufferPointer { k in
            GEMM.multiply(m: rows.count, n: g4, k: width, a: x, lda: width, b: k.baseAddress!, ldb: g4,
                          c: z, ldc: g4, accumulate: true)
        }
    }

    /// Each of `count` positions' table row (for ``LSTM/InputRows``).
    func rows(of positions: UnsafePointer<Int32>, count: Int, into rows: UnsafeMutablePointer<Int32>) {
        for k in 0..<count { rows[k] = rowOfToken[Int(positions[k])] }
    }

    /// Adds each position's `dz` row into its table row of `sums` (`[count, 4u]`). Rows are
    /// not zeroed first: a row's first position is copied and `touched` (one flag per table
    /// row) records which rows hold a sum; the others are stale (see ``combine``).
    func sumByRow(_ gateGradients: UnsafePointer<Float>, rows: UnsafePointer<Int32>, count: Int,
                  into sums: UnsafeMutablePointer<Float>, touched: UnsafeMutablePointer<Bool>) {
        let g4 = gateWidth
        touched.update(repeating: false, count: self.count)
        for k in 0..<count {
            let r = Int(rows[k]), row = sums + r * g4, source = gateGradients + k * g4
            if touched[r] {
                VectorMath.add(source, into: row, count: g4)
            } else {
                row.update(from: source, count: g4)
                touched[r] = true
            }
        }
    }

    /// Columns `columns` of the shards' sums added into the first shard's (in shard order),
    /// rows no shard touched set to zero.
    func combine(_ shards: [(sums: UnsafeMutablePointer<Float>, touched: UnsafePointer<Bool>)], columns: Range<Int>) {
        let g4 = gateWidth, total = shards[0].sums
        for r in 0..<count {
            var holdsSum = shards[0].touched[r]
            let target = total + r * g4 + columns.lowerBound
            for s in 1..<shards.count where shards[s].touched[r] {
                let source = shards[s].sums + r * g4 + columns.lowerBound
                if holdsSum {
                    VectorMath.add(source, into: target, count: columns.count)
                } else {
                    target.update(from: source, count: columns.count)
                }
                holdsSum = true
            }
            if !holdsSum { target.update(repeating: 0, count: columns.count) }
        }
    }

    /// Columns `columns` of the bias's gradient: `db += Σ_rows S`.
    func addBiasGradient(sums: UnsafePointer<Float>, columns: Range<Int>, into biasGradient: UnsafeMutablePointer<Float>) {
        for r in 0..<count {
            VectorMath.add(sums + r * gateWidth + columns.lowerBound, into: biasGradient + columns.lowerBound,
                           count: columns.count)
        }
    }

    /// Columns `part` of `parts` of the kernel's gradient: `dW += E_Dᵀ·S` (`S`: `[count, 4u]`).
    func addKernelGradient(part: Int, of parts: Int, sums: UnsafePointer<Float>,
                           into kernelGradient: UnsafeMutablePointer<Float>) {
        let columns = Self.range(part: part, of: parts, count: gateWidth, multiple: 64)
        guard !columns.isEmpty, count > 0 else { return }
        GEMM.multiply(m: width, n: columns.count, k: count, a: embedded.pointer, lda: width, transposeA: true,
                      b: sums + columns.lowerBound, ldb: gateWidth,
                      c: kernelGradient + columns.lowerBound, ldc: gateWidth, accumulate: true)
    }

    /// Piece `part` of `0..<count` cut in `parts`, with cuts at multiples of `multiple`.
    static func range(part: Int, of parts: Int, count: Int, multiple: Int = 4) -> Range<Int> {
        let blocks = (count + multiple - 1) / multiple
        let lower = min(count, (blocks * part / parts) * multiple)
        let upper = min(count, (blocks * (part + 1) / parts) * multiple)
        return lower..<upper
    }
}
