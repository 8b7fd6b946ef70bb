import Foundation
import Testing

/// Never lose a user's data: what `-o` may replace, one-model loads during swaps, batch
/// outputs that cannot clash, and errors (not crashes, not exit 0) where writing fails.
@Suite struct DataSafetyTests {
    static let seed = Command.repository.appendingPathComponent("Data/seed-example.csv").path
    let quick = ["--epochs", "1", "--validation-split", "0"]

    @Test func fitRefusesToReplaceWhatIsNotAModel() throws {
        let directory = try Command.temporaryDirectory()
        let notes = directory.appendingPathComponent("p"), file = directory.appendingPathComponent("f")
        try FileManager.default.createDirectory(at: notes, withIntermediateDirectories: true)
        try "notes".write(to: notes.appendingPathComponent("t.txt"), atomically: true, encoding: .utf8)
        try "a file".write(to: file, atomically: true, encoding: .utf8)
        for target in [notes, file] {
            let fit = try Command.run(["fit", Self.seed, "-o", target.path] + quick)
            #expect(fit.status == 73 && fit.stderr.contains("so it is not replaced") && fit.stderr.contains("--force"), "\(fit.stderr)")
            #expect(!fit.stderr.contains("Epoch 1"), "refused before training")
        }
        #expect(try String(contentsOf: notes.appendingPathComponent("t.txt"), encoding: .utf8) == "notes")
        #expect(try String(contentsOf: file, encoding: .utf8) == "a file")
        // A model directory is replaced; with --force, anything is.
        let model = directory.appendingPathComponent("m").path
        #expect(try Command.run(["fit", Self.seed, "-o", model] + quick).status == 0)
        #expect(try Command.run(["fit", Self.seed, "-o", model] + quick).status == 0)
        #expect(try Command.run(["fit", Self.seed, "-o", notes.path, "--force"] + quick).status == 0)
        #expect(FileManager.default.fileExists(atPath: notes.appendingPathComponent("config.json").path))
        let root = try Command.run(["fit", Self.seed, "-o", "/"] + quick)
        #expect(root.status == 73 && root.stderr.contains("a model is a directory of its own; name a new one (e.g. /model)"), "\(root.stderr)")
        #expect(try Command.run(["fit", Self.seed, "-o", "/dev/null", "--force"] + quick).stderr.contains("device, FIFO or socket"))
    }

