/// Turns token indices into dense vectors: row `k` of ``embeddings`` is the vector of index `k`.
///
/// As Keras's `Embedding(input_dim, output_dim)` with its defaults: weights uniform in
/// [-0.05, 0.05], no masking (index 0, the padding, is an ordinary trained row).
///
/// ```swift
/// var random = RandomGenerator(seed: 1)
/// let embedding = Embedding(inputDim: 1000, outputDim: 64, using: &random)
/// let vectors = try embedding(IndexMatrix(rows: 1, columns: 3, storage: [0, 5, 7]))  // [1, 3, 64]
/// ```
public struct Embedding: Sendable {
    /// The table's name among a model's weights (Keras's).
    static let weightName = "embedding/embeddings"

    /// `[inputDim, outputDim]`; Keras's weight `embeddings`.
    public var embeddings: Tensor

    /// Rows: the indices it embeds (0 ..< inputDim).
    public var inputDim: Int { embeddings.shape[0] }
    /// The width of each row.
    public var outputDim: Int { embeddings.shape[1] }

    /// - Parameters:
    ///   - inputDim: the number of indices (vocabulary size, padding included).
    ///   - outputDim: the vector length.
    ///   - initializer: Keras's `embeddings_initializer` (uniform in ±0.05 by default).
    ///   - random: the generator it draws from.
    public init(inputDim: Int, outputDim: Int, initializer: Initializer = .uniform(limit: 0.05),
                using random: inout RandomGenerator) {
        embeddings = initializer.make(rows: inputDim, columns: outputDim, using: &random)
    }

    /// An embedding with this table, `[inputDim, outputDim]`.
    public init(embeddings: Tensor) {
        precondition(embeddings.shape.count == 2, "embeddings must be [inputDim, outputDim]")
        self.embeddings = embeddings
    }

    /// Throws if any index is outside `0..<inputDim` (TensorFlow raises there too).
    public func validate<Indices: Sequence>(_ indices: Indices) throws where Indices.Element == Int32 {
        let limit = Int32(clamping: inputDim)
        for index in indices where index < 0 || index >= limit {
            throw TextClassificationError.indexOutOfRange(index: Int(index), inputDim: inputDim)
        }
    }

    /// The vectors of `indices`: `[rows, columns, outputDim]`.
    public func callAsFunction(_ indices: IndexMatrix) throws -> Tensor {
        try validate(indices.storage)
        return embedded(validated: indices)
    }

    /// The vectors of `indices` that ``validate(_:)`` has already accepted (the training and
    /// inference passes validate a whole batch once, then embed its shards and chunks).
    func embedded(validated indices: IndexMatrix) -> Tensor {
        var output = Tensor(zeros: [indices.rows, indices.columns, outputDim])
        output.scalars.withUnsafeMutableBufferPointer { out in
            indices.storage.withUnsafeBufferPointer { ids in
                gather(ids.baseAddress!, count: ids.count, stride: 1, into: out.baseAddress!)
            }
        }
        return output
    }

    /// The gradient of the weights given the gradient of the output (`[rows, columns,
    /// outputDim]`): each output row's gradient added into its index's row.
    public func gradient(indices: IndexMatrix, outputGradient: Tensor) -> Tensor {
        var gradient = Tensor(zeros: embeddings.shape)
        gradient.scalars.withUnsafeMutableBufferPointer { g in
            indices.storage.withUnsafeBufferPointer { ids in
                outputGradient.scalars.withUnsafeBufferPointer { dy in
                    RowTable(g.baseAddress!, width: outputDim).scatterAdd(dy.baseAddress!, indices: ids.baseAddress!,
                                                                          count: ids.count)
                }
            }
        }
        return gradient
    }

    // MARK: Kernels (indices already validated)

    /// Copies the rows of `count` indices, read every `stride` entries, to consecutive rows of `output`.
    func gather(_ indices: UnsafePointer<Int32>, count: Int, stride: Int, into output: UnsafeMutablePointer<Float>) {
        embeddings.scalars.withUnsafeBufferPointer { table in
            RowTable(reading: table.baseAddress!, width: outputDim).gather(indices, count: count, stride: stride, into: output)
        }
    }
}
