import Foundation
import Testing
import TextClassification

/// Every bad input gets one line on stderr naming what and where, and a non-zero exit code;
/// never a crash or a stack trace.
@Suite struct BadInputTests {
    func file(_ name: String, _ bytes: [UInt8]) throws -> String {
        let url = try Command.temporaryDirectory().appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    func file(_ name: String, _ text: String) throws -> String { try file(name, Array(text.utf8)) }

    func expectOneLineError(_ result: CommandResult, status: Int32, containing parts: [String],
                            sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == status, "exit status; stderr: \(result.stderr)", sourceLocation: sourceLocation)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "one line: \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.hasPrefix("textclf: error: "), sourceLocation: sourceLocation)
        for part in parts {
            #expect(result.stderr.contains(part), "\(part) in: \(result.stderr)", sourceLocation: sourceLocation)
        }
    }

    func fit(_ path: String, _ extra: [String] = []) throws -> (CommandResult, URL) {
        let model = try Command.temporaryDirectory().appendingPathComponent("model")
        return (try Command.run(["fit", path, "-o", model.path, "--epochs", "1"] + extra), model)
    }

    /// `textclf serve` runs textclf-serve: its options are checked before a port opens.
    @Test func serveRefusesDurationsThatWouldOverflowAndWeakAdminTokens() throws {
        let model = Command.sharedModel.path
        for (option, value, message) in [("--max-wait-ms", "99999999999999", "at most 86400000"),
                                         ("--timeout-ms", "9223372036854775807", "at most 86400000"),
                                         ("--drain-timeout", "inf", "from 0 to 86400 seconds"),
                                         ("--max-body-bytes", "4611686018427387904", "must fit in --max-bytes-in-flight-mb")] {
            let serve = try Command.run(["serve", "--model", model, option, value, "--port", "0"])
            #expect(serve.status == 64 && serve.stderr.contains(message), "\(option) \(value): \(serve.status) \(serve.stderr)")
        }
        let directory = try Command.temporaryDirectory()
        let weak = directory.appendingPathComponent("token").path
        try "short\n".write(toFile: weak, atomically: true, encoding: .utf8)
        let serve = try Command.run(["serve", "--model", model, "--admin-token-file", weak, "--port", "0"])
        #expect(serve.status == 64 && serve.stderr.contains("at least 16 characters"), "\(serve.stderr)")
    }

    /// Versions and rollouts are checked before a port opens, each refusal saying what to write.
    @Test func serveRefusesBadVersionsAndRollouts() throws {
        let model = Command.sharedModel.path
        let two = "m=stable:\(model),next:\(model)"
        for (arguments, status, message) in [
            (["--model", "m=a:\(model),a:\(model)"], 64, "each VERSION of a model once"),
            (["--model", "m=stable:\(model),next:/no/such/model"], 66, "/no/such/model: cannot read: not a model directory"),
            (["--model", two, "--canary", "m=next:150"], 64, "PERCENT from 0 to 100"),
            (["--model", two, "--canary", "m=next"], 64, "NAME=VERSION:PERCENT"),
            (["--model", two, "--canary", "m=stable:5"], 64, "other than its first (the primary): next"),
            (["--model", two, "--shadow", "x=next"], 64, "the NAME of a --model"),
            (["--model", two, "--canary", "m=next:5", "--shadow", "m=next"], 64, "one --canary or --shadow per model"),
        ] {
            let serve = try Command.run(["serve"] + arguments + ["--port", "0"])
            #expect(serve.status == Int32(status) && serve.stderr.contains(message), "\(arguments): \(serve.status) \(serve.stderr)")
        }
    }