    @Test func fitNeverReplacesTheWorkingDirectoryItsParentsOrHomeEvenWithForce() throws {
        let directory = try Command.temporaryDirectory()
        let work = directory.appendingPathComponent("s"), home = directory.appendingPathComponent("home")
        for folder in [work, home] { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
        try "precious".write(to: work.appendingPathComponent("mine.txt"), atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(atPath: Self.seed, toPath: work.appendingPathComponent("seed-example.csv").path)
        for target in [".", "..", "./", directory.path, "~"] {
            let fit = try Command.shell("/bin/bash", ["-c", "cd \"$0\" && \"$1\" fit seed-example.csv -o \(target) --force --epochs 1 --validation-split 0",
                                                      work.path, Command.executable.path], environment: ["HOME": home.path])
            #expect(fit.status == 73 && fit.stderr.contains("which a model never replaces"), "\(target): \(fit.stderr)")
        }
        #expect(try String(contentsOf: work.appendingPathComponent("mine.txt"), encoding: .utf8) == "precious")
        #expect(FileManager.default.fileExists(atPath: work.appendingPathComponent("seed-example.csv").path))
    }

    @Test func aRelativeLinkIsFollowedFromItsOwnDirectoryAndReplacedFilesKeepTheirMode() throws {
        let directory = try Command.temporaryDirectory()
        let file = directory.appendingPathComponent("labels.csv").path
        try "old".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(chmod(file, 0o600) == 0)
        try FileManager.default.createSymbolicLink(atPath: directory.appendingPathComponent("latest.csv").path, withDestinationPath: "labels.csv")
        // `-o latest.csv` from the link's directory: the target is beside the link, not at /.
        let predict = try Command.shell("/bin/bash", ["-c", "cd \"$0\" && \"$1\" predict \"$2\" --lines -o latest.csv <<< 好",
                                                      directory.path, Command.executable.path, Command.sharedModel.path])
        #expect(predict.status == 0, "\(predict.stderr)")
        #expect(try String(contentsOfFile: file, encoding: .utf8).hasPrefix("text,label,probability\n好,"))
        var info = stat()
        #expect(stat(file, &info) == 0 && info.st_mode & 0o777 == 0o600, "a private file stays private")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.contains("partial") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    @Test func outputsFollowLinksAndWriteThroughDevicesAndFIFOs() throws {
        let directory = try Command.temporaryDirectory()
        let file = directory.appendingPathComponent("labels.csv").path, link = directory.appendingPathComponent("latest.csv").path
        try "old".write(toFile: file, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "labels.csv")
        let predict = try Command.run(["predict", Command.sharedModel.path, "--lines", "-o", link], input: Data("好\n".utf8))
        #expect(predict.status == 0, "\(predict.stderr)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == "labels.csv", "the link stays a link")
        #expect(try String(contentsOfFile: file, encoding: .utf8).hasPrefix("text,label,probability\n好,"))

        // A FIFO is written into, not replaced by a regular file.
        let fifo = directory.appendingPathComponent("fifo").path
        #expect(mkfifo(fifo, 0o644) == 0)
        let reader = try Command.shell("/bin/bash", ["-c", "cat \"$0\" > \"$0.out\" & \"$1\" predict \"$2\" --lines -o \"$0\" <<< 好; wait",
                                                     fifo, Command.executable.path, Command.sharedModel.path])
        #expect(reader.status == 0, "\(reader.stderr)")
        #expect(try String(contentsOfFile: fifo + ".out", encoding: .utf8).hasPrefix("text,label,probability\n"))
        var info = stat()
        #expect(lstat(fifo, &info) == 0 && info.st_mode & S_IFMT == S_IFIFO)

        // A device that cannot take the bytes: an error, and the device stays.
        let full = try Command.run(["predict", Command.sharedModel.path, "--lines", "-o", "/dev/full"], input: Data("好\n".utf8))
        #expect(full.status == 73 && full.stderr.contains("No space left on device"), "\(full.stderr)")
        #expect(lstat("/dev/full", &info) == 0 && info.st_mode & S_IFMT == S_IFCHR)

        // A model directory behind a link: the model is replaced where the link points.
        let versioned = directory.appendingPathComponent("v1").path, live = directory.appendingPathComponent("live").path
        #expect(try Command.run(["fit", Self.seed, "-o", versioned] + quick).status == 0)
        try FileManager.default.createSymbolicLink(atPath: live, withDestinationPath: "v1")
        #expect(try Command.run(["fit", Self.seed, "-o", live, "--seed", "5"] + quick).status == 0)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: live) == "v1")
        #expect(try Command.run(["predict", live, "--lines"], input: Data("好\n".utf8)).status == 0)
    }

    /// Scripts/check-model-swap.sh, shortened (CI runs it with 500 predictions): predict never
    /// sees half of one model and half of another while fit keeps replacing the directory.
    @Test func predictSeesOneWholeModelWhileFitReplacesIt() throws {
        let script = Command.repository.appendingPathComponent("Scripts/check-model-swap.sh").path
        let check = try Command.shell("/bin/bash", [script, "120"], environment: ["TEXTCLF": Command.executable.path])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("0 mixed, 0 failed"), "\(check.stdout)")
    }

    @Test func labelBatchKeepsTheExtensionSoNamesCannotClash() throws {
        let directory = try Command.temporaryDirectory()
        let input = directory.appendingPathComponent("in"), output = directory.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        try "text\n好\n差\n".write(to: input.appendingPathComponent("a.csv"), atomically: true, encoding: .utf8)
        try "好\n".write(to: input.appendingPathComponent("a.txt"), atomically: true, encoding: .utf8)
        let script = Command.repository.appendingPathComponent("Scripts/label-batch.sh").path
        let run = try Command.shell("/bin/bash", [script, Command.sharedModel.path, input.path, output.path],
                                    environment: ["TEXTCLF": Command.executable.path])
        #expect(run.stdout.contains("labelled 2 file(s), 3 text(s)"), "\(run.stdout)\(run.stderr)")
        let outputs = try FileManager.default.contentsOfDirectory(atPath: output.path).sorted()
        #expect(outputs == ["a.csv.labels.csv", "a.txt.labels.csv"])
    }

    @Test func aConfigurationTooLargeForMemoryIsAnErrorNotACrash() throws {
        let model = try Command.temporaryDirectory().appendingPathComponent("m").path
        let fit = try Command.run(["fit", Self.seed, "-o", model, "--units", "65536", "--encoder", "lstm"] + quick)
        #expect(fit.status == 64 && fit.stderr.contains("training it needs about") && fit.stderr.contains("lower the units"), "\(fit.stderr)")
    }

    @Test func evaluateAndBenchFailWhenTheirOutputCannotBeWritten() throws {
        let test = Command.repository.appendingPathComponent("Data/seed-example.csv").path
        for command in ["\"$0\" evaluate \"$1\" \"$2\" > /dev/full", "\"$0\" evaluate \"$1\" \"$2\" --json > /dev/full",
                        "\"$0\" bench --samples 64 --repeats 1 > /dev/full"] {
            let model = try Command.temporaryDirectory().appendingPathComponent("m").path
            #expect(try Command.run(["fit", test, "-o", model] + quick).status == 0)
            let result = try Command.shell("/bin/bash", ["-c", command, Command.executable.path, model, test])
            #expect(result.status == 73 && result.stderr.contains("<stdout>: cannot write: No space left on device"),
                    "\(command): \(result.status) \(result.stderr)")
        }
    }

