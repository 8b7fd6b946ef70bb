import Foundation
import Testing
@testable import TextClassification

/// The optimizers behind one protocol: each named by its kind, SGD's schedule and step, and
/// every kind training a model through the same fit.
@Suite struct OptimizerTests {
    /// A model with one dense weight and one embedding, for hand-computed steps.
    struct Toy: ParameterizedModel {
        var table = Tensor(shape: [3, 2], scalars: [1, 1, 1, 1, 1, 1])
        var bias = Tensor(shape: [2], scalars: [0, 0])
        var parameterPaths: [(name: String, path: WritableKeyPath<Toy, Tensor>)] { [("table", \.table), ("bias", \.bias)] }
    }

    /// fastText's schedule: w −= rate·g, the rate falling linearly to 0 over the fit's steps;
    /// only the rows given move.
    @Test func sgdStepsWithALinearlyDecayingRate() {
        var toy = Toy(), sgd = SGD(learningRate: 0.5)
        sgd.begin(steps: 4)
        let rows = RowGradient(rows: [2], gradient: [1, -2])
        for expectedRate: Float in [0.5, 0.375, 0.25, 0.125] {
            let before = toy
            sgd.update(&toy, along: ["bias": Tensor(shape: [2], scalars: [1, 0])], rowGradients: ["table": rows])
            #expect(toy.bias.scalars == [before.bias.scalars[0] - expectedRate, 0])
            #expect(toy.table.scalars[4...] == [before.table.scalars[4] - expectedRate, before.table.scalars[5] + 2 * expectedRate])
        }
        #expect(toy.table.scalars[..<4] == [1, 1, 1, 1], "rows without a gradient do not move")
        #expect(sgd.step == 4 && sgd.stateTensors.isEmpty && !sgd.readsPositionSquares)
    }

    /// Optimizers write a model's weights in place through its parameter paths: a step that
    /// moves two rows leaves the embedding where it was, not copied (a computed property on
    /// the path would copy the whole table at every step).
    @Test(arguments: OptimizerKind.allCases)
    func aStepWritesTheEmbeddingInPlace(kind: OptimizerKind) throws {
        var model = SequenceClassifier(inputDim: 10_000, embeddingDim: 8, encoder: .bag, head: .binary, classes: 1, seed: 3)
        func tableAddress() -> UnsafeRawPointer? { model.encoder.embedding.table.scalars.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) } }
        let address = tableAddress(), before = Array(model.encoder.embedding.table.scalars[8..<24])  // not a slice: it would share the buffer
        var optimizer = kind.make(learningRate: 0.1)
        func step<O: Optimizer>(_ optimizer: inout O) {
            let rows = RowGradient(rows: [1, 2], gradient: [Float](repeating: 1, count: 16), squares: [Float](repeating: 1, count: 16))
            let others = Set(model.parameterPaths.map(\.name)).subtracting([Embedding.weightName])
            optimizer.begin(steps: 2)
            for _ in 0..<2 {
                optimizer.prepare(&model, rows: { [1, 2] }, of: Embedding.weightName)
                optimizer.update(&model, along: [:], rowGradients: [Embedding.weightName: rows], frozen: others)
            }
            optimizer.catchUp(&model)
        }
        step(&optimizer)
        #expect(Array(model.encoder.embedding.table.scalars[8..<24]) != before, "the rows stepped")
        #expect(tableAddress() == address, "\(kind) copied the embedding")
    }

    /// Every kind makes its own type, trains the bag through the one fit (the loss falls), and
    /// is named in the state a saved model keeps, which loads back as the same type.
    @Test(arguments: OptimizerKind.allCases)
    func everyKindTrainsAndIsSavedByName(kind: OptimizerKind) throws {
        #expect(type(of: kind.make(learningRate: 0.1)).kind == kind)
        let texts = ["好看的电影", "难看的电影", "很好看", "太难看", "好极了", "糟透了", "真好看", "真难看"]
        var classifier = try TextClassifier(configuration: .recommended(for: .binary), labelNames: ["负面", "正面"])
        let history = try classifier.fit(texts: texts, labels: [1, 0, 1, 0, 1, 0, 1, 0], epochs: 8, batchSize: 4,
                                         learningRate: kind == .sgd ? 2 : 0.02, optimizer: kind)
        #expect(history.epochs.last!.loss < history.epochs.first!.loss, "\(kind): \(history.epochs.map(\.loss))")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("optimizer-\(kind)-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        try classifier.save(to: directory, includingOptimizerState: true)
        let loaded = try TextClassifier(contentsOf: directory)
        let state = try #require(loaded.optimizerState)
        #expect(state.optimizer == kind && type(of: state.state).kind == kind && state.step == classifier.optimizerState?.step)
        // Older builds cannot decode "sgd": such a directory asks them to upgrade (format 8).
        #expect((loaded.origin?.formatVersion == 8) == (kind == .sgd), "\(String(describing: loaded.origin))")
        let file = try Data(contentsOf: directory.appendingPathComponent("optimizer.safetensors"))
        #expect(String(decoding: file.prefix(400), as: UTF8.self).contains("\"optimizer\":\"\(kind.rawValue)\""))
    }
}
