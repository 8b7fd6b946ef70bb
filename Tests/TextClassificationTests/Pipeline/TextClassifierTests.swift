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
        try FileManager.default.removeItem(at: directory.appendingPathComponent("vocabulary.table"))
        #expect { try TextClassifier(contentsOf: directory) } throws: { error in
            "\(error.localizedDescription)".contains("vocabulary.table is missing")
        }

        try classifier.save(to: directory)
        let config = directory.appendingPathComponent("config.json")
        let newer = try String(contentsOf: config, encoding: .utf8)
            .replacingOccurrences(of: "\"formatVersion\" : 3", with: "\"formatVersion\" : 99")  // LSTM models are written as 3
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

    /// fit says which rows its validation split held out, so a report measures those very rows.
    @Test func historyRecordsTheRowsTheSplitHeldOut() throws {
        var classifier = try TextClassifier(configuration: .init(numWords: 100, maxLength: 10))
        #expect(try classifier.fit(texts: texts + texts, labels: labels + labels, epochs: 1, validationSplit: 0.34).heldOutRows == 2)
        #expect(try classifier.fit(texts: texts, labels: labels, epochs: 1).heldOutRows == nil)
        #expect(TextClassifier.heldOutRows(of: 100, validationSplit: 0.1) == 10)
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
        var adam = Adam()
        #expect(throws: TextClassificationError.nonFiniteLoss(epoch: 1, batch: 1)) {
            try model.fit(indices, labels: [0, 1, 0, 1], epochs: 2, batchSize: 2, shuffle: false, optimizer: &adam)
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

/// The pipeline with more than two labels: multi-class topics and multi-label tags.
@Suite struct MultiLabelPipelineTests {
    let texts = ["股市 大涨 银行", "球队 夺冠 比赛", "新 手机 发布", "银行 利率 下调", "比赛 门票 售罄", "手机 芯片 股市"]

    func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("textclf-tests-\(UUID().uuidString)")
    }

    @Test func multiClassPredictsEveryClassAndRoundTrips() throws {
        var classifier = try TextClassifier(configuration: .init(numWords: 100, maxLength: 8),
                                            labelNames: ["finance", "sports", "tech"])
        #expect(classifier.labels.head == .multiClass)
        try classifier.fit(texts: texts, labels: [0, 1, 2, 0, 1, 2], classWeight: .balanced, epochs: 3, seed: 2)
        #expect(classifier.classWeights == [1, 1, 1], "balanced classes weigh 1 each")
        let predictions = try classifier.predict(texts: texts)
        for p in predictions {
            #expect(p.probabilities.count == 3 && abs(p.probabilities.reduce(0, +) - 1) < 1e-5)
            #expect(p.labelIndices.count == 1 && p.label == classifier.labelNames[p.labelIndex])
            #expect(p.probability == p.probabilities.max())
            let top = p.top(3)
            #expect(top.map(\.label).first == p.label && top.map(\.probability) == p.probabilities.sorted(by: >))
        }
        // Nothing reaches probability 1: every text becomes the unknown label.
        let unknown = try classifier.predict(texts: texts, minimumProbability: 1, unknownLabel: "other")
        #expect(unknown.allSatisfy { $0.label == "other" && $0.labelIndices.isEmpty })

        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try classifier.save(to: directory)
        let loaded = try TextClassifier(contentsOf: directory)
        #expect(loaded.labels == classifier.labels && loaded.classWeights == [1, 1, 1])
        #expect(try loaded.predict(texts: texts) == predictions)
    }

    @Test func balancedClassWeightsFollowKeras() throws {
        var classifier = try TextClassifier(configuration: .init(maxLength: 8), labelNames: ["a", "b", "c"])
        // 6 rows: a ×3, b ×2, c ×1 → n / (K · n_c) = 6/9, 6/6, 6/3.
        try classifier.fit(texts: texts, labels: [0, 0, 0, 1, 1, 2], classWeight: .balanced, epochs: 1)
        #expect(classifier.classWeights == [Float(6) / 9, 1, 2])
        var tags = try TextClassifier(configuration: .init(maxLength: 8), labelNames: ["x", "y"], head: .multiLabel)
        // x in 2 of 6 rows, y in 3: positive weights n_without / n_with = 4/2, 3/3.
        try tags.fit(texts: texts, labels: [[0], [0, 1], [1], [1], [], []], classWeight: .balanced, epochs: 1)
        #expect(tags.classWeights == [2, 1])
    }

    @Test func multiLabelPredictsSetsAndRoundTrips() throws {
        var classifier = try TextClassifier(configuration: .init(numWords: 100, maxLength: 8),
                                            labelNames: ["money", "sport", "tech"], head: .multiLabel, labelSeparator: ";")
        let sets = [[0], [1], [2], [0], [1], [0, 2]]
        try classifier.fit(texts: texts, labels: sets, epochs: 2, seed: 3)
        let predictions = try classifier.predict(texts: texts, threshold: 0.3)
        for p in predictions {
            #expect(p.probabilities.count == 3)
            #expect(p.labelIndices == p.probabilities.indices.filter { p.probabilities[$0] >= 0.3 })
            #expect(p.label == p.labels.joined(separator: ";"))
        }
        guard case let .multiLabel(report) = try classifier.report(texts: texts, labelSets: sets) else {
            Issue.record("not a multi-label report"); return
        }
        #expect(report.count == 6 && report.labels.map(\.support) == [3, 2, 2])
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try classifier.save(to: directory)
        let loaded = try TextClassifier(contentsOf: directory)
        #expect(loaded.labels.head == .multiLabel && loaded.labels.separator == ";")
        #expect(try loaded.predict(texts: texts, threshold: 0.3) == predictions)
        // Label sets given to a single-label classifier (and the reverse) are refused.
        var single = try TextClassifier(labelNames: ["a", "b"])
        #expect(throws: TextClassificationError.self) { try single.fit(texts: texts, labels: sets) }
        #expect(throws: TextClassificationError.self) { try classifier.fit(texts: texts, labels: [0, 1, 2, 0, 1, 2]) }
    }

    /// A model directory of format 1 (before heads existed) loads as binary and predicts the same.
    @Test func formatOneDirectoriesLoadAsBinary() throws {
        var classifier = try TextClassifier(configuration: .init(numWords: 100, maxLength: 8), labelNames: ["neg", "pos"])
        try classifier.fit(texts: texts, labels: [0, 1, 0, 1, 0, 1], epochs: 1)
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try classifier.save(to: directory)
        let config = directory.appendingPathComponent("config.json")
        var object = try JSONSerialization.jsonObject(with: Data(contentsOf: config)) as! [String: Any]
        object["formatVersion"] = 1
        object["head"] = nil
        try JSONSerialization.data(withJSONObject: object).write(to: config)
        let loaded = try TextClassifier(contentsOf: directory)
        #expect(loaded.labels.head == .binary)
        #expect(try loaded.predict(texts: texts) == classifier.predict(texts: texts))
    }
}
