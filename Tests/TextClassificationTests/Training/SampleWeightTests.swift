import Foundation
import Testing
@testable import TextClassification

/// Per-row weights (Keras's `sample_weight`), written once in the head's step: every encoder
/// and head gets them through the one training contract.
@Suite struct SampleWeightTests {
    /// Three rows a, b, c of distinct tokens (one padded, c shares no token with the others).
    let indices = IndexMatrix(rows: 3, columns: 5, storage: [0, 1, 2, 3, 1,
                                                              4, 5, 2, 6, 5,
                                                              0, 0, 7, 8, 8])

    func model(_ kind: SequenceEncoder.Kind, _ head: ClassificationHead.Kind) -> SequenceClassifier {
        SequenceClassifier(inputDim: 9, embeddingDim: 4, units: 3, encoder: kind, head: head,
                           classes: head == .binary ? 2 : 3, seed: 7)
    }

    /// Targets of rows a, b, c for `head`.
    func labels(_ head: ClassificationHead.Kind) -> [[Float]] {
        switch head {
        case .binary: [[1], [0], [1]]
        case .multiClass: [[2], [0], [1]]
        case .multiLabel: [[1, 0, 1], [0, 1, 1], [1, 1, 0]]
        }
    }

    /// Dense gradients (the embedding's as a whole table) of `rows` of `indices`.
    func gradients(_ model: SequenceClassifier, rows: [Int], head: ClassificationHead.Kind,
                   weights: [Float]? = nil) throws -> (loss: Float, gradients: [String: Tensor]) {
        let steps = indices.columns
        let x = IndexMatrix(rows: rows.count, columns: steps, storage: rows.flatMap { indices.storage[$0 * steps ..< ($0 + 1) * steps] })
        let batch = TrainingBatch(indices: x, labels: rows.flatMap { labels(head)[$0] }, sampleWeights: weights)
        let result = try model.gradients(batch)
        #expect(result.allFinite)
        return (result.loss, result.denseGradients(embeddingShape: model.encoder.embedding.embeddings.shape).gradients)
    }

    func expectClose(_ a: (loss: Float, gradients: [String: Tensor]), _ b: (loss: Float, gradients: [String: Tensor]),
                     scale: Float = 1, _ what: String) {
        #expect(abs(a.loss * scale - b.loss) <= 1e-6 * max(1, abs(b.loss)), "\(what): loss \(a.loss * scale) vs \(b.loss)")
        for (name, gradient) in b.gradients {
            let ours = a.gradients[name]!.scalars
            let largest = gradient.scalars.map(abs).max() ?? 0
            let worst = zip(ours, gradient.scalars).map { abs($0 * scale - $1) }.max() ?? 0
            #expect(largest > 0 || name == "embedding/embeddings" && a.gradients[name]!.scalars.allSatisfy { $0 == 0 },
                    "\(what) \(name): a zero gradient proves nothing")
            #expect(worst <= 2e-6 * max(1, largest), "\(what) \(name): differs by \(worst)")
        }
    }

    /// Weight 2 is the row given twice; weight 0 leaves it out: [a, b, c] weighted [1, 2, 0]
    /// gives [a, b, b]'s loss and gradients (both batches hold 3 rows, so both divide by 3),
    /// and [a, b, c] weighted [1, 1, 0] gives [a, b]'s times 2/3 (the mean over 3 rows, not 2).
    @Test(arguments: SequenceEncoder.Kind.allCases.map { ($0, ClassificationHead.Kind.multiClass) }
                     + [(.bag, .binary), (.bag, .multiLabel), (.lstm, .binary), (.bilstm, .multiLabel)])
    func weightTwoIsTheRowTwiceAndZeroLeavesItOut(kind: SequenceEncoder.Kind, head: ClassificationHead.Kind) throws {
        let model = model(kind, head)
        let twice = try gradients(model, rows: [0, 1, 1], head: head)
        let weighted = try gradients(model, rows: [0, 1, 2], head: head, weights: [1, 2, 0])
        expectClose(weighted, twice, "\(kind) \(head) weight 2")
        let without = try gradients(model, rows: [0, 1], head: head)
        let zero = try gradients(model, rows: [0, 1, 2], head: head, weights: [1, 1, 0])
        expectClose(zero, without, scale: 3 / 2, "\(kind) \(head) weight 0")
        // And the weights matter: the unweighted batch is another one.
        let plain = try gradients(model, rows: [0, 1, 2], head: head)
        #expect(abs(plain.loss - weighted.loss) > 1e-4)
    }

    /// `fit` with every weight 1 trains the same weights, to the bit, as without weights; bad
    /// weights are refused before training.
    @Test func weightsOfOneChangeNothingAndBadWeightsAreRefused() throws {
        let labels: [Float] = [2, 0, 1]
        var plain = model(.bag, .multiClass), weighted = plain
        var adam = Adam(), other = Adam()
        try plain.fit(indices, labels: labels, epochs: 3, batchSize: 2, seed: 4, optimizer: &adam)
        try weighted.fit(indices, labels: labels, sampleWeights: [1, 1, 1], epochs: 3, batchSize: 2, seed: 4, optimizer: &other)
        #expect(plain.namedParameters.map(\.tensor) == weighted.namedParameters.map(\.tensor))
        for bad: [Float] in [[1, 1], [1, -1, 1], [1, .nan, 1], [0, 0, 0]] {
            var model = model(.bag, .multiClass), adam = Adam()
            #expect(throws: TextClassificationError.self, "\(bad)") {
                try model.fit(indices, labels: labels, sampleWeights: bad, optimizer: &adam)
            }
        }
    }

    /// The pipeline splits the weights with the texts: the held-out rows are validated unweighted.
    @Test func theClassifierTrainsOnWeightedTextsAndHoldsOutTheirWeights() throws {
        let texts = ["好看的电影", "难看的电影", "很好看", "太难看", "好极了", "糟透了"]
        var classifier = try TextClassifier(configuration: .init(maxLength: 8), labelNames: ["负面", "正面"])
        let history = try classifier.fit(texts: texts, labels: [1, 0, 1, 0, 1, 0], sampleWeights: [1, 0.5, 1, 0.5, 2, 7],
                                         epochs: 2, validationSplit: 0.34)
        #expect(history.heldOutRows == 2 && history.epochs.count == 2)
        #expect(throws: TextClassificationError.self) {
            try classifier.fit(texts: texts, labels: [1, 0, 1, 0, 1, 0], sampleWeights: [1, 1], epochs: 1)
        }
    }
}
