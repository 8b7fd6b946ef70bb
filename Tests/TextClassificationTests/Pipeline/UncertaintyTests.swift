import Foundation
import Testing
@testable import TextClassification

/// Uncertainty sampling: the scores that rank unlabelled texts, and the bounded selection.
@Suite struct UncertaintyTests {
    func prediction(_ probabilities: [Float], _ head: ClassificationHead.Kind, labels: Int) throws -> Prediction {
        let names = (0..<labels).map { "l\($0)" }
        let chosen = head == .multiLabel ? probabilities.indices.filter { probabilities[$0] >= 0.5 }
            : [probabilities.indices.max { probabilities[$0] < probabilities[$1] }!]
        return Prediction(probabilities: probabilities, labelIndices: chosen,
                          labels: try LabelSet(names: names, head: head), unknownLabel: "")
    }

    @Test func aCoinTossIsMostUncertainAndASureThingNotAtAll() throws {
        let toss = try prediction([0.5, 0.5], .binary, labels: 2), sure = try prediction([0, 1], .binary, labels: 2)
        for measure in UncertaintyMeasure.allCases {
            #expect(abs(toss.uncertainty(measure) - 1) < 1e-6, "\(measure)")
            #expect(sure.uncertainty(measure) == 0, "\(measure)")
        }
        let leaning = try prediction([0.2, 0.8], .binary, labels: 2)
        #expect(abs(leaning.uncertainty(.margin) - 0.4) < 1e-6)
        // H(0.2, 0.8) / ln 2 = 0.7219…
        #expect(abs(leaning.uncertainty(.entropy) - 0.72193) < 1e-4)
    }

    @Test func multiClassMarginReadsTheTopTwoAndEntropyAllOfThem() throws {
        let close = try prediction([0.45, 0.40, 0.15], .multiClass, labels: 3)
        let spread = try prediction([0.45, 0.10, 0.45 - 0.0001], .multiClass, labels: 3)
        #expect(abs(close.uncertainty(.margin) - 0.95) < 1e-6)
        #expect(spread.uncertainty(.margin) > close.uncertainty(.margin), "a tie at the top is the least sure")
        let uniform = try prediction([1 / 3, 1 / 3, 1 / 3], .multiClass, labels: 3)
        #expect(abs(uniform.uncertainty(.entropy) - 1) < 1e-5)
        #expect(close.uncertainty(.entropy) < uniform.uncertainty(.entropy))
    }

    @Test func multiLabelScoresEachLabelOnItsOwn() throws {
        let p = try prediction([0.99, 0.55, 0.01], .multiLabel, labels: 3)
        #expect(abs(p.uncertainty(.margin) - 0.9) < 1e-5, "the label nearest 0.5 decides: 1 − |2·0.55 − 1|")
        let sure = try prediction([1, 0, 1], .multiLabel, labels: 3)
        #expect(sure.uncertainty(.margin) == 0 && sure.uncertainty(.entropy) == 0)
    }

    @Test func theSelectionKeepsTheMostUncertainInBoundedMemory() {
        var selection = UncertainSelection(count: 3)
        for (row, score) in [0.1, 0.9, 0.5, 0.9, 0.3, 0.95, 0.2].enumerated() {
            selection.offer(row: row, score: Float(score), label: 0)
        }
        #expect(selection.rows == [5, 1, 3], "highest first; equal scores in input order")
    }

    @Test func spreadTakesTurnsOverTheLabels() {
        var selection = UncertainSelection(count: 4, spreadOverLabels: true)
        // Label 0's rows are all more uncertain than label 1's; spread still takes label 1's.
        let offers: [(score: Float, label: Int)] = [(0.9, 0), (0.8, 0), (0.7, 0), (0.6, 0), (0.3, 1), (0.2, 1), (0.5, 2)]
        for (row, offer) in offers.enumerated() { selection.offer(row: row, score: offer.score, label: offer.label) }
        #expect(selection.rows == [0, 6, 4, 1], "one per label in each turn, the most uncertain label's first")
        var whole = UncertainSelection(count: 4)
        for (row, offer) in offers.enumerated() { whole.offer(row: row, score: offer.score, label: offer.label) }
        #expect(whole.rows == [0, 1, 2, 3])
    }
}
