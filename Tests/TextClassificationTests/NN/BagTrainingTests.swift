import Foundation
import Testing
@testable import TextClassification

/// The bag's own training pass and lazy Adam, the bag's default optimiser.
struct BagTrainingTests {
    /// The bag's pass touches only the tokens, yet gives the general path's gradients to the
    /// bit: the head's, and the embedding's rows with their per-position squares (Keras's dense
    /// Adam reads them), with and without embedding dropout and head dropout.
    @Test(arguments: [Float(0), 0.3])
    func bagPassGivesTheGeneralPathsGradientsBitForBit(embeddingRate: Float) throws {
        let model = SequenceClassifier(inputDim: 12, embeddingDim: 5, encoder: .bag, head: .multiClass, classes: 3, seed: 4)
        // Pre-padded rows, a repeated token, an all-padding row.
        let indices = IndexMatrix(rows: 5, columns: 6, storage: [0, 0, 3, 7, 7, 1,
                                                                 0, 2, 11, 4, 5, 6,
                                                                 0, 0, 0, 0, 0, 0,
                                                                 9, 8, 7, 6, 5, 4,
                                                                 0, 0, 0, 0, 10, 3])
        let labels: [Float] = [0, 2, 1, 1, 0]
        let embeddingDropout = SequenceClassifier.Dropout(rate: embeddingRate, seed: 5)
        let dropout = SequenceClassifier.Dropout(rate: 0.2, seed: 6)
        let bag = try model.bagPassGradients(indices, labels: labels, classWeights: [1, 2, 0.5], dropout: dropout,
                                             embeddingDropout: embeddingDropout)
        let general = try GeneralTrainingPass(vocabulary: model.encoder.embedding.inputDim).gradients(of: model, TrainingBatch(
            indices: indices, labels: labels, classWeights: [1, 2, 0.5], dropout: dropout, embeddingDropout: embeddingDropout))
        #expect(bag.loss == general.loss && bag.correct == general.correct)
        for name in ["dense/kernel", "dense/bias"] {
            #expect(bag.gradients[name]!.scalars == general.gradients[name]!.scalars, "\(name)")
        }
        let shape = model.encoder.embedding.embeddings.shape
        let (bagDense, bagSquares) = bag.denseGradients(embeddingShape: shape)
        let (generalDense, generalSquares) = general.denseGradients(embeddingShape: shape)
        #expect(bagDense["embedding/embeddings"]!.scalars == generalDense["embedding/embeddings"]!.scalars)
        #expect(bagSquares.scalars == generalSquares.scalars)
        #expect(bagSquares.scalars.contains { $0 > 0 }, "a zero gradient proves nothing")
        // Padding (row 0) never gets a gradient row on the bag's pass.
        #expect(!bag.embeddingRows.rows.contains(0))
        // Inference reads only the tokens too, and agrees with the layers.
        #expect(try model.logits(indices) == model.layerLogits(indices))
    }

