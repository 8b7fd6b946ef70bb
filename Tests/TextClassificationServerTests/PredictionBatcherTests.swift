import Foundation
import Synchronization
import Testing
import TextClassification
@testable import TextClassificationServer

/// Requests that arrive together share one model pass, and each gets its own answers.
@Suite struct PredictionBatcherTests {
    @Test func concurrentRequestsShareOnePassAndGetTheirOwnAnswers() async throws {
        var classifier = try TextClassifier(configuration: .init(unit: .wordchar, maxLength: 20, embeddingDim: 4, encoder: .bag),
                                            labelNames: ["a", "b", "c"])
        try classifier.fit(texts: ["甲乙", "丙丁", "戊己", "甲丁"], labels: [0, 1, 2, 0], epochs: 2)
        let passes = Mutex<[Int]>([])
        let batcher = PredictionBatcher(classifier: classifier, maxBatch: 100, maxWait: .milliseconds(300), maxQueuedTexts: 1000,
                                        onPass: { count in passes.withLock { $0.append(count) } })
        let requests = (0..<10).map { k in ["甲乙\(k)", "丙丁"] }
        let answers = try await withThrowingTaskGroup(of: (Int, [Prediction]).self) { group in
            for (k, texts) in requests.enumerated() {
                group.addTask {
                    // Different rules in one pass: each request is decided by its own.
                    (k, try await batcher.predict(texts, rule: DecisionRule(minimumProbability: k.isMultiple(of: 2) ? 0 : 1, unknownLabel: "?")))
                }
            }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        #expect(passes.withLock { $0 } == [20], "ten requests of two texts, one pass")
        for (k, texts) in requests.enumerated() {
            let expected = try classifier.predict(texts: texts, minimumProbability: k.isMultiple(of: 2) ? 0 : 1, unknownLabel: "?")
            #expect(answers[k] == expected)
        }
    }

    @Test func aPassHoldsAtMostMaxBatchTextsButNeverSplitsARequest() async throws {
        var classifier = try TextClassifier(configuration: .init(unit: .wordchar, maxLength: 20, embeddingDim: 4, encoder: .bag))
        try classifier.fit(texts: ["甲乙", "丙丁"], labels: [0, 1], epochs: 1)
        let passes = Mutex<[Int]>([])
        let batcher = PredictionBatcher(classifier: classifier, maxBatch: 4, maxWait: .milliseconds(300), maxQueuedTexts: 1000,
                                        onPass: { count in passes.withLock { $0.append(count) } })
        try await withThrowingTaskGroup(of: Void.self) { group in
            for size in [3, 3, 6] {
                group.addTask { _ = try await batcher.predict(Array(repeating: "甲乙", count: size), rule: DecisionRule()) }
            }
            try await group.waitForAll()
        }
        let sizes = passes.withLock { $0 }
        #expect(sizes.sorted() == [3, 3, 6], "a request larger than the batch runs alone: \(sizes)")
    }
}
