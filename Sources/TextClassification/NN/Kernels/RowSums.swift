/// Sums by row (a slot per distinct token) that are never zeroed: a batch holds thousands of
/// distinct tokens and zeroing every shard's table cost more than filling it. A row's first
/// addend is written as `0 + x` (the bits a zeroed row would hold, +0 for x = −0) and the row
/// flagged in `touched`; unflagged rows hold stale values until ``combine(_:rows:columns:)``
/// zeroes the rows no shard touched. So the sums are those of zero-filled tables, to the bit.
/// A view over a shard's buffers, like ``RowTable``; `squares`, when given, sums the addends'
/// squares (Keras's Adam reads each position's square).
struct RowSums: @unchecked Sendable {
    let sums: RowTable
    let squares: RowTable?
    let touched: UnsafeMutablePointer<Bool>

    /// Starts a batch of `rows` rows: none touched.
    func clear(rows: Int) { touched.update(repeating: false, count: rows) }

    /// Adds `source` (a row of the table's width) to row `row`.
    @inline(__always)
    func add(_ source: UnsafePointer<Float>, toRow row: Int) {
        let target = sums[row], square = squares?[row], width = sums.width
        if touched[row] {
            VectorMath.add(source, into: target, count: width)
            if let square { for j in 0..<width { square[j] += source[j] * source[j] } }
        } else {
            touched[row] = true
            for j in 0..<width { target[j] = 0 + source[j] }
            if let square { for j in 0..<width { square[j] = 0 + source[j] * source[j] } }
        }
    }

    /// Rows `rows`, columns `columns` of `shards`' sums added into the first's, in shard order
    /// (the same sums with any number of threads, each taking its own rows or columns); the
    /// rows no shard touched set to zero. Flags are only read, so threads may share a row.
    static func combine(_ shards: [RowSums], rows: Range<Int>, columns: Range<Int>) {
        let total = shards[0], count = columns.count
        for r in rows {
            var holdsSum = total.touched[r]
            for s in shards.indices.dropFirst() where shards[s].touched[r] {
                func merge(_ from: RowTable, into to: RowTable) {
                    let source = from[r] + columns.lowerBound, target = to[r] + columns.lowerBound
                    if holdsSum { VectorMath.add(source, into: target, count: count) }
                    else { target.update(from: source, count: count) }
                }
                merge(shards[s].sums, into: total.sums)
                if let squares = shards[s].squares, let totalSquares = total.squares { merge(squares, into: totalSquares) }
                holdsSum = true
            }
            if !holdsSum {
                (total.sums[r] + columns.lowerBound).update(repeating: 0, count: count)
                total.squares.map { ($0[r] + columns.lowerBound).update(repeating: 0, count: count) }
            }
        }
    }

    /// Whether rows `rows` of the sums (and squares) are all finite.
    func allFinite(rows: Range<Int>) -> Bool {
        let width = sums.width, count = rows.count * width
        return VectorMath.allFinite(sums[rows.lowerBound], count: count)
            && (squares.map { VectorMath.allFinite($0[rows.lowerBound], count: count) } ?? true)
    }
}
