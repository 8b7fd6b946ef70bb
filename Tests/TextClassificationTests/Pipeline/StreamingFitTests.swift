import Foundation
import Testing
@testable import TextClassification

/// A fit that reads its file a part at a time: the same model as the in-memory fit when one
/// part holds the file, a repeatable one when it takes several, and the file's errors by line.
@Suite struct StreamingFitTests {
    /// The first `rows` headlines of the shipped topics, as a file of their own.
    func topics(rows: Int) throws -> (file: URL, data: LabelledCSV) {
        var data = try LabelledCSV(url: LearningTests.dataDirectory.appendingPathComponent("thucnews-train.csv"))
        data.texts = Array(data.texts.prefix(rows))
        data.labels = Array(data.labels.prefix(rows))
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("textclf-stream-\(UUID().uuidString).csv")
        let body = zip(data.texts, data.labels).map { "\"\($0.replacingOccurrences(of: "\"", with: "\"\""))\",\($1)" }
        try (["text,label"] + body).joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        return (file, data)
    }

    func classifier(for data: LabelledCSV) throws -> TextClassifier {
        try TextClassifier(configuration: .recommended(for: .multiClass), labels: LabelSet(inferringFrom: data))
    }

    @Test func oneLargePartTrainsTheInMemoryModel() throws {
        let (file, data) = try topics(rows: 600)
        defer { try? FileManager.default.removeItem(at: file) }
        var inMemory = try classifier(for: data), streamed = inMemory
        try inMemory.fit(texts: data.texts, labels: inMemory.labels.classIndices(of: data), epochs: 3, seed: 5, validationSplit: 0.1)
        try streamed.fit(streaming: file, partRows: 1000, epochs: 3, seed: 5, validationSplit: 0.1)
        #expect(streamed.vocabulary == inMemory.vocabulary)
        #expect(streamed.model!.namedParameters.map(\.tensor) == inMemory.model!.namedParameters.map(\.tensor))
        #expect(streamed.history?.epochs.map(\.validationLoss) == inMemory.history?.epochs.map(\.validationLoss))
    }

    /// Several labels a row (the shipped DuEE events, `|` between labels): the file read in
    /// one part trains the in-memory model too.
    @Test func aMultiLabelFileTrainsTheInMemoryModel() throws {
        let file = LearningTests.dataDirectory.appendingPathComponent("duee-multilabel.csv")
        let data = try LabelledCSV(url: file, labelColumn: "labels")
        let labels = try LabelSet(inferringFrom: data, multiLabel: true)
        var inMemory = try TextClassifier(configuration: .recommended(for: .multiLabel), labels: labels), streamed = inMemory
        try inMemory.fit(texts: data.texts, labels: labels.labelSets(of: data), epochs: 2, seed: 3, validationSplit: 0.2)
        try streamed.fit(streaming: file, labelColumn: "labels", partRows: 1000, epochs: 2, seed: 3, validationSplit: 0.2)
        #expect(streamed.model!.namedParameters.map(\.tensor) == inMemory.model!.namedParameters.map(\.tensor))
        #expect(streamed.history?.epochs.map(\.validationLoss) == inMemory.history?.epochs.map(\.validationLoss))
    }

    @Test func smallPartsTrainTheSameWayEveryRun() throws {
        let (file, data) = try topics(rows: 600)
        defer { try? FileManager.default.removeItem(at: file) }
        var first = try classifier(for: data), second = first
        let history = try first.fit(streaming: file, partRows: 128, epochs: 4, seed: 5)
        try second.fit(streaming: file, partRows: 128, epochs: 4, seed: 5)
        #expect(history.epochs.last!.loss < history.epochs.first!.loss, "\(history.epochs.map(\.loss))")
        #expect(first.model!.namedParameters.map(\.tensor) == second.model!.namedParameters.map(\.tensor))
    }

    /// The held-out rows are the file's last: measured part by part as each epoch's reader
    /// reaches them, to what one evaluation of them all gives.
    @Test func validationRowsAreMeasuredPartByPart() throws {
        let (file, data) = try topics(rows: 600)
        defer { try? FileManager.default.removeItem(at: file) }
        var streamed = try classifier(for: data)
        let history = try streamed.fit(streaming: file, partRows: 16, epochs: 1, seed: 5, validationSplit: 0.1)
        #expect(history.heldOutRows == 60)
        let heldTexts = Array(data.texts.suffix(60))
        let targets = try streamed.targets(streamed.labels.classIndices(of: data).suffix(60).map { $0 })
        let whole = try streamed.model!.evaluate(streamed.encodeSequences(heldTexts), labels: targets)
        let epoch = try #require(history.epochs.last)
        #expect(abs(epoch.validationLoss! - whole.loss) < 1e-5, "\(epoch.validationLoss!) vs \(whole.loss)")
        #expect(abs(epoch.validationAccuracy! - whole.accuracy) < 1e-6)
    }

    /// Before training, each pass over the file says how far it has got, block by block.
    @Test func thePassesBeforeTrainingReportTheirProgress() throws {
        let (file, data) = try topics(rows: 600)
        defer { try? FileManager.default.removeItem(at: file) }
        var streamed = try classifier(for: data)
        var reports: [FilePassProgress] = []
        try streamed.fit(streaming: file, partRows: 100, epochs: 1, seed: 5, validationSplit: 0.1, onRead: { reports.append($0) })
        #expect(reports.map(\.pass) == Array(repeating: .counting, count: 6) + Array(repeating: .vocabulary, count: 6))
        #expect(reports.map(\.rows) == [100, 200, 300, 400, 500, 600, 100, 200, 300, 400, 500, 540])
        // Counting knows the file's size, not its rows; the vocabulary pass reads the 540 training rows.
        #expect(reports[5].totalRows == nil && reports[5].fraction == 1)
        #expect(reports[0].fraction! > 0.1 && reports[0].fraction! < 0.25, "\(reports[0].fraction!)")
        #expect(reports[6].totalRows == 540 && reports.last!.fraction == 1)
    }

    @Test func anUnknownLabelIsNamedByLineBeforeTraining() throws {
        let (file, data) = try topics(rows: 50)
        defer { try? FileManager.default.removeItem(at: file) }
        try (String(contentsOf: file, encoding: .utf8) + "\n新来的一行,weather").write(to: file, atomically: true, encoding: .utf8)
        var classifier = try classifier(for: data)
        #expect {
            try classifier.fit(streaming: file, partRows: 16, epochs: 1)
        } throws: { error in
            guard case let .malformedData(_, line, reason) = error as? TextClassificationError else { return false }
            return line == 52 && reason.contains("weather")
        }
        #expect(classifier.model == nil)
    }
}
