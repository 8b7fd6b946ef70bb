import Foundation
import Testing

/// `textclf tune` end to end on a slice of the shipped headlines.
@Suite struct TuneCommandTests {
    @Test func theBestTrialIsSavedAndEveryTrialWritten() throws {
        let directory = try Command.temporaryDirectory()
        func slice(_ name: String, rows: Int) throws -> String {
            let text = try String(contentsOf: Command.repository.appendingPathComponent("Data/\(name)"), encoding: .utf8)
            let file = directory.appendingPathComponent(name)
            try (text.split(separator: "\n").prefix(rows + 1).joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
            return file.path
        }
        let train = try slice("thucnews-train.csv", rows: 600), dev = try slice("thucnews-dev.csv", rows: 200)
        let model = directory.appendingPathComponent("tuned").path, trials = directory.appendingPathComponent("trials.csv").path
        let tune = try Command.run(["tune", train, "--validation", dev, "--budget", "8s", "-o", model, "--trials", trials])
        #expect(tune.status == 0, "\(tune.stderr)")
        #expect(tune.stderr.contains("Trial 1 (") && tune.stderr.contains("Best: trial "), "\(tune.stderr)")
        let rows = try String(contentsOfFile: trials, encoding: .utf8).split(separator: "\n")
        #expect(rows[0].hasPrefix("trial,encoder,tokens,") && rows.count >= 2 && rows[1].hasPrefix("1,bag,wordchar,"))
        #expect(FileManager.default.fileExists(atPath: model + "/config.json"))
        let budget = try Command.run(["tune", train, "--budget", "soon", "-o", model])
        #expect(budget.status == 64 && budget.stderr.contains("--budget must be a time"))
        let both = try Command.run(["tune", train, "--validation", dev, "--folds", "3", "-o", model])
        #expect(both.status == 64 && both.stderr.contains("not both"))
    }

    @Test func aFileTooSmallToTuneSaysHowManyRowsItNeeds() throws {
        let directory = try Command.temporaryDirectory()
        let seed = Command.repository.appendingPathComponent("Data/seed-example.csv").path
        let tune = try Command.run(["tune", seed, "--budget", "5s", "-o", directory.appendingPathComponent("m").path])
        #expect(tune.status == 65, "\(tune.stderr)")
        #expect(tune.stderr.contains("has 3 rows, too few") && tune.stderr.contains("tune needs at least 11 rows"), "\(tune.stderr)")
        #expect(!tune.stderr.contains("invalidTrainingData("), "a sentence, not a Swift value")
    }

    @Test func foldsMeasureTrialsAndTheReportListsThem() throws {
        let directory = try Command.temporaryDirectory()
        let text = try String(contentsOf: Command.repository.appendingPathComponent("Data/thucnews-train.csv"), encoding: .utf8)
        let train = directory.appendingPathComponent("train.csv")
        try (text.split(separator: "\n").prefix(401).joined(separator: "\n") + "\n").write(to: train, atomically: true, encoding: .utf8)
        let model = directory.appendingPathComponent("tuned").path
        let tune = try Command.run(["tune", train.path, "--folds", "3", "--budget", "5s", "-o", model, "--report"])
        #expect(tune.status == 0, "\(tune.stderr)")
        #expect(tune.stderr.contains("by 3-fold cross-validation") && tune.stderr.contains("Wrote the report"), "\(tune.stderr)")
        let html = try String(contentsOfFile: model + "/report.html", encoding: .utf8)
        #expect(html.contains("<h2>Tuning</h2>") && html.contains("(kept)"))
    }

    @Test func multiLabelDataIsTunedByMicroF1() throws {
        let directory = try Command.temporaryDirectory()
        let model = directory.appendingPathComponent("tuned").path, trials = directory.appendingPathComponent("trials.csv").path
        let data = Command.repository.appendingPathComponent("Data/duee-multilabel.csv").path
        let tune = try Command.run(["tune", data, "--label-column", "labels", "--multi-label", "--budget", "5s", "-o", model,
                                    "--trials", trials, "--report"])
        #expect(tune.status == 0, "\(tune.stderr)")
        #expect(tune.stderr.contains("val_micro_f1 ") && tune.stderr.contains("Best: trial "), "\(tune.stderr)")
        #expect(try String(contentsOfFile: trials, encoding: .utf8).contains(",val_micro_f1,val_loss,"))
        #expect(try String(contentsOfFile: model + "/report.html", encoding: .utf8).contains("val micro F1"))
        let folds = try Command.run(["tune", data, "--label-column", "labels", "--multi-label", "--folds", "3", "-o", model])
        #expect(folds.status == 64 && folds.stderr.contains("--folds is for binary and multi-class"))
    }
}
