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

    @Test func newWordsGetRowsOfTheirOwnAfterTheOldOnes() throws {
        var configuration = TextClassifier.Configuration.recommended(for: .multiClass)
        configuration.maxLength = 20
        var classifier = try TextClassifier(configuration: configuration, labelNames: ["a", "b", "c"], head: .multiClass)
        try classifier.fit(texts: ["股市 大涨", "球队 夺冠", "电影 上映"], labels: [0, 1, 2], epochs: 1)
        let old = classifier.vocabulary.wordIndex, rows = classifier.model!.encoder.embedding.inputDim
        let table = classifier.model!.encoder.embedding.embeddings.scalars
        let added = try classifier.addWords(of: ["基金 大涨 大涨", "新片 上映"])
        #expect(added > 0 && classifier.vocabulary.indexWord.count == old.count + 1 + added)
        #expect(old.allSatisfy { classifier.vocabulary.wordIndex[$0.key] == $0.value }, "old words keep their indices")
        #expect(classifier.vocabulary.wordIndex["基金"]! >= rows, "a new word takes a new row")
        let grown = classifier.model!.encoder.embedding
        #expect(grown.inputDim == rows + added && Array(grown.embeddings.scalars.prefix(table.count)) == table)
        let moments = classifier.optimizerState?.state.stateTensors.first { $0.name == Embedding.weightName + "/m" }
        #expect(moments?.tensor.count == grown.embeddings.count)
        try classifier.fit(texts: ["基金 大涨", "新片 上映"], labels: [0, 2], epochs: 1, continuing: true)
        // Saved and read back, each word keeps its row although the counts now rank otherwise.
        let saved = directory()
        defer { try? FileManager.default.removeItem(at: saved) }
        try classifier.save(to: saved)
        let loaded = try TextClassifier(contentsOf: saved)
        #expect(loaded.vocabulary.wordIndex == classifier.vocabulary.wordIndex)
        #expect(try loaded.predict(texts: ["基金 大涨"]) == classifier.predict(texts: ["基金 大涨"]))
    }

    @Test func aNewLabelTurnsABinaryHeadMultiClassWithTheSameProbabilities() throws {
        var configuration = TextClassifier.Configuration.recommended(for: .binary)
        configuration.maxLength = 12
        var classifier = try TextClassifier(configuration: configuration, labelNames: ["neg", "pos"])
        try classifier.fit(texts: texts, labels: labels, epochs: 2)
        let before = try classifier.predict(texts: Array(texts.prefix(4)))
        try classifier.addLabels(["neutral"])
        #expect(classifier.labelNames == ["neg", "pos", "neutral"] && classifier.labels.head == .multiClass)
        let after = try classifier.predict(texts: Array(texts.prefix(4)))
        for (b, a) in zip(before, after) {
            // softmax([0, z, 0]) with the new class at 0: the old two keep their odds.
            #expect(abs(a.probabilities[1] / a.probabilities[0] - b.probabilities[1] / b.probabilities[0]) < 1e-3 * b.probabilities[1] / b.probabilities[0])
        }
        try classifier.fit(texts: texts + ["一般 还行", "一般 凑合"], labels: labels + [2, 2], epochs: 2, continuing: true)
        #expect(classifier.history?.epochs.count == 4)
    }
}
