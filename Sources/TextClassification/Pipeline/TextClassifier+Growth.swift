/// What a continued fit adds to a saved model: labels its head lacks, words its vocabulary
/// lacks. Existing labels, words and weights keep their places.
extension TextClassifier {
    /// Adds labels after the model's, each with a head output whose weights start at 0: a
    /// binary head becomes a multi-class one (its one output is the second class's logit,
    /// the first class's is 0, so its probabilities are unchanged until trained), a multi-class
    /// or multi-label head gains outputs. The head's optimizer moments restart; a temperature
    /// or tuned thresholds and an operating point are dropped (fit them again).
    public mutating func addLabels(_ names: [String]) throws {
        guard !names.isEmpty else { return }
        var model = try trainedModel()
        guard labels.tree == nil else {
            // A new leaf would move the others' class indices (leaves are in path order).
            throw TextClassificationError.invalidArgument(
                name: "new labels", value: names.prefix(5).joined(separator: ", "),
                expected: "labels of the taxonomy's tree (a taxonomy gains leaves only by a fresh fit)")
        }
        let kind: ClassificationHead.Kind = labels.head == .binary ? .multiClass : labels.head
        let newLabels = try LabelSet(names: labelNames + names, head: kind, separator: labels.separator)
        let old = model.head.dense, features = old.kernel.shape[0], outputs = old.units
        // Binary's one logit z is softmax's [0, z]: the old outputs go to the last old columns.
        let offset = labels.head == .binary ? 1 : 0, width = newLabels.names.count
        var kernel = Tensor(zeros: [features, width]), bias = Tensor(zeros: [width])
        for f in 0..<features {
            for j in 0..<outputs { kernel.scalars[f * width + offset + j] = old.kernel.scalars[f * outputs + j] }
        }
        for j in 0..<outputs { bias.scalars[offset + j] = old.bias.scalars[j] }
        model.head = ClassificationHead(kind: kind, dense: Dense(kernel: kernel, bias: bias,
                                                                 activation: kind == .multiClass ? .softmax : .sigmoid))
        labels = newLabels
        self.model = model
        classWeights = nil
        operatingPoint = nil
        for entry in ClassificationHead.parameterPaths { optimizerState?.state.forget(entry.name) }
    }

    /// Adds the words of `texts` the vocabulary lacks, most frequent first, while indices
    /// below `numWords` are free (up to the token limit, else all of them, without one; none
    /// with buckets, whose rows follow the words'), growing the embedding by a row each (Keras's uniform ±0.05,
    /// by `seed`) and the optimizer's moments with it. Returns how many were added.
    @discardableResult
    public mutating func addWords(of texts: [String], seed: UInt64 = 0) throws -> Int {
        var model = try trainedModel()
        guard buckets == nil, quantization == nil else { return 0 }
        let room = configuration.numWords.map { $0 - vocabulary.indexWord.count }
            ?? configuration.tokenLimit.map { max(0, $0 + 1 - vocabulary.indexWord.count) } ?? Int.max
        var grown = vocabulary
        let added = grown.appendNewWords(of: tokenizeSplit(texts.map(boundedText)).lazy.map(\.tokens), limit: room)
        vocabulary = grown
        let rows = wordRows - model.encoder.embedding.inputDim
        if rows > 0 {
            var random = RandomGenerator(seed: seed ^ 0x6E65_7720_776F_7264)  // "new word"
            let width = model.encoder.embedding.outputDim
            let fresh = Initializer.uniform(limit: 0.05).make(rows: rows, columns: width, using: &random)
            var table = model.encoder.embedding.embeddings
            table = Tensor(shape: [table.shape[0] + rows, width], scalars: table.scalars + fresh.scalars)
            model.encoder.embedding = Embedding(embeddings: table)
            optimizerState?.state.appendRows(rows, width: width, to: Embedding.weightName)
            self.model = model
        }
        return added
    }
}
