import Foundation
import Testing
@testable import TextClassification

/// A model keeps the profile of its validation rows; new texts are compared with it signal by
/// signal. Headlines like the training ones do not drift; product reviews, another domain
/// for a topics model, do on every signal.
@Suite struct DataDriftTests {
    /// A topics model fitted on the first 3,000 shipped headlines, 10% held out.
    static let topics: TextClassifier = {
        var data = try! LabelledCSV(url: LearningTests.dataDirectory.appendingPathComponent("thucnews-train.csv"))
        data.texts = Array(data.texts.prefix(3000))
        data.labels = Array(data.labels.prefix(3000))
        var classifier = try! TextClassifier(configuration: .recommended(for: .multiClass), labels: LabelSet(inferringFrom: data))
        try! classifier.fit(texts: data.texts, labels: classifier.labels.classIndices(of: data), epochs: 3, seed: 1,
                            validationSplit: 0.1)
        return classifier
    }()

    func texts(_ file: String, rows: Int) throws -> [String] {
        Array(try LabelledCSV(url: LearningTests.dataDirectory.appendingPathComponent(file)).texts.prefix(rows))
    }

    @Test func theFitKeepsTheProfileOfItsValidationRows() throws {
        let profile = try #require(Self.topics.trainingProfile)
        #expect(profile.rows == 300 && profile.source == "validation rows")
        #expect(profile.labels.count == Self.topics.labelNames.count && profile.labels.reduce(0, +) == 300)
        for signal in DataDrift.Signal.allCases { #expect(profile.histogram(signal).reduce(0, +) == 300, "\(signal)") }
        #expect(profile.mean(.coverage) > 0.5 && profile.mean(.coverage) <= 1)
    }

    @Test func headlinesDoNotDriftButReviewsDo() throws {
        let reference = try #require(Self.topics.trainingProfile)
        let headlines = DataDrift(reference: reference, live: try Self.topics.profile(of: texts("thucnews-dev.csv", rows: 1000), source: "dev"))
        #expect(!headlines.drifted, "\(headlines.scores)")
        let reviews = DataDrift(reference: reference, live: try Self.topics.profile(of: texts("reviews-test.csv", rows: 1000), source: "reviews"))
        #expect(reviews.drifted)
        let scores = Dictionary(uniqueKeysWithValues: reviews.scores.map { ($0.signal, $0) })
        #expect(scores[.length]!.drifted && scores[.length]!.liveMean > 2 * scores[.length]!.referenceMean, "reviews are longer")
        #expect(scores[.coverage]!.liveMean < scores[.coverage]!.referenceMean, "and hold words the headlines lacked")
        #expect(scores[.confidence]!.drifted && scores[.confidence]!.liveMean < scores[.confidence]!.referenceMean)
    }

    @Test func theStabilityIndexIsZeroForTheSameSharesAndGrowsAsTheyPart() {
        #expect(DataDrift.stabilityIndex(reference: [10, 30, 60], live: [10, 30, 60]) == 0)
        #expect(DataDrift.stabilityIndex(reference: [100, 300, 600], live: [200, 600, 1200]) < 0.0001, "only the smoothing differs")
        let near = DataDrift.stabilityIndex(reference: [100, 100], live: [110, 90])
        let far = DataDrift.stabilityIndex(reference: [100, 100], live: [190, 10])
        #expect(near > 0 && near < 0.1 && far > 1)
        // Half a row per bin: an empty bin gives a large score, not an infinite one.
        #expect(DataDrift.stabilityIndex(reference: [100, 0], live: [0, 100]).isFinite)
    }

    @Test func profilesAddAndTheirBinsAreFixed() throws {
        let dev = try texts("thucnews-dev.csv", rows: 400)
        var first = try Self.topics.profile(of: dev.prefix(150), source: "dev")
        first.merge(try Self.topics.profile(of: dev.dropFirst(150), source: "dev"))
        let whole = try Self.topics.profile(of: dev, source: "dev")
        #expect(first.rows == 400 && first.coverage == whole.coverage && first.length == whole.length)
        #expect(first.labels == whole.labels && first.confidence == whole.confidence)

        var empty = DataProfile(source: "x", labelBins: 3)
        let prediction = Prediction(probabilities: [0.1, 0.9], labelIndices: [1], labels: try LabelSet(names: ["a", "b"], head: .binary), unknownLabel: "")
        empty.add(words: 0, covered: 0, prediction: prediction)      // no words: the first coverage bin
        empty.add(words: 300, covered: 300, prediction: prediction)  // all known, 256 words or more
        empty.add(words: 5, covered: 2, prediction: prediction)      // 0.4 known, 4–7 words
        #expect(empty.coverage == [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1])
        #expect(empty.length == [1, 0, 0, 1, 0, 0, 0, 0, 0, 1])
        #expect(empty.confidence == [0, 0, 0, 0, 0, 3, 0, 0], "binary: the decided label's probability, 0.9")
    }

    @Test func theProfileIsSavedAndCalibrationReplacesIt() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("textclf-drift-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try Self.topics.save(to: directory)
        let loaded = try TextClassifier(contentsOf: directory)
        #expect(loaded.trainingProfile == Self.topics.trainingProfile)

        var calibrated = loaded
        let dev = try LabelledCSV(url: LearningTests.dataDirectory.appendingPathComponent("thucnews-dev.csv"))
        try calibrated.calibrate(texts: Array(dev.texts.prefix(500)),
                                 labels: calibrated.labels.classIndices(of: dev).prefix(500).map { $0 })
        let profile = try #require(calibrated.trainingProfile)
        #expect(profile.rows == 500 && profile.source == "calibration rows")
        #expect(profile.confidenceSum != loaded.trainingProfile!.confidenceSum)
    }
}