    /// The pass keeps its scratch across a fit's batches and never zeroes its shards' gradient
    /// tables (only the slots a batch touched hold sums): a batch after a larger one gives what
    /// it gives on fresh scratch, to the bit.
    @Test func reusedScratchGivesFreshScratchsGradients() throws {
        let model = SequenceClassifier(inputDim: 12, embeddingDim: 5, encoder: .bag, head: .binary, seed: 2)
        let conditions = TrainingConditions(trainsEmbedding: true, projectsTokens: false)
        let large = IndexMatrix(rows: 4, columns: 5, storage: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0, 11, 1, 2, 3, 0, 0, 4, 9, 9])
        let small = IndexMatrix(rows: 4, columns: 5, storage: [0, 0, 0, 9, 2, 0, 0, 0, 0, 0, 0, 0, 3, 3, 2, 0, 0, 0, 7, 9])
        func gradients(_ batches: [IndexMatrix], pass: any TrainingPass) throws -> BatchGradients {
            var last: BatchGradients?
            for x in batches {
                last = try pass.gradients(of: model, TrainingBatch(indices: x, labels: [1, 0, 1, 0]))
            }
            return try #require(last)
        }
        let reused = try gradients([large, small], pass: model.makeTrainingPass(batchSize: 4, steps: 5, conditions: conditions))
        let fresh = try gradients([small], pass: model.makeTrainingPass(batchSize: 4, steps: 5, conditions: conditions))
        #expect(reused.embeddingRows.rows == fresh.embeddingRows.rows)
        #expect(reused.embeddingRows.gradient == fresh.embeddingRows.gradient)
        #expect(reused.embeddingRows.squares == fresh.embeddingRows.squares)
        #expect(fresh.embeddingRows.gradient.contains { $0 != 0 }, "a zero gradient proves nothing")
    }

    struct LazyAdamFixture: Decodable {
        struct Batch: Decodable { var x: [[Int32]]; var y: [Float] }
        struct Step: Decodable {
            var batch: String
            var loss: Float
            var rows: [Int32]
            var embedding: [[Float]]
            var kernel: [[Float]]
            var bias: [Float]
            enum CodingKeys: String, CodingKey {
                case batch, loss, rows, embedding = "embedding/embeddings", kernel = "dense/kernel", bias = "dense/bias"
            }
        }
        var vocab: Int
        var dim: Int
        var learning_rate: Float
        var batches: [String: Batch]
        var steps: [Step]
    }

    /// Lazy Adam against the NumPy reference (Scripts/keras-reference/lazy_adam_reference.py,
    /// TensorFlow Addons' LazyAdam semantics): three steps on two batches, so that rows absent
    /// from a batch keep weights and moments and later resume from them.
    @Test func lazyAdamMatchesTheReference() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/lazy-adam.json")
        let fixture = try JSONDecoder().decode(LazyAdamFixture.self, from: Data(contentsOf: url))
        var model = SequenceClassifier(inputDim: fixture.vocab, embeddingDim: fixture.dim, encoder: .bag, head: .binary)
        // The initial weights, by Keras name (the bias is a flat list).
        let raw = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        let initial = raw["initial"] as! [String: Any]
        for entry in model.parameterPaths {
            let values = (initial[entry.name] as? [[Double]])?.flatMap { $0 } ?? initial[entry.name] as! [Double]
            model[keyPath: entry.path] = Tensor(shape: model[keyPath: entry.path].shape, scalars: values.map(Float.init))
        }
        var lazy = LazyAdam(learningRate: fixture.learning_rate)
        var dense = Adam(learningRate: fixture.learning_rate)
        var denseModel = model
        for step in fixture.steps {
            let batch = fixture.batches[step.batch]!
            let x = IndexMatrix(rows: batch.x.count, columns: batch.x[0].count, storage: batch.x.flatMap { $0 })
            let result = try model.bagPassGradients(x, labels: batch.y, embeddingSquares: false)
            #expect(abs(result.loss - step.loss) <= 1e-6)
            #expect(result.embeddingRows.rows.sorted() == step.rows)
            lazy.update(&model, along: result.gradients, rowGradients: ["embedding/embeddings": result.embeddingRows])
            let denseResult = try denseModel.bagPassGradients(x, labels: batch.y)
            dense.update(&denseModel, along: denseResult.gradients,
                         rowGradients: ["embedding/embeddings": denseResult.embeddingRows])
            for (ours, reference, name) in [(model.encoder.embedding.embeddings.scalars, step.embedding.flatMap { $0 }, "embedding"),
                                            (model.head.dense.kernel.scalars, step.kernel.flatMap { $0 }, "kernel"),
                                            (model.head.dense.bias.scalars, step.bias, "bias")] {
                #expect(ours.count == reference.count)
                for (a, b) in zip(ours, reference) {
                    #expect(abs(a - b) <= 1e-6 * max(1, abs(b)), "\(name) after step \(step.batch): \(a) vs \(b)")
                }
            }
        }
        // Keras's dense Adam keeps moving rows 7 and 8 on the last step (their moments decay
        // into the weights), lazy Adam leaves them where the second batch put them.
        let width = fixture.dim
        let moved = (7 * width ..< 9 * width).map {
            abs(denseModel.encoder.embedding.embeddings.scalars[$0] - model.encoder.embedding.embeddings.scalars[$0])
        }
        #expect(moved.max()! > 1e-4, "the fixture tells lazy from dense Adam")
    }

    /// Lazy Adam never moves a row no batch read (padding included), and a seeded bag fit is
    /// the same on one thread as on two (the shards are fixed, not the threads).
    @Test func lazyAdamLeavesUnreadRowsAlone() throws {
        var model = SequenceClassifier(inputDim: 20, embeddingDim: 4, encoder: .bag, head: .binary, seed: 2)
        let before = model.encoder.embedding.embeddings
        let indices = IndexMatrix(rows: 4, columns: 3, storage: [0, 1, 2, 0, 3, 1, 4, 5, 6, 0, 0, 2])
        var lazy = LazyAdam(learningRate: 0.1)
        try model.fit(indices, labels: [1, 0, 1, 0], epochs: 3, batchSize: 2, optimizer: &lazy)
        let width = 4
        for row in [0] + Array(7..<20) {
            #expect(Array(model.encoder.embedding.embeddings.scalars[row * width ..< (row + 1) * width])
                    == Array(before.scalars[row * width ..< (row + 1) * width]), "row \(row)")
        }
        for row in 1...6 {
            #expect(Array(model.encoder.embedding.embeddings.scalars[row * width ..< (row + 1) * width])
                    != Array(before.scalars[row * width ..< (row + 1) * width]), "row \(row) trained")
        }
    }
}

