import Foundation
import Testing
@testable import TextClassification

/// The multi-class and multi-label measures on cases small enough to count by hand.
@Suite struct ReportTests {
    @Test func multiClassReport() {
        // Three classes, four rows: true 0, 1, 2, 2; predicted (argmax) 0, 2, 2, 1.
        let logits: [Float] = [3, 1, 0,   0, 1, 2,   0, 1, 3,   1, 2, 0]
        let report = MultiClassReport(logits: logits, labels: [0, 1, 2, 2], classes: 3)
        #expect(report.accuracy == 0.5)
        #expect(report.topThreeAccuracy == 1, "with three classes the true one is always in the top three")
        #expect(report.confusion == [[1, 0, 0], [0, 0, 1], [0, 1, 1]])
        #expect(report.classes[2] == LabelScores(truePositives: 1, falsePositives: 1, falseNegatives: 1))
        #expect(report.classes[2].precision == 0.5 && report.classes[2].recall == 0.5 && report.classes[2].support == 2)
        #expect(report.classes[1].f1 == 0, "class 1 never right")
        #expect(abs(report.macroAverage.f1 - (1 + 0 + 0.5) / 3) < 1e-12)
        #expect(abs(report.weightedAverage.f1 - (1 * 1 + 0 * 1 + 0.5 * 2) / 4) < 1e-12)
        // log loss: mean of −log softmax(z)[y].
        func nll(_ z: [Double], _ y: Int) -> Double { -log(exp(z[y]) / z.map(exp).reduce(0, +)) }
        let expected = (nll([3, 1, 0], 0) + nll([0, 1, 2], 1) + nll([0, 1, 3], 2) + nll([1, 2, 0], 2)) / 4
        #expect(abs(report.logLoss - expected) < 1e-6)
    }

    @Test func topThreeAccuracyCountsRanks() {
        // Five classes; the true class ranks 1st, 3rd, 4th.
        let logits: [Float] = [5, 4, 3, 2, 1,   5, 4, 3, 2, 1,   5, 4, 3, 2, 1]
        #expect(MultiClassReport(logits: logits, labels: [0, 2, 3], classes: 5).topThreeAccuracy == 2.0 / 3)
    }

    @Test func multiLabelReport() {
        // Two labels, three rows. Truth: {A}, {A, B}, {}; predicted at 0.5: {A}, {A}, {B}.
        let probabilities: [Float] = [0.9, 0.1,   0.8, 0.3,   0.2, 0.5]
        let report = MultiLabelReport(probabilities: probabilities, targets: [1, 0,  1, 1,  0, 0], labels: 2)
        #expect(report.subsetAccuracy == 1.0 / 3)
        #expect(report.hammingLoss == 2.0 / 6, "B missed in row 2, B wrongly in row 3 (0.5 counts: at or above)")
        #expect(report.labels[0] == LabelScores(truePositives: 2, falsePositives: 0, falseNegatives: 0))
        #expect(report.labels[1] == LabelScores(truePositives: 0, falsePositives: 1, falseNegatives: 1))
        #expect(abs(report.microPrecision - 2.0 / 3) < 1e-12 && abs(report.microRecall - 2.0 / 3) < 1e-12)
        #expect(abs(report.macroF1 - 0.5) < 1e-12)
    }
}
