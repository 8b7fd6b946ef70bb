import Foundation
import Testing
@testable import TextClassification

/// Hashed n-gram buckets and quantized models: what the bag does on large corpora and what it ships.
@Suite struct CompactModelTests {
    let texts = ["这是一段文本。", "这是另一段文本。", "第三段文本。", "很好的文本", "不好的文本", "文本分类很好"]
    let labels = [0, 1, 0, 1, 0, 1]

    func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("textclf-tests-\(UUID().uuidString)")
    }

    /// FNV-1a 64 of the UTF-8 bytes, modulo the bucket count: fixed on every machine.
    @Test func bucketsAreFNV1aOfTheBytes() {
        // FNV-1a 64 of "a" is 0xAF63DC4C8601EC8C; of "" the offset basis 0xCBF29CE484222325.
        let a: UInt64 = 0xAF63_DC4C_8601_EC8C, empty: UInt64 = 0xCBF2_9CE4_8422_2325
        #expect(NGramBuckets(count: 1 << 20).bucket(of: "a") == Int(a % (1 << 20)))
        #expect(NGramBuckets(count: 1000).bucket(of: "") == Int(empty % 1000))
    }

    /// With buckets the vocabulary holds only words; every n-gram takes a row after them, by
    /// hash; training, saving and loading keep the same predictions; format version 5.
    @Test func bucketModelsKeepWordsExactAndHashNGrams() throws {
        var classifier = try TextClassifier(configuration: .init(unit: .wordchar, maxLength: 200, embeddingDim: 8,
                                                                 encoder: .bag, buckets: 64))
        try classifier.fit(texts: texts, labels: labels, epochs: 3, seed: 1, learningRate: 0.05, optimizer: .lazyAdam)
        let words = classifier.wordRows
        #expect(classifier.model?.encoder.embedding.inputDim == words + 64)
        #expect(classifier.vocabulary.wordIndex["文本"] != nil && classifier.vocabulary.wordIndex["+文"] == nil,
                "words in the vocabulary, n-grams not")
        let (tokens, wordCount) = classifier.tokenizer.wordsAndNGrams(in: "很好的文本")
        let indices = classifier.indices(of: "很好的文本")
        #expect(indices.count == tokens.count, "every token of a seen text has a row")
        #expect(indices.prefix(wordCount).allSatisfy { $0 < words })
        #expect(zip(indices.dropFirst(wordCount), tokens.dropFirst(wordCount)).allSatisfy { index, token in
            Int(index) == words + NGramBuckets(count: 64).bucket(of: token)
        })
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try classifier.save(to: directory)
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("config.json"))) as! [String: Any]
        #expect(config["formatVersion"] as? Int == 5)
        let loaded = try TextClassifier(contentsOf: directory)
        #expect(try loaded.predict(texts: texts).map(\.probability) == classifier.predict(texts: texts).map(\.probability))
    }

    /// A quantized model: the rows of largest norm kept, 8-bit rows; it predicts the same
    /// before and after saving, close to the float model, and drops pruned words as unseen.
    @Test(arguments: [nil, 20])
    func quantizedModelsRoundTripAndStayClose(keeping rows: Int?) throws {
        var classifier = try TextClassifier(configuration: .init(unit: .wordchar, maxLength: 200, embeddingDim: 8,
                                                                 encoder: .bag))
        try classifier.fit(texts: texts, labels: labels, epochs: 5, seed: 2, learningRate: 0.05, optimizer: .lazyAdam)
        let small = try classifier.quantized(keepingRows: rows)
        let kept = small.model!.encoder.embedding.inputDim
        #expect(kept == (rows.map { $0 + 1 } ?? classifier.model!.encoder.embedding.inputDim))
        #expect(small.vocabulary.indexWord.count == kept, "the vocabulary keeps the words of kept rows")
        // Kept words keep their vectors to 8 bits: at most half a step of their row's scale.
        let table = classifier.model!.encoder.embedding.embeddings, width = 8
        for (index, word) in small.vocabulary.indexWord.enumerated().dropFirst() {
            let old = classifier.vocabulary.wordIndex[word]!
            let scale = small.quantization!.scales[index]
            for j in 0..<width {
                let a = small.model!.encoder.embedding.embeddings.scalars[index * width + j]
                #expect(abs(a - table.scalars[old * width + j]) <= scale / 2 + 1e-7)
            }
        }
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try small.save(to: directory)
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("vocabulary.txt").path))
        let loaded = try TextClassifier(contentsOf: directory)
        #expect(loaded.quantization?.scales == small.quantization?.scales)
        #expect(try loaded.predict(texts: texts).map(\.probability) == small.predict(texts: texts).map(\.probability))
        if rows == nil {
            let float = try classifier.predict(texts: texts).map(\.probability)
            #expect(zip(float, try loaded.predict(texts: texts).map(\.probability)).allSatisfy { abs($0 - $1) < 0.01 })
        }
        // A quantized model saved again stays quantized and identical.
        let again = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: again) }
        try loaded.save(to: again)
        #expect(try Data(contentsOf: again.appendingPathComponent("model.safetensors"))
                == Data(contentsOf: directory.appendingPathComponent("model.safetensors")))
    }

    /// Pruning by frequency keeps the vocabulary's first indices, in order.
    @Test func frequencyPruningKeepsTheMostFrequentRows() throws {
        var classifier = try TextClassifier(configuration: .init(unit: .wordchar, maxLength: 50, embeddingDim: 4, encoder: .bag))
        try classifier.fit(texts: texts, labels: labels, epochs: 1, optimizer: .deferredAdam)
        let small = try classifier.quantized(keepingRows: 5, by: .frequency)
        #expect(small.vocabulary.indexWord == Array(classifier.vocabulary.indexWord.prefix(6)))
        let width = 4
        #expect(zip(small.model!.encoder.embedding.embeddings.scalars.prefix(6 * width),
                    classifier.model!.encoder.embedding.embeddings.scalars.prefix(6 * width)).allSatisfy { abs($0 - $1) < 1e-3 })
    }

    /// A damaged quantized model is refused with the file named: missing or negative scales.
    @Test func damagedQuantizedModelsAreRefused() throws {
        var classifier = try TextClassifier(configuration: .init(unit: .wordchar, maxLength: 50, embeddingDim: 4, encoder: .bag))
        try classifier.fit(texts: texts, labels: labels, epochs: 1, optimizer: .lazyAdam)
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try classifier.quantized().save(to: directory)
        try MappedModelTests.forgetWordTable(directory)  // as saved before word tables: the list is read
        let words = directory.appendingPathComponent("vocabulary.txt")
        let list = try String(contentsOf: words, encoding: .utf8)
        try (list + "\n" + list.split(separator: "\n")[0]).write(to: words, atomically: true, encoding: .utf8)
        #expect {
            try TextClassifier(contentsOf: directory)
        } throws: { error in
            "\(error)".contains("vocabulary.txt") || (error as? TextClassificationError)?.errorDescription?.contains("vocabulary.txt") == true
        }
    }
}