/// Deferred Adam: Keras's dense Adam with the steps of unread rows applied when read.
struct DeferredAdamTests {
    /// Over twelve steps on batches that leave rows out for up to seven steps at a time,
    /// deferred Adam's weights, caught up, are dense Adam's after every step, with Keras's ε
    /// (which matters for elements of tiny gradient) and without it.
    @Test(arguments: [Float(1e-7), 1e-30])
    func deferredAdamFollowsDenseAdam(epsilon: Float) throws {
        let start = SequenceClassifier(inputDim: 30, embeddingDim: 6, encoder: .bag, head: .multiClass, classes: 3, seed: 5)
        let batches = [
            IndexMatrix(rows: 3, columns: 4, storage: [0, 1, 2, 3, 4, 5, 6, 7, 0, 0, 8, 1]),
            IndexMatrix(rows: 2, columns: 4, storage: [9, 10, 11, 12, 0, 13, 13, 2]),
            IndexMatrix(rows: 2, columns: 4, storage: [20, 21, 22, 1, 0, 0, 23, 24]),
        ]
        let labels: [[Float]] = [[0, 1, 2], [2, 0], [1, 1]]
        var dense = start, deferred = start
        var denseAdam = Adam(learningRate: 0.01, epsilon: epsilon)
        var deferredAdam = DeferredAdam(learningRate: 0.01, epsilon: epsilon)
        var worst: Float = 0
        for b in [0, 2, 1, 0, 1, 1, 0, 1, 0, 2, 1, 0] {
            let r = try dense.bagPassGradients(batches[b], labels: labels[b])
            denseAdam.update(&dense, along: r.gradients, rowGradients: ["embedding/embeddings": r.embeddingRows])
            // As fit does: the rows a batch reads are brought up to date before it reads them.
            deferredAdam.catchUp(&deferred, rows: batches[b].distinctTokens, of: "embedding/embeddings")
            let q = try deferred.bagPassGradients(batches[b], labels: labels[b])
            deferredAdam.update(&deferred, along: q.gradients, rowGradients: ["embedding/embeddings": q.embeddingRows])
            var caughtUp = deferred, adam = deferredAdam
            adam.catchUp(&caughtUp)
            for entry in start.parameterPaths {
                for (x, y) in zip(dense[keyPath: entry.path].scalars, caughtUp[keyPath: entry.path].scalars) {
                    worst = max(worst, abs(x - y))
                }
            }
        }
        deferredAdam.catchUp(&deferred)
        for entry in start.parameterPaths {
            let moved = zip(dense[keyPath: entry.path].scalars, start[keyPath: entry.path].scalars).map { abs($0 - $1) }.max()!
            #expect(moved > 5e-3, "\(entry.name) trained")
        }
        #expect(worst < 1e-5, "largest difference \(worst)")
        // Rows no batch read (14…19, 25…29) never move.
        #expect(deferred.encoder.embedding.embeddings.scalars[14 * 6 ..< 20 * 6] == start.encoder.embedding.embeddings.scalars[14 * 6 ..< 20 * 6])
    }
}

extension SequenceClassifier {
    /// One batch through the bag's own training pass, as `fit` runs it.
    func bagPassGradients(_ x: IndexMatrix, labels: [Float], classWeights: [Float]? = nil, dropout: Dropout? = nil,
                          embeddingDropout: Dropout? = nil, embeddingSquares: Bool = true) throws -> BatchGradients {
        try gradients(TrainingBatch(indices: x, labels: labels, classWeights: classWeights, dropout: dropout,
                                    embeddingDropout: embeddingDropout, embeddingSquares: embeddingSquares),
                      conditions: TrainingConditions(trainsEmbedding: true, projectsTokens: false))
    }
}
