import Foundation
import Testing
import TextClassification

/// docs/library.md's example for more than two labels, as written there (data paths
/// made absolute), so that it keeps compiling and running.
@Suite struct ReadmeExampleTests {
    @Test func multiClassMultiLabelAndBatchPredictor() throws {
        let data = LearningTests.dataDirectory
        // Ten news topics: the labels come from the file, two or more distinct ones.
        let train = try LabelledCSV(url: data.appendingPathComponent("thucnews-train.csv"))
        let labels = try LabelSet(inferringFrom: train)                 // .multiClass, 10 names
        var topics = try TextClassifier(labels: labels)
        try topics.fit(texts: train.texts, labels: try labels.classIndices(of: train),
                       classWeight: .balanced, validationSplit: 0.1, restoreBestWeights: true)
        let p = try topics.predict(texts: ["央行宣布下调存款准备金率"])[0]
        #expect(labels.names.contains(p.label) && p.top(3).count == 3 && p.probabilities.count == 10)
        let none = try topics.predict(texts: ["今天天气不错"], minimumProbability: 0.5, unknownLabel: "other")
        #expect(none[0].label == "other" || none[0].probability >= 0.5)

        // Event tags: each text has a set of labels (indices into labelNames), possibly empty.
        var events = try TextClassifier(labelNames: ["人生", "灾害", "财经"], head: .multiLabel)
        try events.fit(texts: ["两车相撞致两人死亡", "公司宣布裁员"], labels: [[0, 1], [2]], epochs: 5)
        #expect(try events.predict(texts: ["地震造成伤亡"], threshold: 0.5)[0].labels.allSatisfy(events.labelNames.contains))

        // The batch labeller: CSV or lines in, batches of labelled rows out, in input order.
        let predictor = BatchPredictor(classifier: topics)
        var count = 0
        try predictor.run(ByteInput(url: data.appendingPathComponent("thucnews-dev.csv")),
                          format: .csv(textColumn: "text", idColumn: nil)) { rows in
            count += rows.count
        }
        #expect(count == 10_000)
    }

    /// The README's Swift quick start, as written there (data paths made absolute).
    @Test func readmeQuickStart() throws {
        let data = LearningTests.dataDirectory
        let train = try LabelledCSV(url: data.appendingPathComponent("thucnews-train.csv"))
        let labels = try LabelSet(inferringFrom: train)                 // 10 topics: multi-class
        var topics = try TextClassifier(configuration: .recommended(for: labels.head), labels: labels)
        try topics.fit(texts: train.texts, labels: try labels.classIndices(of: train),  // textclf fit's model
                       validationSplit: 0.1, restoreBestWeights: true, patience: 3)
        let p = try topics.predict(texts: ["央行宣布下调存款准备金率"])[0]
        #expect(p.label == "finance" && p.top(3).count == 3, "\(p.label)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("topics-model-\(UUID().uuidString)")
        try topics.save(to: directory)
        #expect(try TextClassifier(contentsOf: directory).predict(texts: ["央行宣布下调存款准备金率"])[0] == p)
    }
}
