import Foundation
import Testing
@testable import TextClassification

/// A token limit bounds the model whatever the corpus: past it, the most frequent tokens keep
/// rows of their own and the rest share hashed rows; under it, the fit is as without it.
@Suite struct TokenLimitTests {
    let texts = ["这是一段文本。", "这是另一段文本。", "第三段文本。", "完全不同的句子", "股市大涨", "球队赢了"]
    let labels = [0, 1, 0, 1, 1, 0]

    func fitted(tokenLimit: Int?, buckets: Int? = nil) throws -> TextClassifier {
        let configuration = TextClassifier.Configuration(unit: .wordchar, maxLength: 30, encoder: .bag, buckets: buckets,
                                                         tokenLimit: tokenLimit)
        var classifier = try TextClassifier(configuration: configuration)
        try classifier.fit(texts: texts, labels: labels, epochs: 2, seed: 1)
        return classifier
    }

    @Test func pastTheLimitTheRarestTokensShareHashedRows() throws {
        let classifier = try fitted(tokenLimit: 20)
        let distinct = try #require(classifier.countedTokens)
        #expect(distinct > 20 && classifier.vocabulary.words.count == 20, "the rest are not kept")
        // The limit's tokens and the padding; the rest's count rounded up, at least 1,024.
        #expect(classifier.configuration.numWords == 21 && classifier.wordRows == 21)
        #expect(classifier.configuration.buckets == 1024 && classifier.hashesRareTokens)
        #expect(classifier.model!.encoder.embedding.inputDim == 21 + 1024)

        let frequent = classifier.vocabulary.indexWord[1]
        let tokens = texts.flatMap { classifier.tokenizer.tokens(in: classifier.normalizer($0)) }
        let rare = try #require(tokens.first { classifier.vocabulary.wordIndex[$0] == nil })
        let buckets = try #require(classifier.buckets)
        #expect(classifier.indices(ofTokens: [frequent, rare, "从未见过"], words: 3)
                == [1, Int32(21 + buckets.bucket(of: rare)), Int32(21 + buckets.bucket(of: "从未见过"))])
    }

    @Test func aLimitedModelSavesItsKeptTokensAndAnswersTheSameLoaded() throws {
        let classifier = try fitted(tokenLimit: 20)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("textclf-limit-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try classifier.save(to: directory)
        let loaded = try TextClassifier(contentsOf: directory)
        // Older builds would hash every n-gram and drop the rest: they are asked to upgrade.
        #expect(loaded.origin?.formatVersion == 9)
        #expect(loaded.vocabulary.indexWord.count == 21 && loaded.hashesRareTokens)
        let probe = texts + ["没见过的词", ""]
        #expect(try loaded.predict(texts: probe).map(\.probabilities) == classifier.predict(texts: probe).map(\.probabilities))
    }

    @Test func underTheLimitTheFitIsTheFitWithoutIt() throws {
        let limited = try fitted(tokenLimit: 100_000, buckets: 4096), unlimited = try fitted(tokenLimit: nil)
        #expect(limited.configuration.buckets == nil && !limited.hashesRareTokens && limited.configuration.numWords == nil)
        #expect(limited.model!.namedParameters.map(\.tensor) == unlimited.model!.namedParameters.map(\.tensor))
    }

    @Test func aLimitedModelGrowsNoWordsWhenTrainedOn() throws {
        var classifier = try fitted(tokenLimit: 20)
        #expect(try classifier.addWords(of: ["全新的词语出现了"]) == 0)
        var roomy = try fitted(tokenLimit: 100_000)
        #expect(try roomy.addWords(of: ["全新的词语出现了"]) > 0)
    }
}