    /// A weight column (`fit --weight-column`) takes numbers ≥ 0: anything else names its line
    /// and says what to write; a good one trains and says what it read.
    @Test func weightColumnNamesTheLineOfABadWeight() throws {
        let good = "text,label,w\n好看,1,1\n难看,0,0.5\n很好,1,\n太差,0,0\n"
        for (cell, shown) in [("-1", "\"-1\""), ("lots", "\"lots\""), ("inf", "\"inf\"")] {
            let path = try file("w.csv", good + "一般,1,\(cell)\n")
            let (result, model) = try fit(path, ["--weight-column", "w"])
            expectOneLineError(result, status: 65, containing: ["\(path):6", shown, "column \"w\"", "number ≥ 0"])
            #expect(!FileManager.default.fileExists(atPath: model.path), "no model written")
        }
        let missing = try fit(try file("w.csv", good), ["--weight-column", "weight"]).0
        expectOneLineError(missing, status: 65, containing: ["no column \"weight\""])
        let (trained, model) = try fit(try file("w.csv", good), ["--weight-column", "w", "--validation-split", "0"])
        #expect(trained.status == 0, "\(trained.stderr)")
        #expect(trained.stderr.contains("Row weights from column w: mean 0.625, 1 of 4 rows at 0 (left out)"), "\(trained.stderr)")
        #expect(FileManager.default.fileExists(atPath: model.appendingPathComponent("model.safetensors").path))
    }

    @Test func missingFile() throws {
        let (result, model) = try fit("/nonexistent/train.csv")
        expectOneLineError(result, status: 66, containing: ["/nonexistent/train.csv", "no such file"])
        #expect(!FileManager.default.fileExists(atPath: model.path))
    }

    @Test func missingColumnNamesTheColumnsThatExist() throws {
        let path = try file("t.csv", "review,sentiment\n好,1\n")
        let (result, model) = try fit(path)
        expectOneLineError(result, status: 65, containing: ["\(path):1", "no column \"text\"", "\"review\", \"sentiment\""])
        #expect(!FileManager.default.fileExists(atPath: model.path), "no model written")
    }

    @Test func rowWithTooFewFields() throws {
        let path = try file("t.csv", "text,label\n好,1\n差\n")
        expectOneLineError(try fit(path).0, status: 65, containing: ["\(path):3", "1 field(s)"])
    }

    @Test func invalidUTF8NamesLineAndByteOffset() throws {
        let path = try file("t.csv", Array("text,label\n好,1\n".utf8) + [0xB2, 0xBB, 0xB4, 0xED] + Array(",0\n".utf8))
        expectOneLineError(try fit(path).0, status: 65, containing: ["\(path):3", "invalid UTF-8 at byte offset 17"])
    }

    @Test func emptyFileAndHeaderOnly() throws {
        let empty = try file("empty.csv", "")
        expectOneLineError(try fit(empty).0, status: 65, containing: ["\(empty):1", "empty"])
        let header = try file("header.csv", "text,label\n")
        expectOneLineError(try fit(header).0, status: 65, containing: ["\(header):1", "no data rows"])
    }

    @Test func singleDistinctLabel() throws {
        let path = try file("t.csv", "text,label\n好,pos\n差,pos\n")
        let (result, model) = try fit(path)
        expectOneLineError(result, status: 65, containing: [path, "only the label \"pos\"", "at least two"])
        #expect(!FileManager.default.fileExists(atPath: model.path))
    }

    @Test func emptyLabelCellInSingleLabelData() throws {
        let path = try file("t.csv", "text,label\n好,pos\n差,\n一般,neg\n")
        let (result, model) = try fit(path)
        expectOneLineError(result, status: 65, containing: ["\(path):3", "the label is empty", "--multi-label"])
        #expect(!FileManager.default.fileExists(atPath: model.path))
    }

    @Test func unknownLabelInTheValidationFile() throws {
        let train = try file("train.csv", "text,label\n好,pos\n差,neg\n")
        let validation = try file("validation.csv", "text,label\n好,pos\n一般,neutral\n")
        let (result, model) = try fit(train, ["--validation", validation])
        expectOneLineError(result, status: 65, containing: ["\(validation):3", "\"neutral\"", "\"neg\", \"pos\""])
        #expect(!FileManager.default.fileExists(atPath: model.path))
    }

    @Test func multiLabelCellOfOnlySeparators() throws {
        let path = try file("t.csv", "text,labels\n好,a|b\n差,||\n一般,\n")
        let (result, model) = try fit(path, ["--label-column", "labels", "--multi-label"])
        expectOneLineError(result, status: 65, containing: ["\(path):3", "\"||\"", "only separators"])
        #expect(!FileManager.default.fileExists(atPath: model.path))
        // A separator that never occurs is fine: each cell is one tag.
        let single = try file("single.csv", "text,labels\n好,a\n差,b\n一般,\n")
        #expect(try fit(single, ["--label-column", "labels", "--multi-label", "--label-separator", ";"]).0.status == 0)
    }

