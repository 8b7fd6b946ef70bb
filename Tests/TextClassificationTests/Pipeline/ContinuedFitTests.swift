import Foundation
import Testing
@testable import TextClassification

/// Training a saved model further: with its optimizer state saved, 2 + 2 epochs are 4.
@Suite struct ContinuedFitTests {
    let texts = (0..<60).map { k in k % 2 == 0 ? "质量很好 非常满意 推荐 \(k % 7)" : "太差了 很失望 退货 \(k % 5)" }
    var labels: [Int] { texts.indices.map { $0 % 2 == 0 ? 1 : 0 } }

    func directory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("continued-\(UUID().uuidString)")
    }

    @Test(arguments: [SequenceEncoder.Kind.bag, .lstm])
    func twoAndTwoEpochsFromASavedModelAreFour(encoder: SequenceEncoder.Kind) throws {
        var configuration = TextClassifier.Configuration.recommended(for: .binary, encoder: encoder)
        configuration.maxLength = 12
        configuration.embeddingDim = 8
        configuration.units = 8
        var once = try TextClassifier(configuration: configuration)
        try once.fit(texts: texts, labels: labels, epochs: 4, seed: 5)

        var first = try TextClassifier(configuration: configuration)
        try first.fit(texts: texts, labels: labels, epochs: 2, seed: 5)
        let saved = directory()
        defer { try? FileManager.default.removeItem(at: saved) }
        try first.save(to: saved, includingOptimizerState: true)
        var resumed = try TextClassifier(contentsOf: saved)
        #expect(resumed.optimizerState?.step == first.optimizerState?.step && resumed.optimizerState?.seed == 5)
        try resumed.fit(texts: texts, labels: labels, epochs: 2, seed: 5, continuing: true)

        #expect(resumed.history?.epochs.map(\.epoch) == [1, 2, 3, 4])
        for (a, b) in zip(once.model!.namedParameters, resumed.model!.namedParameters) {
            let largest = zip(a.tensor.scalars, b.tensor.scalars).map { abs($0 - $1) }.max() ?? 0
            #expect(a.name == b.name && largest <= 1e-6, "\(encoder) \(a.name): \(largest)")
        }
    }

    @Test func withoutTheOptimizerStateTrainingGoesOnFromTheWeights() throws {
        var configuration = TextClassifier.Configuration.recommended(for: .binary)
        configuration.maxLength = 12
        var first = try TextClassifier(configuration: configuration)
        try first.fit(texts: texts, labels: labels, epochs: 2)
        let saved = directory()
        defer { try? FileManager.default.removeItem(at: saved) }
        try first.save(to: saved)
        #expect(!FileManager.default.fileExists(atPath: saved.appendingPathComponent("optimizer.safetensors").path))
        var resumed = try TextClassifier(contentsOf: saved)
        #expect(resumed.optimizerState == nil)
        let before = try resumed.evaluate(texts: texts, labels: labels)
        try resumed.fit(texts: texts, labels: labels, epochs: 3, continuing: true)
        #expect(try resumed.evaluate(texts: texts, labels: labels).loss < before.loss)
        #expect(resumed.vocabulary.indexWord == first.vocabulary.keepingEncodedWords().indexWord, "the vocabulary is kept")
    }

    @Test func onlyAFittedFullPrecisionModelContinues() throws {
        var fresh = try TextClassifier(configuration: .recommended(for: .binary))
        #expect(throws: TextClassificationError.self) {
            try fresh.fit(texts: texts, labels: labels, epochs: 1, continuing: true)
        }
    }
}
