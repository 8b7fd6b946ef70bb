import Foundation
import Testing
@testable import TextClassification

/// The HTML report: every chart for each head, self-contained, and honest about what is missing.
@Suite struct ModelReportTests {
    let texts = ["股市 大涨 银行", "球队 夺冠 比赛", "新 手机 发布", "银行 利率 下调", "比赛 门票 售罄", "手机 芯片 股市"]
    let charts = ["loss", "accuracy", "confusion", "scores", "roc", "pr", "calibration", "histogram", "wrong"]

    func expectSelfContained(_ html: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(html.hasPrefix("<!DOCTYPE html>"), sourceLocation: sourceLocation)
        #expect(!html.contains("<script") && !html.contains("<link") && !html.contains("@import"),
                "nothing to fetch or run", sourceLocation: sourceLocation)
        #expect(html.contains("prefers-color-scheme: dark"), "a dark theme", sourceLocation: sourceLocation)
    }

    @Test(arguments: [ClassificationHead.Kind.binary, .multiClass, .multiLabel])
    func everyChartForEveryHead(head: ClassificationHead.Kind) throws {
        let names = head == .binary ? ["neg", "pos"] : ["finance", "sports", "tech"]
        var classifier = try TextClassifier(configuration: .init(numWords: 100, maxLength: 8), labelNames: names, head: head)
        let sets: [[Int]] = head == .binary ? [[1], [0], [1], [1], [0], [0]] : [[0], [1], [2], [0], [1], [2]]
        if head == .multiLabel {
            try classifier.fit(texts: texts, labels: sets, epochs: 2, validationSplit: 0.34)
        } else {
            try classifier.fit(texts: texts, labels: sets.map { $0[0] }, epochs: 2, validationSplit: 0.34)
        }
        let html = try ModelReport(classifier: classifier, title: "test <model>")
            .html(test: .init(texts: texts, labelSets: sets, source: "six.csv"))
        expectSelfContained(html)
        for chart in charts { #expect(html.contains("id=\"\(chart)\""), "\(head): \(chart)") }
        #expect(html.contains("test &lt;model&gt;"), "escaped title")
        #expect(html.contains("kept: epoch") == (classifier.history?.restoredEpoch != nil))
        // Single-label models add precision and coverage against the threshold.
        #expect(html.contains("id=\"decisions\"") == (head != .multiLabel))
        #expect(html.components(separatedBy: "<svg").count - 1 == (head == .multiLabel ? 8 : 9))
        #expect(html.contains("Embedding(64) → LSTM(64) → Dense("), "the model's layers")
    }

    /// The summary names the encoder the model has, and its tokens.
    @Test func summaryNamesTheEncoderAndTokens() throws {
        var classifier = try TextClassifier(configuration: .init(unit: .ngrams, numWords: 100, maxLength: 8, encoder: .bag),
                                            labelNames: ["neg", "pos"], head: .binary)
        try classifier.fit(texts: texts, labels: [1, 0, 1, 1, 0, 0], epochs: 1, validationSplit: 0)
        let html = try ModelReport(classifier: classifier, title: "bag").html(test: nil)
        #expect(html.contains("Embedding(64) → GlobalAveragePooling1D (mask_zero) → Dense(1)") && html.contains("tokens: ngrams"))
        // Dropout layers are part of the Keras model too.
        var dropped = try TextClassifier(configuration: .init(unit: .wordchar, numWords: 100, maxLength: 8, encoder: .bag,
                                                              dropout: 0.5, embeddingDropout: 0.3),
                                         labelNames: ["neg", "pos"], head: .binary)
        try dropped.fit(texts: texts, labels: [1, 0, 1, 1, 0, 0], epochs: 1, validationSplit: 0)
        let withDropout = try ModelReport(classifier: dropped, title: "bag").html(test: nil)
        #expect(withDropout.contains("Embedding(64) → Dropout(0.3) → GlobalAveragePooling1D (mask_zero) → Dropout(0.5) → Dense(1)")
                && withDropout.contains("tokens: wordchar"))
    }

    @Test func withoutTestDataOrHistoryTheReportSaysWhy() throws {
        var classifier = try TextClassifier(configuration: .init(numWords: 100, maxLength: 8))
        try classifier.fit(texts: texts, labels: [1, 0, 1, 1, 0, 0], epochs: 1)
        let curvesOnly = try ModelReport(classifier: classifier, title: "m").html()
        expectSelfContained(curvesOnly)
        #expect(curvesOnly.contains("id=\"loss\"") && curvesOnly.contains("No test data"))
        classifier.history = History()
        let nothing = try ModelReport(classifier: classifier, title: "m").html()
        #expect(nothing.contains("No training curves") && !nothing.contains("<svg"))
    }

    @Test func curvesAreThinnedAndExact() {
        // A perfect ranking: AUC 1, average precision 1; 1,000 rows give at most 200 points.
        let scores = (0..<1000).map { Float($0) / 1000 }, positives = (0..<1000).map { $0 >= 500 }
        let curves = Curves(scores: scores, positives: positives)
        #expect(curves.auc == 1 && abs(curves.averagePrecision - 1) < 1e-12)
        #expect(curves.roc.count <= 200 && curves.roc.first! == (0, 0) && curves.roc.last! == (1, 1))
    }
}