    @Test func tooManyDistinctLabelsIsTheWrongColumn() throws {
        let rows = (0..<10_001).map { "文本\($0),\($0)" }.joined(separator: "\n")
        let path = try file("t.csv", "text,label\n" + rows + "\n")
        expectOneLineError(try fit(path).0, status: 65, containing: ["\(path):10002", "more than 10000 different labels",
                                                                    "--label-column"])
    }

    @Test func emptyTextIsAllowed() throws {
        let path = try file("t.csv", "text,label\n,1\n好,0\n差,1\n")
        #expect(try fit(path, ["--validation-split", "0"]).0.status == 0)
    }

    @Test func unknownLabelWhenEvaluating() throws {
        let path = try file("test.csv", "text,label\n好,pos\n差,maybe\n")
        let result = try Command.run(["evaluate", Command.sharedModel.path, path])
        expectOneLineError(result, status: 65, containing: ["\(path):3", "\"maybe\""])
    }

    /// A copy of the shared model, damaged by `damage`.
    func damagedModel(_ damage: (URL) throws -> Void) throws -> URL {
        let copy = try Command.temporaryDirectory().appendingPathComponent("model")
        try FileManager.default.copyItem(at: Command.sharedModel, to: copy)
        try damage(copy)
        return copy
    }

    @Test func modelMissingAFile() throws {
        let model = try damagedModel { try FileManager.default.removeItem(at: $0.appendingPathComponent("model.safetensors")) }
        let result = try Command.run(["predict", model.path, "--lines"], input: Data("好\n".utf8))
        expectOneLineError(result, status: 65, containing: [model.path, "model.safetensors is missing"])
        #expect(result.stdout.isEmpty)
    }

    @Test func modelWithTruncatedWeights() throws {
        let model = try damagedModel { url in
            let weights = url.appendingPathComponent("model.safetensors")
            let data = try Data(contentsOf: weights)
            try data.prefix(data.count - 100).write(to: weights)
        }
        let result = try Command.run(["evaluate", model.path, Command.repository.appendingPathComponent("Data/seed-example.csv").path])
        expectOneLineError(result, status: 65, containing: ["model.safetensors", "truncated"])
    }

    @Test func modelFromANewerFormat() throws {
        let newer = TextClassifier.formatVersion + 1
        let model = try damagedModel { url in
            let config = url.appendingPathComponent("config.json")
            let text = try String(contentsOf: config, encoding: .utf8)
                .replacingOccurrences(of: "\"formatVersion\" : [0-9]+", with: "\"formatVersion\" : \(newer)", options: .regularExpression)
            try text.write(to: config, atomically: true, encoding: .utf8)
        }
        let result = try Command.run(["tokenize", "--vocab", model.path], input: Data("好\n".utf8))
        expectOneLineError(result, status: 65, containing: ["format version \(newer)", "upgrade textclf"])
    }

    @Test func usageErrorsExit64() throws {
        let result = try Command.run(["fit", "x.csv", "-o", "m", "--epochs", "0"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--epochs must be at least 1"))
    }

    /// Bench shapes of zero (or no repeats) are usage errors, not crashes or empty measurements.
    @Test func benchRejectsEmptyShapes() throws {
        for (option, message) in [("--input-dim", "--input-dim must be at least 2"), ("--repeats", "--repeats must be at least 1"),
                                  ("--units", "--units must be at least 1"), ("--length", "--length must be at least 1")] {
            let result = try Command.run(["bench", "train", option, "0"])
            #expect(result.status == 64 && result.stderr.contains(message), "\(option): \(result.stderr)")
        }
    }
}

extension BadInputTests {
    /// Found by fuzzing the model loader: empty model files (Foundation's reader leaked on
    /// them); they must give a clear error.
    @Test func emptyModelFiles() throws {
        let model = try damagedModel { url in
            for name in ["config.json", "vocabulary.json", "model.safetensors"] {
                try Data().write(to: url.appendingPathComponent(name))
            }
        }
        let result = try Command.run(["predict", model.path, "--lines"], input: Data("好\n".utf8))
        expectOneLineError(result, status: 65, containing: ["config.json", "unreadable config"])
    }
}
