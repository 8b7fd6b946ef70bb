import Foundation
import Testing
import TextClassification

/// Trains on the real reviews shipped in Data/ and checks the model learned something
/// that carries over to the held-out test split.
@Suite struct LearningTests {
    static let dataDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Data")

    func labelled(_ name: String, limit: Int) throws -> (texts: [String], labels: [Int]) {
        let data = try LabelledCSV(url: Self.dataDirectory.appendingPathComponent(name))
        let count = min(limit, data.texts.count)
        return (Array(data.texts.prefix(count)), data.labels.prefix(count).map { Int($0)! })
    }

    /// The bar: 0.70 on the test split. Half the data is positive, so chance is ~0.50; the
    /// full default fit reaches ~0.85 (docs/accuracy.md), and this smaller, shorter run (4,000 texts,
    /// 2 epochs, length 50, to keep the test under a minute) lands near 0.80 in our runs. 0.70
    /// fails any model that learned nothing, with room for seed-to-seed variation.
    @Test func reviewsAreLearnedClearlyAboveChance() throws {
        let train = try labelled("reviews-train.csv", limit: 4000)
        let test = try labelled("reviews-test.csv", limit: 1393)
        var classifier = try TextClassifier(configuration: .init(numWords: 5000, maxLength: 50))
        let history = try classifier.fit(texts: train.texts, labels: train.labels, epochs: 2, seed: 1)
        #expect(history.epochs.count == 2)
        #expect(history.epochs[1].loss < history.epochs[0].loss, "training loss falls")
        let evaluation = try classifier.evaluate(texts: test.texts, labels: test.labels)
        #expect(evaluation.accuracy > 0.70, "test accuracy \(evaluation.accuracy)")
    }
}

extension LearningTests {
    /// Ten news topics (chance 0.10): 5,000 headlines, 3 epochs. Our runs land near 0.72 on
    /// 2,000 dev headlines; 0.50 fails a model that learned nothing, with room for variation.
    @Test func newsTopicsAreLearnedClearlyAboveChance() throws {
        let train = try LabelledCSV(url: Self.dataDirectory.appendingPathComponent("thucnews-train.csv"))
        let dev = try LabelledCSV(url: Self.dataDirectory.appendingPathComponent("thucnews-dev.csv"))
        let labels = try LabelSet(inferringFrom: train)
        #expect(labels.head == .multiClass && labels.names.count == 10)
        var classifier = try TextClassifier(configuration: .init(numWords: 10000, maxLength: 30), labels: labels)
        try classifier.fit(texts: Array(train.texts.prefix(5000)),
                           labels: Array(try labels.classIndices(of: train).prefix(5000)), epochs: 3, seed: 1)
        let report = try classifier.report(texts: Array(dev.texts.prefix(2000)),
                                           labels: Array(try labels.classIndices(of: dev).prefix(2000)))
        guard case let .multiClass(measures) = report else { Issue.record("not a multi-class report"); return }
        #expect(measures.accuracy > 0.50, "dev accuracy \(measures.accuracy)")
        #expect(measures.topThreeAccuracy > measures.accuracy)
    }
}

extension LearningTests {
    /// The multi-label preset on DuEE's event sentences, as the demo splits them (the first
    /// 450 to train, the other 109 held out): the bag lands near micro F1 0.68 in our runs
    /// (docs/accuracy.md); the LSTM preset it replaced gave no label to any text (0.0).
    /// 0.45 fails a model that learned little, with room for variation.
    @Test func eventLabelSetsAreLearnedByThePreset() throws {
        let data = try LabelledCSV(url: Self.dataDirectory.appendingPathComponent("duee-multilabel.csv"),
                                   labelColumn: "labels")
        let labels = try LabelSet(inferringFrom: data, multiLabel: true)
        let sets = try labels.labelSets(of: data)
        var classifier = try TextClassifier(configuration: .recommended(for: .multiLabel), labels: labels)
        try classifier.fit(texts: Array(data.texts.prefix(450)), labels: Array(sets.prefix(450)), validationSplit: 0.1)
        let report = try classifier.report(texts: Array(data.texts.dropFirst(450)), labelSets: Array(sets.dropFirst(450)))
        guard case let .multiLabel(measures) = report else { Issue.record("not a multi-label report"); return }
        #expect(measures.microF1 > 0.45, "held-out micro F1 \(measures.microF1)")
    }
}
