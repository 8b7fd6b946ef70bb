/// A `[rows, width]` table of floats seen through its pointer: the row work the passes do on
/// embeddings and gradient tables — gather rows, add rows, scatter-add rows, average a text's
/// rows — in one place, each loop once. A view: it owns no memory and checks no index (the
/// callers validate indices against the embedding first).
struct RowTable: RowSource {
    let base: UnsafeMutablePointer<Float>
    let width: Int

    init(_ base: UnsafeMutablePointer<Float>, width: Int) {
        self.base = base
        self.width = width
    }

    /// A table only read from (the embedding's weights during a forward pass).
    init(reading base: UnsafePointer<Float>, width: Int) {
        self.init(UnsafeMutablePointer(mutating: base), width: width)
    }

    /// Row `row`'s first element.
    subscript(row: Int) -> UnsafeMutablePointer<Float> { base + row * width }

    @inline(__always)
    func row(_ row: Int, scratch: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> { UnsafePointer(self[row]) }

    /// Adds `source` into row `row`.
    @inline(__always)
    func add(_ source: UnsafePointer<Float>, toRow row: Int) {
        VectorMath.add(source, into: self[row], count: width)
    }

    /// Adds consecutive rows of `source` into the rows named by `count` indices (read every
    /// `stride` entries), in order, and, if `squares` is given, their element-wise squares into
    /// the same rows there (Keras's Adam reads each position's square).
    func scatterAdd(_ source: UnsafePointer<Float>, indices: UnsafePointer<Int32>, count: Int, stride: Int = 1,
                    squares: RowTable? = nil) {
        for k in 0..<count {
            let r = Int(indices[k * stride]), row = self[r], from = source + k * width
            for j in 0..<width { row[j] += from[j] }
            if let squares {
                let squareRow = squares[r]
                for j in 0..<width { squareRow[j] += from[j] * from[j] }
            }
        }
    }
}

/// Rows of floats to read: a ``RowTable`` in memory, or an embedding's rows in a mapped model
/// file, F32 or quantized (``MappedRows``). The forward passes read embeddings through it, so
/// each loop is written once for both.
protocol RowSource {
    var width: Int { get }
    /// Row `row`'s values: in place, or written into `scratch` (room for `width` floats) and
    /// returned from there.
    func row(_ row: Int, scratch: UnsafeMutablePointer<Float>) -> UnsafePointer<Float>
}

extension RowSource {
    /// Copies the rows of `count` indices, read every `stride` entries, to consecutive rows of `output`.
    func gather(_ indices: UnsafePointer<Int32>, count: Int, stride: Int = 1, into output: UnsafeMutablePointer<Float>) {
        for k in 0..<count {
            let target = output + k * width, source = row(Int(indices[k * stride]), scratch: target)
            if source != UnsafePointer(target) { target.update(from: source, count: width) }
        }
    }

    /// The mean of the rows of one text's `steps` tokens, the padding (index 0) skipped, added
    /// into `sum` (zeroed by the caller); returns the number of tokens. The sum is divided by
    /// the count, as Keras divides (not multiplied by its inverse).
    @inline(__always) @discardableResult
    func mean(ofTokens tokens: UnsafePointer<Int32>, steps: Int, into sum: UnsafeMutablePointer<Float>) -> Float {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: width) { scratch in
            var n: Float = 0
            for t in 0..<steps where tokens[t] != 0 {
                VectorMath.add(row(Int(tokens[t]), scratch: scratch.baseAddress!), into: sum, count: width)
                n += 1
            }
            if n > 0 { for j in 0..<width { sum[j] /= n } }
            return n
        }
    }
}