    @Test func interruptingPredictLeavesNoPartialFile() throws {
        let directory = try Command.temporaryDirectory()
        let output = directory.appendingPathComponent("labels.csv")
        let process = Process()
        process.executableURL = Command.executable
        process.arguments = ["predict", Command.sharedModel.path, "--lines", "-o", output.path]
        let input = Pipe()
        process.standardInput = input
        process.standardError = FileHandle.nullDevice
        try process.run()
        input.fileHandleForWriting.write(Data("好\n差\n".utf8))  // and the pipe stays open: predict waits
        var partial: [String] = []
        for _ in 0..<100 where partial.isEmpty {  // until the partial file exists
            usleep(20_000)
            partial = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        }
        #expect(partial.count == 1 && partial[0].hasPrefix(".labels.csv.partial-"), "\(partial)")
        kill(process.processIdentifier, SIGINT)
        for _ in 0..<500 where process.isRunning { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }  // fail, but do not hang
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGINT)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty, "no partial file left")
    }
}

/// Messages that say what is wrong, and warnings where an option would otherwise be ignored.
@Suite struct ClearMessageTests {
    let seed = DataSafetyTests.seed

    @Test func numbersWrittenWithASpaceGetTheRangeMessage() throws {
        let fit = try Command.run(["fit", seed, "-o", "m", "--epochs", "-1"])
        #expect(fit.status == 64 && fit.stderr.contains("--epochs must be at least 1"), "\(fit.stderr)")
    }

    @Test func aValidationSplitThatLeavesOneRowIsRefused() throws {
        let rows = (0..<100).map { "文本\($0),\($0 % 2)" }.joined(separator: "\n")
        let csv = try Command.temporaryDirectory().appendingPathComponent("d.csv")
        try ("text,label\n" + rows + "\n").write(to: csv, atomically: true, encoding: .utf8)
        let fit = try Command.run(["fit", csv.path, "-o", csv.deletingLastPathComponent().appendingPathComponent("m").path,
                                   "--validation-split", "0.99", "--epochs", "1"])
        #expect(fit.status == 65 && fit.stderr.contains("only 1 row is left to train on"), "\(fit.stderr)")
    }

    @Test func ignoredOptionsWarn() throws {
        let model = try Command.temporaryDirectory().appendingPathComponent("m").path
        let fit = try Command.run(["fit", seed, "-o", model, "--epochs", "1", "--validation", seed, "--validation-split", "0.2"])
        #expect(fit.status == 0 && fit.stderr.contains("warning: --validation-split 0.2 is ignored"), "\(fit.stderr)")
        let predict = try Command.run(["predict", model, "--lines", "--unknown-label", "other"], input: Data("好\n".utf8))
        #expect(predict.status == 0 && predict.stderr.contains("warning: --unknown-label \"other\" is never printed"))
        // A word2vec header that promises more vectors than the file holds.
        let vectors = try Command.temporaryDirectory().appendingPathComponent("v.txt")
        try "5 2\n文本 0.1 0.2\n这是 0.3 0.4\n".write(to: vectors, atomically: true, encoding: .utf8)
        let pretrained = try Command.run(["fit", seed, "-o", model, "--epochs", "1", "--validation-split", "0", "--embeddings", vectors.path])
        #expect(pretrained.stderr.contains("declares 5 words on its first line but holds 2 vectors"), "\(pretrained.stderr)")
    }

    @Test func aDictionaryFrequencyThatIsNotANumberIsNamed() throws {
        let dictionary = try Command.temporaryDirectory().appendingPathComponent("d.txt")
        try "性价比 高\n".write(to: dictionary, atomically: true, encoding: .utf8)
        let result = try Command.run(["tokenize", "--user-dict", dictionary.path], input: Data("性价比\n".utf8))
        #expect(result.stderr.contains("d.txt:1: in \"性价比 高\" the second field \"高\" is not a frequency"), "\(result.stderr)")
    }

    @Test func theSparkJobWithoutPySparkSaysWhatToDo() throws {
        // -S: no site packages, so no pyspark whatever this machine has installed.
        let script = Command.repository.appendingPathComponent("Scripts/spark/label.py").path
        let result = try Command.shell("/usr/bin/env", ["python3", "-S", script, "--model", "m", "--input", "x", "--output", "y"])
        #expect(result.status == 69 && result.stderr.contains("pyspark is not importable") && !result.stderr.contains("Traceback"),
                "\(result.stderr)")
    }
}
