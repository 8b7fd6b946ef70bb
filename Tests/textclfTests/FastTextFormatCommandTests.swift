import Foundation
import Testing
import TextClassification

/// `--format fasttext`: a fastText training file (`__label__x text…` a line) trains, evaluates
/// and is checked as the same data in CSV is.
@Suite struct FastTextFormatCommandTests {
    /// `csv` (in the repository's Data/) written as fastText lines: its label cell's labels (split
    /// on `|`) as `__label__` words, then the text on one line.
    static func fastTextFile(from csv: String, labelColumn: String = "label", rows: Int) throws -> String {
        let data = try LabelledCSV(url: Command.repository.appendingPathComponent("Data/\(csv)"), labelColumn: labelColumn)
        let lines = zip(data.texts, data.labels).prefix(rows).map { text, labels in
            (labels.split(separator: "|").map { "__label__\($0)" } + [text.replacingOccurrences(of: "\n", with: " ")])
                .joined(separator: " ")
        }
        let file = try Command.temporaryDirectory().appendingPathComponent("\(csv).txt").path
        try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    @Test func topicsFitAndEvaluateFromFastTextLines() throws {
        let train = try Self.fastTextFile(from: "thucnews-train.csv", rows: 3000)
        let dev = try Self.fastTextFile(from: "thucnews-dev.csv", rows: 500)
        let model = try Command.temporaryDirectory().appendingPathComponent("topics").path
        let fit = try Command.run(["fit", train, "--format", "fasttext", "-o", model, "--epochs", "3",
                                   "--validation", dev])
        #expect(fit.status == 0, "\(fit.stderr)")
        #expect(fit.stderr.contains("10 classes (multi-class)"), "\(fit.stderr)")
        let evaluate = try Command.run(["evaluate", model, dev, "--format", "fasttext", "--json"])
        #expect(evaluate.status == 0, "\(evaluate.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(evaluate.stdout.utf8)) as? [String: Any]
        let report = object?["report"] as? [String: Any]
        #expect(report?["count"] as? Int == 500)
        #expect((report?["accuracy"] as? Double ?? 0) > 0.5, "\(evaluate.stdout)")
    }

    @Test func severalLabelsOnALineTrainAMultiLabelModel() throws {
        let events = try Self.fastTextFile(from: "duee-multilabel.csv", labelColumn: "labels", rows: 600)
        let model = try Command.temporaryDirectory().appendingPathComponent("events").path
        let fit = try Command.run(["fit", events, "--format", "fasttext", "-o", model, "--epochs", "2",
                                   "--validation-split", "0.2"])
        #expect(fit.status == 0, "\(fit.stderr)")
        #expect(fit.stderr.contains("labels (multi-label, rows holding each):"), "\(fit.stderr)")
        let evaluate = try Command.run(["evaluate", model, events, "--format", "fasttext"])
        #expect(evaluate.status == 0 && evaluate.stdout.contains("micro F1"), "\(evaluate.stderr)")
    }

    @Test func badFastTextInputNamesTheLineAndTheWeightColumnIsRefused() throws {
        let file = try Command.temporaryDirectory().appendingPathComponent("bad.txt").path
        try "__label__a 好\n没有标签\n".write(toFile: file, atomically: true, encoding: .utf8)
        let model = try Command.temporaryDirectory().appendingPathComponent("never").path
        let unlabelled = try Command.run(["fit", file, "--format", "fasttext", "-o", model])
        #expect(unlabelled.status != 0 && unlabelled.stderr.contains("bad.txt:2:"), "\(unlabelled.stderr)")
        #expect(unlabelled.stderr.contains("no label"), "\(unlabelled.stderr)")
        let weighted = try Command.run(["fit", file, "--format", "fasttext", "--weight-column", "w", "-o", model])
        #expect(weighted.status != 0 && weighted.stderr.contains("fastText's format has no weights"), "\(weighted.stderr)")
        #expect(!FileManager.default.fileExists(atPath: model))
        let csvWithPrefix = try Command.run(["fit", file, "--label-prefix", "#", "-o", model])
        #expect(csvWithPrefix.status != 0 && csvWithPrefix.stderr.contains("--label-prefix applies to --format fasttext"))
    }

    @Test func anotherLabelPrefixAsFastTextsLabelOption() throws {
        let file = try Command.temporaryDirectory().appendingPathComponent("prefixed.txt").path
        try String(repeating: "#好 质量 很好\n#差 质量 很差\n", count: 20).write(toFile: file, atomically: true, encoding: .utf8)
        let model = try Command.temporaryDirectory().appendingPathComponent("prefixed").path
        let fit = try Command.run(["fit", file, "--format", "fasttext", "--label-prefix", "#", "-o", model, "--epochs", "1"])
        #expect(fit.status == 0 && fit.stderr.contains("Labels: 0 = 好 (18 rows), 1 = 差 (18 rows)"), "\(fit.stderr)")
        let empty = try Command.run(["fit", file, "--format", "fasttext", "--label-prefix", "", "-o", model, "--force"])
        #expect(empty.status != 0 && empty.stderr.contains("labelPrefix"), "\(empty.stderr)")
    }
}
