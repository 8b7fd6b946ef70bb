import Foundation
import Testing
@testable import TextClassification

/// Pretrained word vectors (word2vec text format): reading only what the vocabulary needs,
/// starting the embedding from them, freezing it, and the file's bad inputs.
@Suite struct WordVectorsTests {
    func file(_ text: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("vectors-\(UUID().uuidString).txt")
        try Data(text.utf8).write(to: url)
        return url
    }

    @Test func keepsOnlyTheWordsAskedForFirstOneWinning() throws {
        let url = try file("5 3\n文本 0.1 0.2 0.3\nIPHONE 1 2 3\n段 -1 0 1e-3\niphone 7 7 7\n其他 9 9 9\n")
        let vectors = try WordVectors(contentsOf: url, keeping: ["文本", "iphone", "段", "缺"]) { $0.lowercased() }
        #expect(vectors.dimension == 3 && vectors.declaredCount == 5 && vectors.lineCount == 5)
        #expect(vectors["文本"] == [0.1, 0.2, 0.3])
        #expect(vectors["iphone"] == [1, 2, 3], "IPHONE comes first and maps to iphone; the later iphone is ignored")
        #expect(vectors["段"] == [-1, 0, 0.001])
        #expect(vectors["其他"] == nil && vectors["缺"] == nil)
        #expect(try WordVectors.header(ofFileAt: url) == (5, 3))
    }

    @Test func badFilesNameTheLine() throws {
        func message(_ text: String) -> String {
            do {
                _ = try WordVectors(contentsOf: try file(text), keeping: ["a"])
                return "no error"
            } catch {
                return "\(error.localizedDescription)"
            }
        }
        #expect(message("").contains(":1: the file is empty"))
        #expect(message("a 0.1 0.2\n").contains(":1: \"a 0.1 0.2\" is not word2vec's first line"))
        #expect(message("1 2\na 0.1\n").contains(":2: 1 values after the word, but the first line says 2"))
        #expect(message("1 2\na 0.1 x\n").contains(":2: value 2, \"x\", is not a finite number"))
        #expect(message("1 2\na 0.1 nan\n").contains("is not a finite number"))
        #expect(message("2 2\nb 1 2\na\n").contains(":3: no values after the word"))
        let invalid = FileManager.default.temporaryDirectory.appendingPathComponent("vectors-\(UUID().uuidString).txt")
        try Data("1 1\n".utf8 + [0xE6, 0x96, 0x20, 0x31, 0x0A]).write(to: invalid)  // a cut-off 3-byte character
        #expect(throws: TextClassificationError.self) { try WordVectors(contentsOf: invalid, keeping: ["a"]) }
    }

    /// The seed example with vectors for some of its words: those rows start as the file says
    /// (after the model's lower-casing), the rest as without the file; frozen, they stay.
    @Test func startsAndFreezesTheEmbedding() throws {
        let texts = ["这是一段文本。", "这是另一段文本。", "第三段文本。"], labels = [0, 1, 0]
        let configuration = TextClassifier.Configuration(numWords: 1000, embeddingDim: 4)
        var plain = try TextClassifier(configuration: configuration)
        try plain.fit(texts: texts, labels: labels, epochs: 0)
        let index = plain.vocabulary.wordIndex
        let vectors = try file("3 4\n文本 1 2 3 4\n一段 -1 -2 -3 -4\n没有 9 9 9 9\n")

        var frozen = try TextClassifier(configuration: configuration)
        try frozen.fit(texts: texts, labels: labels, epochs: 3,
                       embeddings: .init(file: vectors, trainable: false))
        let before = plain.model!.encoder.embedding.embeddings, after = frozen.model!.encoder.embedding.embeddings
        func row(_ t: Tensor, _ i: Int) -> [Float] { Array(t.scalars[i * 4 ..< (i + 1) * 4]) }
        #expect(row(after, try #require(index["文本"])) == [1, 2, 3, 4])
        #expect(row(after, index["一段"]!) == [-1, -2, -3, -4])
        for word in ["这", "是", "另一", "段", "第三"] {
            let i = try #require(index[word])
            #expect(row(after, i) == row(before, i), "\(word): no vector, usual start, frozen")
        }
        #expect(frozen.embeddingCoverage == .init(covered: 2, words: index.count, fileWords: 3, declaredWords: 3))
        #expect(frozen.model!.head.dense.kernel != plain.model!.head.dense.kernel, "the rest still trains")

        var trained = try TextClassifier(configuration: configuration)
        try trained.fit(texts: texts, labels: labels, epochs: 3, embeddings: .init(file: vectors))
        #expect(row(trained.model!.encoder.embedding.embeddings, index["文本"]!) != [1, 2, 3, 4], "trainable: it moves")
    }

    @Test func aDimensionOtherThanTheEmbeddingsIsRefused() throws {
        var classifier = try TextClassifier(configuration: .init(numWords: 100, embeddingDim: 8))
        #expect(throws: TextClassificationError.self) {
            try classifier.fit(texts: ["文本", "其他"], labels: [0, 1], epochs: 1,
                               embeddings: .init(file: try file("1 4\n文本 1 2 3 4\n")))
        }
    }
}
