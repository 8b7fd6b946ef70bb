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
    /// The batch's distinct tokens, in first-seen order, and each one's row in the table.
    let slots: TokenSlots
    var tokens: [Int32] { slots.tokens }
    var count: Int { slots.count }
    /// `E[tokens]`: `[count, width]`.
    private(set) var embedded = FloatBuffer(count: 0)
    /// `b + E[tokens]·W`: `[count, 4u]`.
    private(set) var table = FloatBuffer(count: 0)

    init(vocabulary: Int, width: Int, units: Int) {
        self.vocabulary = vocabulary
        self.width = width
        gateWidth = 4 * units
        slots = TokenSlots(vocabulary: vocabulary)
    }

    /// Finds the distinct tokens of `indices` (already validated), and `extra` first if given.
    func collect(_ indices: [Int32], including extra: Int32? = nil) {
        slots.reset()
        if let extra { slots.assign(CollectionOfOne(extra)) }
        slots.assign(indices)
        if count > capacity {
            // Sized by what batches hold, not by the vocabulary: room to spare, so that
            // later batches seldom reallocate.
            capacity = min(vocabulary, max(count, capacity + capacity / 2))
            embedded = FloatBuffer(count: capacity * width)
            table = FloatBuffer(count: capacity * gateWidth)
        }
    }

    /// Table rows `part` of `parts` (contiguous, split at multiples of 4 for the GEMM's
    /// tiles): `b + E[token]·W`.
    func project(part: Int, of parts: Int, embedding: Embedding, lstm: LSTM) {
        let rows = Self.range(part: part, of: parts, count: count)
        guard !rows.isEmpty else { return }
        let g4 = gateWidth
        let x = embedded.pointer + rows.lowerBound * width, z = table.pointer + rows.lowerBound * g4
        tokens.withUnsafeBufferPointer { embedding.gather($0.baseAddress! + rows.lowerBound, count: rows.count, stride: 1, into: x) }
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
        for k in 0..<count { rows[k] = slots[positions[k]] }
    }

    /// Adds each position's `dz` row into its table row of `sums` (``RowSums``, `[count, 4u]`).
    func sumByRow(_ gateGradients: UnsafePointer<Float>, rows: UnsafePointer<Int32>, count: Int, into sums: RowSums) {
        sums.clear(rows: self.count)
        for k in 0..<count { sums.add(gateGradients + k * gateWidth, toRow: Int(rows[k])) }
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
