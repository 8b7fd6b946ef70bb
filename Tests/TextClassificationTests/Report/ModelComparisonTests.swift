import Foundation
import Testing
@testable import TextClassification

/// `ModelComparison`: two fits of a small bag model compared on labelled texts, checked
/// against the predictions themselves.
@Suite struct ModelComparisonTests {
    static let texts = ["好 很好 推荐", "差 很差 退货", "好 推荐 满意", "差 退货 失望", "一般 还行", "失望 一般", "满意 推荐",
                        "退货 差", "好 一般", "差 还行"]
    static let labels = [1, 0, 1, 0, 1, 0, 1, 0, 1, 0]

    func fitted(seed: UInt64, epochs: Int) throws -> TextClassifier {
        var classifier = try TextClassifier(configuration: .init(maxLength: 20, embeddingDim: 8, encoder: .bag),
                                            labelNames: ["neg", "pos"])
        try classifier.fit(texts: Self.texts, labels: Self.labels, epochs: epochs, seed: seed)
        return classifier
    }

    @Test func flipsAndOutcomeAgreeWithThePredictions() throws {
        let old = try fitted(seed: 1, epochs: 1), new = try fitted(seed: 2, epochs: 30)
        let truth = Self.labels.map { [$0 == 1 ? "pos" : "neg"] }
        let comparison = try ModelComparison(old: old, new: new, texts: Self.texts, labels: truth)
        let before = try old.predict(texts: Self.texts), after = try new.predict(texts: Self.texts)
        let changed = Self.texts.indices.filter { before[$0].labels != after[$0].labels }
        #expect(!changed.isEmpty, "one epoch against thirty: some answers change")
        #expect(comparison.count == 10 && comparison.changed == changed.count)
        #expect(comparison.flips.map(\.count).reduce(0, +) == changed.count)
        for flip in comparison.flips {
            for example in flip.examples {
                #expect(before[example.row].labels == flip.from && after[example.row].labels == flip.to)
            }
        }
        let outcome = try #require(comparison.outcome)
        let right = { (p: [Prediction]) in Self.texts.indices.filter { p[$0].labels == truth[$0] }.count }
        #expect(outcome.oldAccuracy == Double(right(before)) / 10 && outcome.newAccuracy == Double(right(after)) / 10)
        #expect(abs(outcome.accuracyChange.estimate - Double(outcome.fixed - outcome.broken) / 10) < 1e-12)
        #expect(outcome.accuracyChange.low <= outcome.accuracyChange.estimate
                && outcome.accuracyChange.estimate <= outcome.accuracyChange.high)
        #expect(comparison.flips.map { $0.fixed - $0.broken }.reduce(0, +) == outcome.fixed - outcome.broken)
        #expect(comparison.flips.allSatisfy { !$0.pieces.isEmpty }, "explained with the new model and the old")
    }

    @Test func aModelAgainstItselfChangesNothing() throws {
        let model = try fitted(seed: 1, epochs: 5)
        let comparison = try ModelComparison(old: model, new: model, texts: Self.texts,
                                             labels: Self.labels.map { [$0 == 1 ? "pos" : "neg"] })
        #expect(comparison.changed == 0 && comparison.flips.isEmpty)
        let outcome = try #require(comparison.outcome)
        #expect(outcome.accuracyChange == .init(estimate: 0, low: 0, high: 0) && outcome.mcNemarP == 1)
        #expect(comparison.htmlPage(old: "a", new: "a").contains("No text changes its answer"))
        #expect(throws: TextClassificationError.self) {
            try ModelComparison(old: model, new: model, texts: Self.texts, labels: [["pos"]])
        }
    }

    @Test func mcNemarsExactTest() {
        #expect(ModelComparison.mcNemarExact(0, 0) == 1 && ModelComparison.mcNemarExact(5, 5) == 1)
        #expect(abs(ModelComparison.mcNemarExact(10, 0) - 2 * pow(0.5, 10)) < 1e-12)
        // 104 fixed against 80 broken: 2 · Σ_{k ≤ 80} C(184, k) / 2^184 = 0.08969 (Python's math.comb).
        #expect(abs(ModelComparison.mcNemarExact(104, 80) - 0.0896918) < 1e-6)
        #expect(ModelComparison.format(p: 1e-9) == "< 0.0001" && ModelComparison.format(p: 0.0897) == "= 0.0897")
    }
}
