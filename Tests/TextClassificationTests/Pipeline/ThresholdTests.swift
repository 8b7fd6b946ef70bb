import Foundation
import Testing
@testable import TextClassification

/// Per-label thresholds of multi-label heads: tuned to F1 on validation rows, saved with the
/// model (format 7), used by predict and the reports unless a threshold is given.
@Suite struct ThresholdTests {
    /// 24 rows of three labels, each label's positives scoring `positive` and the other rows
    /// `negative`.
    func rows(_ labels: [(positives: Int, positive: Float, negative: Float)]) -> (probabilities: [Float], targets: [Float]) {
        var probabilities: [Float] = [], targets: [Float] = []
        for r in 0..<24 {
            for label in labels {
                let has = r < label.positives
                probabilities.append(has ? label.positive : label.negative)
                targets.append(has ? 1 : 0)
            }
        }
        return (probabilities, targets)
    }

    @Test func labelsShareTheBestMicroF1ThresholdUnlessTheirOwnIsBetterAndWellSupported() {
        let data = rows([(12, 0.3, 0.2),   // a: 12 positives, told apart only by 0.25–0.3
                         (10, 0.8, 0.6),   // b: 10 positives, told apart by 0.65–0.8
                         (2, 0.9, 0.7)])   // c: 2 positives, told apart by 0.75–0.9
        let thresholds = ClassificationHead.tunedThresholds(probabilities: data.probabilities, targets: data.targets, labels: 3)
        // Shared: 0.75 (b and c right, a never given: micro F1 2/3) beats 0.3 (everything
        // given: 4/7). a has enough rows for its own, 0.3; b's own (0.65, nearer 0.5) is no
        // better than 0.75, so it keeps the shared one; c has too few rows for its own.
        #expect(thresholds == [0.3, 0.75, 0.75])
    }

    @Test func withNothingToTellApartTheThresholdStaysAtOneHalf() {
        let data = rows([(12, 0.6, 0.6)])
        #expect(ClassificationHead.tunedThresholds(probabilities: data.probabilities, targets: data.targets, labels: 1) == [0.5])
    }

    /// A two-label model whose validation rows are better decided above 0.5.
    func tunedClassifier() throws -> (TextClassifier, texts: [String], sets: [[Int]], tuning: TextClassifier.ThresholdTuning) {
        let texts = ["地震 房屋 倒塌", "地震 伤亡", "比赛 冠军", "比赛 进球", "地震 比赛", "房屋 进球", "冠军 伤亡", "倒塌 进球"]
        let sets = [[0], [0], [1], [1], [0, 1], [1], [0], [0, 1]]
        var classifier = try TextClassifier(configuration: .init(numWords: 50, maxLength: 6, embeddingDim: 8, encoder: .bag),
                                            labelNames: ["灾害", "体育"], head: .multiLabel)
        try classifier.fit(texts: texts, labels: sets, epochs: 3, learningRate: 0.01)
        let tuning = try classifier.tuneThresholds(texts: texts, labelSets: sets)
        return (classifier, texts, sets, tuning)
    }

    @Test func tunedThresholdsDecidePredictionsAndAreSavedAsFormat7() throws {
        let (classifier, texts, sets, tuning) = try tunedClassifier()
        #expect(classifier.model?.head.thresholds == tuning.thresholds)
        #expect(tuning.microF1After >= tuning.microF1Before, "never worse on the rows tuned on")
        for prediction in try classifier.predict(texts: texts) {
            let expected = prediction.probabilities.indices.filter { prediction.probabilities[$0] >= tuning.thresholds[$0] }
            #expect(prediction.labelIndices == expected)
        }
        // A threshold given overrides the tuned ones.
        for prediction in try classifier.predict(texts: texts, threshold: 0.5) {
            #expect(prediction.labelIndices == prediction.probabilities.indices.filter { prediction.probabilities[$0] >= 0.5 })
        }
        guard case let .multiLabel(report) = try classifier.report(texts: texts, labelSets: sets) else { Issue.record("multi-label"); return }
        #expect(report.thresholds == tuning.thresholds && abs(report.microF1 - tuning.microF1After) < 1e-12)

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("thresholds-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try classifier.save(to: directory)
        let loaded = try TextClassifier(contentsOf: directory)
        #expect(loaded.origin?.formatVersion == 7, "older builds would decide at 0.5: refused")
        #expect(loaded.model?.head.thresholds == tuning.thresholds)
        #expect(try loaded.predict(texts: texts) == classifier.predict(texts: texts))
    }

    @Test func aModelWithThresholdsThatDoNotFitItsLabelsIsRefused() throws {
        let (classifier, _, _, _) = try tunedClassifier()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("thresholds-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try classifier.save(to: directory)
        let config = directory.appendingPathComponent("config.json")
        var object = try JSONSerialization.jsonObject(with: Data(contentsOf: config)) as! [String: Any]
        object["thresholds"] = [0.5]
        try JSONSerialization.data(withJSONObject: object).write(to: config)
        #expect {
            _ = try TextClassifier(contentsOf: directory)
        } throws: { error in
            "\(error)".contains("thresholds must be one number in [0, 1] per label (2)")
        }
    }

    @Test func onlyMultiLabelModelsAreTuned() throws {
        var classifier = try TextClassifier(configuration: .init(numWords: 50, maxLength: 6))
        try classifier.fit(texts: ["好 很好", "差 很差"], labels: [1, 0], epochs: 1)
        #expect(throws: TextClassificationError.self) { try classifier.tuneThresholds(texts: ["好"], labelSets: [[1]]) }
    }
}
