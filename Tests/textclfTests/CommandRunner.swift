import Foundation
import TextClassification

/// Runs the built `textclf` executable and captures what it prints.
struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

enum Command {
    /// The directory holding the test bundle, where SwiftPM also puts `textclf`.
    static let productsDirectory: URL = {
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        if FileManager.default.fileExists(atPath: runner.appendingPathComponent("textclf").path) { return runner }
        return Bundle.main.bundleURL.deletingLastPathComponent()
    }()

    static let executable = productsDirectory.appendingPathComponent("textclf")

    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `textclf ARGUMENTS`, with `input` on standard input.
    static func run(_ arguments: [String], input: Data? = nil, environment: [String: String] = [:]) throws -> CommandResult {
        try shell(executable.path, arguments, input: input, environment: environment)
    }

    /// Any program, for pipelines (`bash -c …`).
    static func shell(_ program: String, _ arguments: [String], input: Data? = nil,
                      environment: [String: String] = [:]) throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        // Output goes to files, not pipes: a child that fills a pipe nobody reads would hang.
        let directory = try temporaryDirectory()
        let outURL = directory.appendingPathComponent("stdout"), errURL = directory.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let stdin = Pipe()
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(input) }
        try stdin.fileHandleForWriting.close()
        process.waitUntilExit()
        defer { try? FileManager.default.removeItem(at: directory) }
        // ByteInput.readAll, not Data(contentsOf:), which leaks on empty files (LeakSanitizer).
        return CommandResult(status: process.terminationStatus,
                             stdout: String(decoding: try ByteInput.readAll(outURL), as: UTF8.self),
                             stderr: String(decoding: try ByteInput.readAll(errURL), as: UTF8.self))
    }

    /// A fresh directory under `scratch`, which goes when the test process exits.
    static func temporaryDirectory() throws -> URL {
        let url = scratch.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// One directory for the whole test process, removed at exit: the tests write models of
    /// up to hundreds of MB each, and directories left behind once filled the disk.
    static let scratch: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("textclf-cli-\(getpid())-\(UUID().uuidString)")
        atexit { try? FileManager.default.removeItem(at: Command.scratch) }
        return url
    }()

    /// A small model trained once on the seed example (labels neg/pos), shared by the tests: a
    /// word model (the binary default is a bag of n-grams), so that tests read its tokens as words.
    static let sharedModel: URL = {
        let directory = try! temporaryDirectory()
        let csv = directory.appendingPathComponent("train.csv")
        try! "text,label\n这是一段文本。,neg\n这是另一段文本。,pos\n第三段文本。,neg\n好的,pos\n".write(to: csv, atomically: true, encoding: .utf8)
        let model = directory.appendingPathComponent("model")
        let result = try! run(["fit", csv.path, "-o", model.path, "--epochs", "2", "--validation-split", "0",
                               "--num-words", "100", "--max-length", "20", "--encoder", "bilstm"])
        precondition(result.status == 0, "could not train the shared model: \(result.stderr)")
        return model
    }()
}
