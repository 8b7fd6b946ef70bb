import Foundation
import Testing

/// `textclf report` and `fit --report` end to end, with the bad inputs of the report.
@Suite struct ReportCommandTests {
    @Test func reportFromFitAndFromTheCommand() throws {
        let directory = try Command.temporaryDirectory()
        let train = directory.appendingPathComponent("train.csv")
        try ("text,label\n" + (0..<40).map { $0 % 2 == 0 ? "质量很好 推荐\($0),pos" : "太差 退货\($0),neg" }.joined(separator: "\n") + "\n")
            .write(to: train, atomically: true, encoding: .utf8)
        let model = directory.appendingPathComponent("model").path
        let fit = try Command.run(["fit", train.path, "-o", model, "--epochs", "2", "--report"])
        #expect(fit.status == 0, "\(fit.stderr)")
        let report = try String(contentsOfFile: model + "/report.html", encoding: .utf8)
        #expect(report.contains("id=\"confusion\"") && report.contains("id=\"wrong\""), "measured on the validation rows")
        #expect(try Command.run(["fit", train.path, "-o", model, "--report", "--validation-split", "0"]).status == 64)

        let out = directory.appendingPathComponent("r.html").path
        let made = try Command.run(["report", model, "--test", train.path, "-o", out])
        #expect(made.status == 0 && FileManager.default.fileExists(atPath: out), "\(made.stderr)")
        #expect(try !String(contentsOfFile: out, encoding: .utf8).contains("id=\"data-check\""))
        // With the training file: textclf check's findings (here every test row is a training row).
        let checked = try Command.run(["report", model, "--test", train.path, "--training", train.path, "-o", out])
        #expect(checked.status == 0, "\(checked.stderr)")
        #expect(try String(contentsOfFile: out, encoding: .utf8).contains("<p>40 of 40 (40 distinct texts).</p>"))
        // A label the model does not know, named with its line; an unwritable path: exit 73.
        let bad = directory.appendingPathComponent("bad.csv")
        try "text,label\n好,pos\n差,maybe\n".write(to: bad, atomically: true, encoding: .utf8)
        let unknown = try Command.run(["report", model, "--test", bad.path, "-o", directory.appendingPathComponent("x.html").path])
        #expect(unknown.status == 65 && unknown.stderr.contains("\(bad.path):3") && unknown.stderr.contains("\"maybe\""))
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("x.html").path))
        let unwritable = try Command.run(["report", model, "-o", "/nonexistent/r.html"])
        #expect(unwritable.status == 73 && unwritable.stderr.contains("/nonexistent/r.html"))
    }
}
