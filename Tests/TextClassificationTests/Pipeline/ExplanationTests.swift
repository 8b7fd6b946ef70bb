import Foundation
import Testing
@testable import TextClassification

/// Occlusion explanations: each token's contribution is P(label | text) − P(label | text
/// without that token), computed here directly and compared.
@Suite struct ExplanationTests {
    /// A small fitted binary classifier with a vocabulary of space-separated words.
    func classifier(maxLength: Int = 6) throws -> TextClassifier {
        var classifier = try TextClassifier(configuration: .init(numWords: 50, maxLength: maxLength), labelNames: ["neg", "pos"])
        try classifier.fit(texts: ["好 很好 推荐", "差 很差 退货", "好 推荐 满意", "差 退货 失望"], labels: [1, 0, 1, 0],
                           epochs: 3, seed: 5)
        return classifier
    }

    /// P(label) of the model for a sequence of vocabulary indices, computed without explain.
    func probability(_ model: SequenceClassifier, _ indices: [Int32], length: Int, label: Int) throws -> Float {
        let p = try model.predict(try Padding(length: length)([indices]))[0]
        return label == 1 ? p : 1 - p
    }

    @Test func contributionsAreDirectOcclusions() throws {
        let classifier = try classifier()
        let text = "好 推荐 zzz 差"
        let explanation = try classifier.explain([text])[0][0]
        try #require(explanation.tokens.map(\.text) == ["好", "推荐", "zzz", "差"])
        #expect(explanation.tokens[2].contribution == nil, "a word the vocabulary lacks is dropped, not hidden")
        let index = { (word: String) in Int32(classifier.vocabulary.wordIndex[word]!) }
        let kept = [index("好"), index("推荐"), index("差")]
        let label = explanation.labelIndex
        let full = try probability(classifier.model!, kept, length: 6, label: label)
        #expect(abs(explanation.probability - full) < 1e-6)
        for (k, position) in [0, 1, 3].enumerated() {
            var without = kept
            without.remove(at: k)
            let expected = full - (try probability(classifier.model!, without, length: 6, label: label))
            #expect(abs(explanation.tokens[position].contribution! - expected) < 1e-6)
        }
        #expect(try explanation.label == classifier.predict(texts: [text])[0].label, "the predicted label is explained")
    }

    @Test func tokensOutsideTheKeptWindowScoreZero() throws {
        // maxLength 2 with pre-truncation keeps the last two words: removing an earlier one
        // leaves the model's input as it was.
        let classifier = try classifier(maxLength: 2)
        let explanation = try classifier.explain(["差 退货 好 推荐"])[0][0]
        #expect(explanation.tokens[0].contribution == 0 && explanation.tokens[1].contribution == 0)
        #expect(explanation.tokens[2].contribution != 0 || explanation.tokens[3].contribution != 0)
    }

    @Test func namedLabelAndTextsWithoutKnownTokens() throws {
        let classifier = try classifier()
        let forNeg = try classifier.explain(["好 推荐"], label: "neg")[0][0]
        let forPos = try classifier.explain(["好 推荐"], label: "pos")[0][0]
        #expect(forNeg.label == "neg" && abs(forNeg.probability + forPos.probability - 1) < 1e-6)
        for (a, b) in zip(forNeg.tokens, forPos.tokens) { #expect(abs(a.contribution! + b.contribution!) < 1e-6) }
        let unknown = try classifier.explain(["完全陌生", ""])
        #expect(unknown.allSatisfy { !$0[0].hasKnownTokens })
        #expect(unknown[1][0].tokens.isEmpty)
        #expect(throws: TextClassificationError.self) { try classifier.explain(["好"], label: "maybe") }
    }

    @Test func multiLabelExplainsEachPredictedLabel() throws {
        var classifier = try TextClassifier(configuration: .init(numWords: 50, maxLength: 6),
                                            labelNames: ["a", "b", "c"], head: .multiLabel)
        try classifier.fit(texts: ["x y", "y z", "x z"], labels: [[0, 1], [1, 2], [0, 2]], epochs: 1)
        let prediction = try classifier.predict(texts: ["x y z"], threshold: 0.3)[0]
        let explanations = try classifier.explain(["x y z"], threshold: 0.3)[0]
        let expected = prediction.labelIndices.isEmpty
            ? [prediction.probabilities.indices.max { prediction.probabilities[$0] < prediction.probabilities[$1] }!]
            : prediction.labelIndices
        #expect(explanations.map(\.labelIndex) == expected)
    }

    @Test func htmlMarksDroppedTokensAndEscapes() throws {
        let classifier = try classifier()
        let page = Explanation.htmlPage(try classifier.explain(["好 <b>陌生</b>"])[0])
        #expect(page.hasPrefix("<!DOCTYPE html>") && !page.contains("<script") && !page.contains("http"))
        #expect(page.contains("tok dropped") && page.contains("&lt;b&gt;"))
    }
}
