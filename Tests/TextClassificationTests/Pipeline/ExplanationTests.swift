import Foundation
import Testing
@testable import TextClassification

/// Explanations, checked against the model computed directly: occlusion (the score with the
/// text minus the score without a token) on both scales, and the bag's exact log-odds terms,
/// which with the base add up to the label's log-odds.
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

    /// The label's log-odds from the model's logits, for a sequence of vocabulary indices.
    func logOdds(_ model: SequenceClassifier, _ indices: [Int32], length: Int, label: Int) throws -> Float {
        let z = try model.logits(try Padding(length: length)([indices]))[0]
        return label == 1 ? z : -z
    }

    @Test func logOddsContributionsAreOcclusionsForTheLSTM() throws {
        let classifier = try classifier()
        let explanation = try classifier.explain(["好 推荐 差"])[0][0]
        #expect(explanation.scale == .logOdds && explanation.method == .occlusion && explanation.base == nil)
        let index = { (word: String) in Int32(classifier.vocabulary.wordIndex[word]!) }
        let kept = [index("好"), index("推荐"), index("差")]
        let label = explanation.labelIndex
        let full = try logOdds(classifier.model!, kept, length: 6, label: label)
        #expect(abs(explanation.value - full) < 1e-5)
        #expect(abs(explanation.value - log(explanation.probability / (1 - explanation.probability))) < 1e-3)
        for k in kept.indices {
            var without = kept
            without.remove(at: k)
            let expected = full - (try logOdds(classifier.model!, without, length: 6, label: label))
            #expect(abs(explanation.tokens[k].contribution! - expected) < 1e-5)
        }
    }

    @Test func probabilityContributionsAreDirectOcclusions() throws {
        let classifier = try classifier()
        let text = "好 推荐 zzz 差"
        let explanation = try classifier.explain([text], scale: .probability)[0][0]
        #expect(explanation.scale == .probability && explanation.method == .occlusion)
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

    /// A small bag of n-grams for `head`, fitted on a handful of texts.
    func bag(_ head: ClassificationHead.Kind, labels: [String]) throws -> TextClassifier {
        var classifier = try TextClassifier(configuration: .init(maxLength: 50, embeddingDim: 8, encoder: .bag),
                                            labelNames: labels, head: head)
        let texts = ["好 很好 推荐 满意", "差 很差 退货", "好 推荐 满意 很好", "差 退货 失望", "一般 还行 好", "失望 差 一般"]
        switch head {
        case .multiLabel:
            try classifier.fit(texts: texts, labels: [[0], [1], [0, 2], [1], [2], [1, 2]], epochs: 20, seed: 3)
        default:
            let classes = head == .binary ? [1, 0, 1, 0, 1, 0] : [0, 1, 0, 1, 2, 2]
            try classifier.fit(texts: texts, labels: classes, epochs: 20, seed: 3)
        }
        return classifier
    }

    /// Every label's log-odds computed from the logits the model gives the text, as the head defines them.
    func labelLogOdds(_ classifier: TextClassifier, _ text: String) throws -> [Float] {
        let model = classifier.model!
        let z = try model.logits(classifier.encode([text]))
        let head = model.head
        switch head.kind {
        case .binary: return [-z[0] / head.temperature, z[0] / head.temperature]
        case .multiLabel: return z
        case .multiClass:
            return z.indices.map { c in
                let others = z.indices.filter { $0 != c }.map { Double(z[$0] / head.temperature) }
                let top = others.max()!
                return Float(Double(z[c] / head.temperature) - top - log(others.map { exp($0 - top) }.reduce(0, +)))
            }
        }
    }

    @Test(arguments: [(ClassificationHead.Kind.binary, ["neg", "pos"]), (.multiClass, ["好", "差", "中"]),
                      (.multiLabel, ["a", "b", "c"])])
    func bagContributionsAndBaseAddUpToTheLogOdds(head: ClassificationHead.Kind, labels: [String]) throws {
        var classifier = try bag(head, labels: labels)
        if head != .multiLabel { classifier.model!.head.temperature = 1.7 }  // calibrated: the calibrated log-odds
        let text = "好 推荐 zzz 差 好"
        let expected = try labelLogOdds(classifier, text)
        for label in labels {
            let explanation = try classifier.explain([text], label: label)[0][0]
            #expect(explanation.method == .exact && explanation.scale == .logOdds)
            let contributions = explanation.tokens.compactMap(\.contribution)
            #expect(contributions.count == 4 && explanation.tokens[2].contribution == nil, "zzz is dropped")
            #expect(contributions[0] == contributions[3], "each occurrence of a token is its own equal term")
            let good = try #require(explanation.strongestPieces(4).first { $0.text == "好" })
            #expect(good.occurrences == 2 && good.contribution == contributions[0] + contributions[3], "listed once, summed")
            #expect(abs(explanation.value - expected[explanation.labelIndex]) < 1e-4)
            #expect(abs(contributions.reduce(explanation.base!, +) - explanation.value) < 1e-4)
        }
        // With nothing the vocabulary knows, the base is the whole of the log-odds.
        let empty = try classifier.explain(["zzz"], label: labels[0])[0][0]
        #expect(abs(empty.base! - empty.value) < 1e-5)
        // Probabilities stay by occlusion, and cost one sequence per token; log-odds one per text.
        #expect(try classifier.explain([text], scale: .probability)[0][0].method == .occlusion)
        #expect(classifier.explanationCost([text]) == 1 && classifier.explanationCost([text], scale: .probability) == 5)
    }

    @Test func confidentPredictionsStillHaveContributions() throws {
        var classifier = try bag(.binary, labels: ["neg", "pos"])
        // A model made sure of itself: its logit for the text scaled to 30 (p = 1 − 1e-13).
        let z = try classifier.model!.logits(classifier.encode(["好 很好 推荐"]))[0]
        let factor = 30 / abs(z)
        classifier.model!.head.dense.kernel.scalars = classifier.model!.head.dense.kernel.scalars.map { $0 * factor }
        classifier.model!.head.dense.bias.scalars = classifier.model!.head.dense.bias.scalars.map { $0 * factor }
        let explanation = try classifier.explain(["好 很好 推荐"])[0][0]
        let byProbability = try classifier.explain(["好 很好 推荐"], scale: .probability)[0][0]
        #expect(byProbability.tokens.allSatisfy { abs($0.contribution!) < 1e-3 }, "saturated: nothing to see")
        #expect(explanation.tokens.contains { abs($0.contribution!) > 1 })
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
