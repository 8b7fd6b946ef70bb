/// Keras's weight initialisers (keras/src/initializers/random_initializers.py). Their values
/// come from our seeded ``RandomGenerator``: TensorFlow's random streams cannot be
/// reproduced, so only the distributions match Keras, not the numbers.
public enum Initializer: Sendable {
    /// Uniform in [-limit, limit]: Keras's `"uniform"` (RandomUniform(-0.05, 0.05)) for embeddings.
    case uniform(limit: Float)
    /// Glorot/Xavier uniform: limit √(6 / (fanIn + fanOut)), fans = (rows, columns).
    case glorotUniform
    /// An orthogonal matrix (orthonormal rows or columns, whichever are fewer), gain 1.
    case orthogonal
    /// All zeros.
    case zeros

    /// A `[rows, columns]` (or `[rows]` when `columns` is nil) tensor drawn from `random`.
    public func make(rows: Int, columns: Int? = nil, using random: inout RandomGenerator) -> Tensor {
        let shape = columns.map { [rows, $0] } ?? [rows]
        let count = rows * (columns ?? 1)
        switch self {
        case .zeros:
            return Tensor(zeros: shape)
        case let .uniform(limit):
            return Tensor(shape: shape, scalars: [Float](large: count) { _ in (random.nextUnitFloat() * 2 - 1) * limit })
        case .glorotUniform:
            let fanIn = Float(rows), fanOut = Float(columns ?? rows)
            let limit = (6 / max(1, fanIn + fanOut)).squareRoot()
            return Initializer.uniform(limit: limit).make(rows: rows, columns: columns, using: &random)
        case .orthogonal:
            let columns = columns ?? 1
            let q = Self.orthonormalColumns(rows: max(rows, columns), columns: min(rows, columns), using: &random)
            let tall = max(rows, columns), narrow = min(rows, columns)
            var scalars = [Float](repeating: 0, count: count)
            for i in 0..<tall {
                for j in 0..<narrow {
                    // Keras transposes q when there are fewer rows than columns.
                    if rows >= columns { scalars[i * columns + j] = Float(q[i * narrow + j]) }
                    else { scalars[j * columns + i] = Float(q[i * narrow + j]) }
                }
            }
            return Tensor(shape: shape, scalars: scalars)
        }
    }

    /// Q of the QR decomposition of a normal `[rows, columns]` matrix (rows ≥ columns), with
    /// R's diagonal made positive as Keras does (q · sign(diag r)); modified Gram–Schmidt in
    /// Double gives exactly that Q.
    private static func orthonormalColumns(rows: Int, columns: Int, using random: inout RandomGenerator) -> [Double] {
        var a = (0..<rows * columns).map { _ in random.nextNormal() }
        for j in 0..<columns {
            for previous in 0..<j {
                var dot = 0.0
                for i in 0..<rows { dot += a[i * columns + j] * a[i * columns + previous] }
                for i in 0..<rows { a[i * columns + j] -= dot * a[i * columns + previous] }
            }
            var norm = 0.0
            for i in 0..<rows { norm += a[i * columns + j] * a[i * columns + j] }
            norm = norm.squareRoot()
            for i in 0..<rows { a[i * columns + j] /= norm }
        }
        return a
    }
}
