/// An embedding's rows read in place from its model file, mapped into memory (``MappedFile``):
/// F32 rows as they are, or a quantized model's I8 rows with one F32 scale each, dequantized as
/// they are read to the bits a dequantized table holds (`Float(q) * scale`, as the load used
/// to compute once for every row). Nothing is copied when a model opens, and processes that
/// map the same model share its pages.
struct MappedRows: RowSource, @unchecked Sendable {
    enum Values {
        case f32(UnsafePointer<Float>)
        case i8(UnsafePointer<Int8>, scales: UnsafePointer<Float>)
    }

    /// Keeps the mapping alive as long as the rows are read.
    let file: MappedFile
    let rows: Int
    let width: Int
    let values: Values

    @inline(__always)
    func row(_ row: Int, scratch: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
        switch values {
        case .f32(let table):
            return table + row * width
        case .i8(let table, let scales):
            let source = table + row * width, scale = scales[row]
            for j in 0..<width { scratch[j] = Float(source[j]) * scale }
            return UnsafePointer(scratch)
        }
    }

    /// The rows in memory of their own, `[rows, width]`.
    func tensor() -> Tensor {
        var scalars = [Float](repeating: 0, count: rows * width)
        let all = (0..<Int32(rows)).map { $0 }
        scalars.withUnsafeMutableBufferPointer { out in
            all.withUnsafeBufferPointer { gather($0.baseAddress!, count: rows, into: out.baseAddress!) }
        }
        return Tensor(shape: [rows, width], scalars: scalars)
    }
}
