import Foundation
import Testing
@testable import TextClassification

/// A saved model opens by mapping its files: the weights and the word table are read in
/// place, and answers are the same bytes as from the model in memory. A file changed under a
/// reader gives a named error, never a crash.
@Suite struct MappedModelTests {
    let texts = ["这是一段文本。", "这是另一段文本。", "第三段文本。", "完全不同的句子", "股市大涨", "球队赢了"]
    let labels = [0, 1, 0, 1, 1, 0]

    func trained(_ configuration: TextClassifier.Configuration = .init(unit: .wordchar, maxLength: 20, encoder: .bag)) throws -> TextClassifier {
        var classifier = try TextClassifier(configuration: configuration)
        try classifier.fit(texts: texts, labels: labels, epochs: 2, seed: 1)
        return classifier
    }

    func saved(_ classifier: TextClassifier) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("textclf-mapped-\(UUID().uuidString)")
        try classifier.save(to: directory)
        return directory
    }

    /// Makes `directory` as models were saved before the word table: vocabulary.json or
    /// vocabulary.txt only.
    static func forgetWordTable(_ directory: URL) throws {
        try FileManager.default.removeItem(at: directory.appendingPathComponent("vocabulary.table"))
        let url = directory.appendingPathComponent("config.json")
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        config["wordTable"] = nil
        var files = config["files"] as! [String: Any]
        files["vocabulary.table"] = nil
        config["files"] = files
        try JSONSerialization.data(withJSONObject: config).write(to: url)
    }

    func probabilities(_ classifier: TextClassifier) throws -> [[Float]] {
        try classifier.predict(texts: texts + ["没见过的词", ""]).map(\.probabilities)
    }

    @Test func aMappedModelAnswersAsTheModelInMemory() throws {
        for configuration in [TextClassifier.Configuration(unit: .wordchar, maxLength: 20, encoder: .bag),
                              .init(numWords: 8, oovToken: "<OOV>", maxLength: 12, units: 4, encoder: .lstm),
                              .init(unit: .ngrams, maxLength: 20, encoder: .bag, buckets: 64)] {
            let classifier = try trained(configuration)
            let directory = try saved(classifier)
            defer { try? FileManager.default.removeItem(at: directory) }
            let opened = try TextClassifier(contentsOf: directory)
            guard opened.model!.encoder.embedding.mapped != nil else {
                Issue.record("the embedding was read into memory"); return
            }
            #expect(try probabilities(opened) == probabilities(classifier))
            // The vocabulary decoded from the table is the one vocabulary.json holds.
            try Self.forgetWordTable(directory)
            let fromJSON = try TextClassifier(contentsOf: directory)
            #expect(opened.vocabulary == fromJSON.vocabulary)
            #expect(opened.vocabulary == classifier.vocabulary.keepingEncodedWords())
            #expect(try probabilities(fromJSON) == probabilities(classifier))
        }
    }

    @Test func aQuantizedModelIsReadInPlaceToTheSameAnswers() throws {
        let quantized = try trained().quantized()
        let directory = try saved(quantized)
        defer { try? FileManager.default.removeItem(at: directory) }
        let opened = try TextClassifier(contentsOf: directory)
        guard let rows = opened.model!.encoder.embedding.mapped, case .i8 = rows.values else {
            Issue.record("the quantized rows were not read in place"); return
        }
        #expect(try probabilities(opened) == probabilities(quantized))
        #expect(opened.model!.encoder.embedding.embeddings == quantized.model!.encoder.embedding.embeddings)
    }

    /// Training a mapped model copies its rows into memory first; the file is left as it was.
    @Test func trainingAMappedModelLeavesItsFileAlone() throws {
        let directory = try saved(trained())
        defer { try? FileManager.default.removeItem(at: directory) }
        let before = try Data(contentsOf: directory.appendingPathComponent("model.safetensors"))
        var opened = try TextClassifier(contentsOf: directory)
        try opened.fit(texts: texts, labels: labels, epochs: 1, seed: 2, continuing: true)
        guard opened.model!.encoder.embedding.mapped == nil else { Issue.record("still mapped"); return }
        #expect(try Data(contentsOf: directory.appendingPathComponent("model.safetensors")) == before)
    }

    /// `truncate` on the weights of an open model: the next answer is refused, naming the
    /// file, and the process lives on (without the guard, SIGBUS would kill it).
    @Test func aFileTruncatedUnderAReaderGivesANamedError() throws {
        let directory = try saved(trained())
        defer { try? FileManager.default.removeItem(at: directory) }
        let opened = try TextClassifier(contentsOf: directory)
        let weights = directory.appendingPathComponent("model.safetensors").path
        #expect(truncate(weights, 0) == 0)
        #expect { try opened.predict(texts: texts) } throws: { error in
            let message = (error as? TextClassificationError)?.errorDescription ?? ""
            return message.contains(weights) && message.contains("truncated while the model was open")
        }
    }

    /// Written in place with other bytes of the same size: refused as changed.
    @Test func aFileOverwrittenInPlaceGivesANamedError() throws {
        let directory = try saved(trained())
        defer { try? FileManager.default.removeItem(at: directory) }
        let opened = try TextClassifier(contentsOf: directory)
        let weights = directory.appendingPathComponent("model.safetensors")
        let handle = try FileHandle(forWritingTo: weights)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data([0]))  // grows it: its size and time change
        try handle.close()
        #expect { try opened.predict(texts: texts) } throws: { error in
            ((error as? TextClassificationError)?.errorDescription ?? "").contains("changed while the model was open")
        }
    }

    /// Opened in memory (as the server opens models), a model keeps answering as before
    /// whatever is written over its files.
    @Test func aModelOpenedInMemoryOutlivesItsFiles() throws {
        for classifier in [try trained(), try trained().quantized()] {
            let directory = try saved(classifier)
            defer { try? FileManager.default.removeItem(at: directory) }
            let opened = try TextClassifier(contentsOf: directory, inMemory: true)
            guard opened.model!.encoder.embedding.mapped == nil else { Issue.record("mapped"); return }
            for name in ["model.safetensors", "vocabulary.table"] {
                #expect(truncate(directory.appendingPathComponent(name).path, 0) == 0)
            }
            #expect(try probabilities(opened) == probabilities(classifier))
            #expect(opened.vocabulary.indexWord == classifier.vocabulary.keepingEncodedWords().indexWord)
        }
    }

    /// A save over the model swaps the directory: a reader keeps answering from the files it
    /// opened.
    @Test func aSaveOverAnOpenModelLeavesItsReaderAnswering() throws {
        let classifier = try trained()
        let directory = try saved(classifier)
        defer { try? FileManager.default.removeItem(at: directory) }
        let opened = try TextClassifier(contentsOf: directory)
        var other = try TextClassifier(configuration: .init(unit: .wordchar, maxLength: 20, encoder: .bag))
        try other.fit(texts: texts, labels: labels.map { 1 - $0 }, epochs: 2, seed: 3)
        try other.save(to: directory)
        #expect(try probabilities(opened) == probabilities(classifier))
    }

    /// Files over 8 MB record the hash of each 8 MB chunk, checked on every core: a byte
    /// changed in any chunk, or a NaN with every hash made to match, is still refused.
    @Test func largeFilesAreCheckedChunkByChunk() throws {
        let classifier = try trained(.init(unit: .ngrams, maxLength: 20, encoder: .bag, buckets: 40_000))  // 10 MB of rows
        let directory = try saved(classifier)
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("config.json"), url = directory.appendingPathComponent("model.safetensors")
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: config)) as! [String: Any]
        var files = json["files"] as! [String: [String: Any]]
        #expect((files["model.safetensors"]?["chunks"] as? [String])?.count == 2)
        #expect(try probabilities(TextClassifier(contentsOf: directory)) == probabilities(classifier))

        let original = try Data(contentsOf: url)
        var damaged = original
        damaged[damaged.count - 4096] ^= 0x01  // in the second chunk, among the embedding's rows
        try damaged.write(to: url)
        #expect { try TextClassifier(contentsOf: directory) } throws: { error in
            ((error as? TextClassificationError)?.errorDescription ?? "").contains("differs from the one saved with this model")
        }

        var poisoned = original
        let nan = Float.nan.bitPattern
        withUnsafeBytes(of: nan.littleEndian) { poisoned.replaceSubrange(poisoned.count - 4096 ..< poisoned.count - 4092, with: $0) }
        try poisoned.write(to: url)
        let record = TextClassifier.StoredFile(of: poisoned)
        files["model.safetensors"] = ["bytes": record.bytes, "xxh64": record.xxh64, "chunks": record.chunks!]
        json["files"] = files
        try JSONSerialization.data(withJSONObject: json).write(to: config)
        #expect { try TextClassifier(contentsOf: directory) } throws: { error in
            ((error as? TextClassificationError)?.errorDescription ?? "").contains("holds NaN or infinite values")
        }
    }

    /// A word table whose slots point outside its words is refused before any lookup.
    @Test func aForgedWordTableIsRefused() throws {
        let directory = try saved(trained())
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("vocabulary.table")
        var table = try Data(contentsOf: url)
        // Every slot taken and pointing far away: probes would never end, reads would stray.
        let slots = Int(table.withUnsafeBytes { $0.load(fromByteOffset: 16, as: UInt64.self) })
        for k in 0..<slots {
            let slot: [UInt32] = [1, 1, 0x7fff_ffff, 8]
            slot.withUnsafeBytes { table.replaceSubrange(72 + k * 16 ..< 72 + (k + 1) * 16, with: $0) }
        }
        try table.write(to: url)
        let config = directory.appendingPathComponent("config.json")
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: config)) as! [String: Any]
        var files = json["files"] as! [String: Any]
        files["vocabulary.table"] = ["bytes": table.count, "xxh64": ContentHash.hex(of: table)]
        json["files"] = files
        try JSONSerialization.data(withJSONObject: json).write(to: config)
        #expect { try TextClassifier(contentsOf: directory) } throws: { error in
            let message = (error as? TextClassificationError)?.errorDescription ?? ""
            return message.contains(url.path) && message.contains("points outside its words")
        }
    }
}
