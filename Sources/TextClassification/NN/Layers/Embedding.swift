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

    /// The rows in memory, `[inputDim, outputDim]`; while ``mapped`` holds them, an empty
    /// `[0, outputDim]`. Stored, not computed, because optimizers write it through a key path
    /// (``SequenceEncoder``'s parameter paths), and a key path through a computed property
    /// gets, changes and sets back a copy: a whole table's copy at every step.
    var table: Tensor
    /// The rows read in place from a mapped model file, or `nil` when ``table`` holds them.
    private(set) var mapped: MappedRows?

    /// `[inputDim, outputDim]`; Keras's weight `embeddings`. For a model whose rows are read
    /// from its mapped file (``TextClassifier/init(contentsOf:loadingOptimizerState:inMemory:)``),
    /// reading this copies them out (a save, `quantize`), and changing it first copies them
    /// into memory of its own; the forward passes read them in place.
    public var embeddings: Tensor {
        get { mapped?.tensor() ?? table }
        set {
            table = newValue
            mapped = nil
        }
        _modify {
            loadIntoMemory()
            yield &table
        }
    }

    /// Rows: the indices it embeds (0 ..< inputDim).
    public var inputDim: Int { mapped?.rows ?? table.shape[0] }
    /// The width of each row.
    public var outputDim: Int { mapped?.width ?? table.shape[1] }

    /// Copies mapped rows into memory of its own, as training needs (optimizers write
    /// ``table``); nothing to do for rows already in memory.
    mutating func loadIntoMemory() {
        guard let rows = mapped else { return }
        table = rows.tensor()
        mapped = nil
    }

    /// - Parameters:
    ///   - inputDim: the number of indices (vocabulary size, padding included).
    ///   - outputDim: the vector length.
    ///   - initializer: Keras's `embeddings_initializer` (uniform in ±0.05 by default).
    ///   - random: the generator it draws from.
    public init(inputDim: Int, outputDim: Int, initializer: Initializer = .uniform(limit: 0.05),
                using random: inout RandomGenerator) {
        table = initializer.make(rows: inputDim, columns: outputDim, using: &random)
    }

    /// An embedding with this table, `[inputDim, outputDim]`.
    public init(embeddings: Tensor) {
        precondition(embeddings.shape.count == 2, "embeddings must be [inputDim, outputDim]")
        table = embeddings
    }

    /// An embedding reading its rows in place from a mapped model file.
    init(mapped rows: MappedRows) {
        table = Tensor(zeros: [0, rows.width])
        mapped = rows
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
        var gradient = Tensor(zeros: [inputDim, outputDim])
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
        // A switch rather than an existential: each loop compiled for each kind of row.
        if let mapped {
            mapped.gather(indices, count: count, stride: stride, into: output)
        } else {
            table.scalars.withUnsafeBufferPointer {
                RowTable(reading: $0.baseAddress!, width: outputDim).gather(indices, count: count, stride: stride, into: output)
            }
        }
    }

    /// The mean of the rows of one text's `steps` tokens into `sum` (``RowSource/mean(ofTokens:steps:into:)``).
    @discardableResult
    func mean(ofTokens tokens: UnsafePointer<Int32>, steps: Int, into sum: UnsafeMutablePointer<Float>) -> Float {
        if let mapped { return mapped.mean(ofTokens: tokens, steps: steps, into: sum) }
        return table.scalars.withUnsafeBufferPointer {
            RowTable(reading: $0.baseAddress!, width: outputDim).mean(ofTokens: tokens, steps: steps, into: sum)
        }
    }

    /// Row `row`'s values (an explanation reads a text's rows one by one).
    func values(ofRow row: Int) -> [Float] {
        guard let mapped else { return Array(table.scalars[row * outputDim ..< (row + 1) * outputDim]) }
        return [Float](unsafeUninitializedCapacity: outputDim) { buffer, initialized in
            let source = mapped.row(row, scratch: buffer.baseAddress!)
            if source != UnsafePointer(buffer.baseAddress!) { buffer.baseAddress!.update(from: source, count: outputDim) }
            initialized = outputDim
        }
    }

    /// Throws if the model file the rows are read from changed while they were read
    /// (``MappedFile/checkIntact()``); rows in memory always pass.
    func checkIntact() throws {
        try mapped?.file.checkIntact()
    }
}
