import Foundation
import Testing
@testable import TextClassification

/// Where n-gram tokens lie in their text, and explanations folded onto its characters.
@Suite struct TokenSpansTests {
    func spans(_ text: String, unit: ICUTokenizer.Unit) throws -> [String: Range<Int>] {
        let tokenizer = try ICUTokenizer(unit: unit)
        let (tokens, words) = tokenizer.wordsAndNGrams(in: text)
        let spans = TokenSpans.of(tokens, words: words, unit: unit, in: text, lowercased: true)
        #expect(spans.count == tokens.count && spans.allSatisfy { $0 != nil }, "\(Array(zip(tokens, spans)))")
        return Dictionary(zip(tokens, spans.map { $0! }), uniquingKeysWith: { first, _ in first })
    }

    @Test func wordcharPiecesCoverTheirCharacters() throws {
        let found = try spans("质量很好 OK!", unit: .wordchar)
        #expect(found["质量"] == 0..<2 && found["很好"] == 2..<4 && found["质量_很好"] == 0..<4)
        #expect(found["+量"] == 1..<2 && found["量+很"] == 1..<3 && found["质+量+很"] == 0..<3)
        // The space is one ␣ between 好 and o; Latin letters are lower-cased tokens of upper-case text.
        #expect(found["+␣"] == 4..<5 && found["好+␣+o"] == 3..<6 && found["k+!"] == 6..<8)
    }

    @Test func ngramsFindTheCharactersFromTheirPairs() throws {
        let found = try spans("质量很好", unit: .ngrams)
        #expect(found["质+量"] == 0..<2 && found["很+好"] == 2..<4 && found["质量_很好"] == 0..<4)
    }

    @Test func foldedContributionsKeepTheirSum() throws {
        let texts = ["质量很好 推荐", "太差了 退货", "很好 满意", "差 失望"]
        var classifier = try TextClassifier(configuration: .recommended(for: .binary))
        try classifier.fit(texts: texts, labels: [1, 0, 1, 0], epochs: 5, learningRate: 0.05)
        let explanation = try classifier.explain(["质量很好，就是贵"])[0][0]
        let shares = try #require(explanation.characterContributions)
        #expect(shares.count == explanation.readText.count && explanation.readText == "质量很好,就是贵", "NFKC: the comma")
        let total = explanation.tokens.compactMap(\.contribution).reduce(0, +)
        #expect(abs(shares.reduce(0, +) - total) < 1e-5)
        #expect(explanation.strongestPieces(3).count == 3)
        #expect(explanation.html().contains("strongest pieces") && !explanation.html(perToken: true).contains("strongest pieces"))
        #expect(explanation.json().contains("\"characters\":[{\"character\":\"质\""))
    }
}
