import Foundation
import Testing
@testable import TextClassification

@Suite struct TextClassifierTests {
    let texts = ["这是一段文本。", "这是另一段文本。", "第三段文本。"]
    let labels = [0, 1, 0]

    func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("textclf-tests-\(UUID().uuidString)")
    }

    /// The seed example through the library: the Keras settings, 10 epochs.
    @Test func seedExampleTrainsAndPredicts() throws {
        var classifier = try TextClassifier(configuration: .init(numWords: 1000, maxLength: 100))
        let history = try classifier.fit(texts: texts, labels: labels, epochs: 10, seed: 1)
        #expect(history.epochs.count == 10)
        #expect(history.epochs.last!.loss < history.epochs.first!.loss)
        #expect(classifier.vocabulary.wordIndex["文本"] == 1, "the most frequent word ranks first")
        #expect(classifier.model?.encoder.embedding.inputDim == 1000, "Embedding(1000, 64) as in the seed")
        let predictions = try classifier.predict(texts: texts)
        #expect(predictions.count == 3)
        #expect(predictions.allSatisfy { $0.probability > 0 && $0.probability < 1 })
    }

    @Test func sameSeedGivesIdenticalWeights() throws {
        func train() throws -> [Tensor] {
            var classifier = try TextClassifier(configuration: .init(numWords: 1000, maxLength: 20))
            try classifier.fit(texts: texts, labels: labels, epochs: 3, batchSize: 2, seed: 7)
            return classifier.model!.namedParameters.map(\.tensor)
        }
        #expect(try train() == train())
    }

    @Test func savedModelPredictsTheSame() throws {
        var classifier = try TextClassifier(configuration: .init(numWords: 1000, maxLength: 20), labelNames: ["neg", "pos"])
        try classifier.fit(texts: texts, labels: labels, epochs: 2, seed: 3)
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try classifier.save(to: directory)
        try classifier.save(to: directory)  // replacing an existing model works too
        let loaded = try TextClassifier(contentsOf: directory)
        #expect(loaded.labelNames == ["neg", "pos"])
        #expect(loaded.vocabulary == classifier.vocabulary)
        #expect(try loaded.predict(texts: texts) == classifier.predict(texts: texts))
        #expect(loaded.history?.epochs.count == 2)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.deletingLastPathComponent().path)
            .filter { $0.contains(directory.lastPathComponent) && $0 != directory.lastPathComponent }
        #expect(leftovers.isEmpty, "no temporary directories left behind")
    }

    @Test func damagedModelsAreRejectedWithAReason() throws {
        var classifier = try TextClassifier(configuration: .init(numWords: 100, maxLength: 10))
        try classifier.fit(texts: texts, labels: labels, epochs: 1)
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }

        try classifier.save(to: directory)
        let weights = directory.appendingPathComponent("model.safetensors")
        let data = try Data(contentsOf: weights)
        try data.prefix(data.count / 2).write(to: weights)
        #expect { try TextClassifier(contentsOf: directory) } throws: { error in
            "\(error.localizedDescription)".contains("truncated")
        }

        try classifier.save(to: directory)
        try FileManager.default.removeItem(at: directory.appendingPathComponent("vocabulary.json"))
        #expect { try TextClassifier(contentsOf: directory) } throws: { error in
            "\(error.localizedDescription)".contains("vocabulary.json is missing")
        }

        try classifier.save(to: directory)
        let config = directory.appendingPathComponent("config.json")
        let newer = try String(contentsOf: config, encoding: .utf8)
            .replacingOccurrences(of: "\"formatVersion\" : \(TextClassifier.formatVersion)", with: "\"formatVersion\" : 99")
        try newer.write(to: config, atomically: true, encoding: .utf8)
        #expect { try TextClassifier(contentsOf: directory) } throws: { error in
            "\(error.localizedDescription)".contains("newer")
        }

        // Weights whose shapes disagree with config.json are refused with a named error
        // before any layer is built (the layers' shape preconditions are never reached).
        try classifier.save(to: directory)
        let smaller = try String(contentsOf: config, encoding: .utf8)
            .replacingOccurrences(of: "\"units\" : 64", with: "\"units\" : 32")
        try smaller.write(to: config, atomically: true, encoding: .utf8)
        #expect { try TextClassifier(contentsOf: directory) } throws: { error in
            let message = "\(error.localizedDescription)"
            return message.contains("model.safetensors") && message.contains("has shape")
                && message.contains("config.json implies")
        }
    }

    @Test func unfittedClassifierSaysSo() throws {
        let classifier = try TextClassifier()
        #expect(throws: TextClassificationError.self) { try classifier.predict(texts: ["文本"]) }
    }
}

@Suite struct NumericalSafetyTests {
    /// A non-finite loss stops training with the epoch and batch, before the update: the
    /// weights stay the last good ones.
    @Test func nonFiniteLossStopsWithEpochAndBatch() throws {
        var model = SequenceClassifier(inputDim: 10, embeddingDim: 4, units: 4, seed: 1)
        model.encoder.embedding.embeddings.scalars[3] = .nan  // row 0: every padded sequence reads it
        let before = model.namedParameters.map(\.tensor)
        let indices = IndexMatrix(rows: 4, columns: 3, storage: [0, 1, 2, 0, 0, 3, 4, 5, 6, 0, 7, 8])
        #expect(throws: TextClassificationError.nonFiniteLoss(epoch: 1, batch: 1)) {
            try model.fit(indices, labels: [0, 1, 0, 1], epochs: 2, batchSize: 2, shuffle: false)
        }
        #expect(model.namedParameters.map(\.tensor).elementsEqual(before) { a, b in
            zip(a.scalars, b.scalars).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }
        })
    }
}

@Suite struct LongTextTests {
    /// A text of several MiB is cut to the 1 MiB that pre-truncation keeps: the encoded
    /// sequence is the same as for that last part alone.
    @Test func hugeTextsAreCutAtTheKeptEnd() throws {
        var classifier = try TextClassifier(configuration: .init(maxLength: 10))
        try classifier.fit(texts: ["很好 质量", "差 物流"], labels: [1, 0], epochs: 1)
        let huge = String(repeating: "很好，", count: 400_000) + "差 物流"  // ~3.6 MB
        let tail = String(repeating: "很好，", count: 1000) + "差 物流"
        #expect(classifier.encode([huge]) == classifier.encode([tail]))
        #expect(try classifier.predict(texts: [huge]).count == 1)
    }
}
