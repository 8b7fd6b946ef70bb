import Foundation
import Testing
@testable import TextClassification

/// `textclf tune`'s search: seeded draws, the preset first, the best trial kept.
@Suite struct TunerTests {
    @Test func aSeedDrawsTheSameTrialsThePresetFirst() throws {
        let labels = try LabelSet(names: ["a", "b", "c"], head: .multiClass)
        let first = Tuner(labels: labels, budget: 60, seed: 4).settings(count: 12)
        #expect(first == Tuner(labels: labels, budget: 60, seed: 4).settings(count: 12))
        #expect(first != Tuner(labels: labels, budget: 60, seed: 5).settings(count: 12))
        #expect(first[0] == TrialSettings(preset: .multiClass) && Set(first).count == 12)
        #expect(first.allSatisfy { $0.encoder == .bag || $0.unit == .word }, "only the bag reads n-grams")
    }

    @Test func theBestTrialByValidationAccuracyIsKept() throws {
        let texts = (0..<40).map { $0 % 2 == 0 ? "质量很好 满意 \($0 % 3)" : "太差了 失望 \($0 % 3)" }
        let classes = texts.indices.map { $0 % 2 == 0 ? 1 : 0 }
        var tuner = Tuner(labels: try LabelSet(names: ["0", "1"], head: .binary), budget: 3600, seed: 1)
        tuner.maximumTrials = 3
        var seen: [Int] = []
        let result = try tuner.run(texts: texts, labels: classes, validation: (texts, classes)) { seen.append($0.number) }
        #expect(seen == [1, 2, 3] && result.trials.count == 3)
        let accuracies = result.trials.map { $0.validationScore ?? -1 }
        #expect(accuracies[result.best - 1] == accuracies.max())
        #expect(try result.classifier.evaluate(texts: texts, labels: classes).accuracy == accuracies[result.best - 1])
    }

    @Test func foldsPoolEveryRowAndTheBestSettingsAreRefittedOnAll() throws {
        let texts = (0..<30).map { $0 % 2 == 0 ? "质量很好 满意 \($0 % 3)" : "太差了 失望 \($0 % 3)" }
        let classes = texts.indices.map { $0 % 2 == 0 ? 1 : 0 }
        var tuner = Tuner(labels: try LabelSet(names: ["0", "1"], head: .binary), budget: 3600, seed: 2)
        tuner.maximumTrials = 2
        let result = try tuner.run(texts: texts, labels: classes, folds: 3)
        #expect(result.trials.count == 2 && result.trials.allSatisfy { $0.validationScore != nil })
        // Pooled over the folds: a count of right rows over all 30.
        for accuracy in result.trials.compactMap(\.validationScore) {
            #expect(abs(accuracy * 30 - (accuracy * 30).rounded()) < 1e-3)
        }
        let best = result.trials[result.best - 1]
        #expect(result.classifier.history?.epochs.count == best.keptEpoch, "refitted for the folds' mean kept epoch")
        #expect(throws: TextClassificationError.self) { try tuner.run(texts: texts, labels: classes, folds: 1) }
    }

    @Test func multiLabelTrialsAreRankedByMicroF1() throws {
        let texts = (0..<40).map { ["质量很好 满意", "太差了 失望", "物流很快 满意", "物流太慢 失望"][$0 % 4] + " \($0 % 5)" }
        let sets = texts.indices.map { [[0], [1], [0, 2], [1, 2]][$0 % 4] }
        var tuner = Tuner(labels: try LabelSet(names: ["好", "差", "物流"], head: .multiLabel), budget: 3600, seed: 3)
        tuner.maximumTrials = 2
        #expect(tuner.scoreName == "val_micro_f1")
        let result = try tuner.run(texts: texts, labelSets: sets, validation: (texts, sets))
        let scores = result.trials.map { $0.validationScore ?? -1 }
        #expect(scores[result.best - 1] == scores.max() && scores.allSatisfy { (0...1).contains($0) })
        // The score is the kept model's micro F1 at 0.5 on the validation rows.
        let targets = sets.flatMap { set in (0..<3).map { set.contains($0) ? Float(1) : 0 } }
        let probabilities = try result.classifier.predict(texts: texts, threshold: 0.5).flatMap(\.probabilities)
        #expect(Float(MultiLabelReport(probabilities: probabilities, targets: targets, labels: 3).microF1) == scores[result.best - 1])
        #expect(throws: TextClassificationError.self) { try tuner.run(texts: texts, labels: texts.map { _ in 0 }, folds: 2) }
    }
}
