import Foundation
import Testing

/// Reruns give the same bytes; interrupted runs never leave a half model.
@Suite struct ReliabilityTests {
    /// 400 real reviews, enough for several batches and both training shards.
    static func reviewsSample() throws -> URL {
        let all = try String(contentsOf: Command.repository.appendingPathComponent("Data/reviews-train.csv"), encoding: .utf8)
        var lines: [Substring] = []
        // The first 400 records (reviews-train.csv has no quoted line breaks in its first rows).
        for line in all.split(separator: "\n", omittingEmptySubsequences: false).prefix(401) { lines.append(line) }
        let url = try Command.temporaryDirectory().appendingPathComponent("sample.csv")
        try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    /// Every encoder: the LSTM's fast path and the other layers' general path (with dropout).
    @Test(arguments: [["--encoder", "lstm"], ["--encoder", "gru", "--recurrent-dropout", "0.2"],
                      ["--encoder", "bilstm", "--dropout", "0.3"], ["--encoder", "bigru", "--embedding-dropout", "0.2"],
                      ["--encoder", "bag", "--dropout", "0.3"]])
    func sameSeedGivesIdenticalFilesWhateverTheThreadCount(options: [String]) throws {
        let data = try Self.reviewsSample()
        var hashes: [Data] = []
        var predictions: [String] = []
        // The general path is slower: fewer epochs and shorter sequences keep the test quick.
        let shape = options[1] == "lstm" ? ["--epochs", "2", "--max-length", "40"] : ["--epochs", "1", "--max-length", "20"]
        for threads in ["1", "2", "1"] {
            let model = try Command.temporaryDirectory().appendingPathComponent("model")
            let fit = try Command.run(["fit", data.path, "-o", model.path, "--seed", "9"] + shape + options,
                                      environment: ["TEXTCLF_THREADS": threads])
            #expect(fit.status == 0, "\(fit.stderr)")
            hashes.append(try Data(contentsOf: model.appendingPathComponent("model.safetensors")))
            predictions.append(try Command.run(["predict", model.path, data.path], environment: ["TEXTCLF_THREADS": threads]).stdout)
        }
        #expect(hashes[0] == hashes[1] && hashes[1] == hashes[2], "weights are bit-identical")
        #expect(predictions[0] == predictions[1] && predictions[1] == predictions[2], "predictions are identical")
        #expect(predictions[0].split(separator: "\n").count == 401)
    }

    /// SIGKILL at random moments of `fit` over an existing model: afterwards the target is
    /// always a complete model (the old or the new one), never a half-written one.
    @Test func killingFitNeverLeavesAHalfModel() throws {
        let data = try Self.reviewsSample()
        let model = try Command.temporaryDirectory().appendingPathComponent("model")
        let first = try Command.run(["fit", data.path, "-o", model.path, "--epochs", "1", "--max-length", "20"])
        #expect(first.status == 0)
        var random = SystemRandomNumberGenerator()
        for _ in 0..<8 {
            let process = Process()
            process.executableURL = Command.executable
            process.arguments = ["fit", data.path, "-o", model.path, "--epochs", "1", "--max-length", "20"]
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(UInt32.random(in: 0..<400_000, using: &random))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            // A later save tidies up what a killed one left; the model must load either way.
            let check = try Command.run(["predict", model.path, "--lines"], input: Data("好\n".utf8))
            let siblings = try FileManager.default.contentsOfDirectory(atPath: model.deletingLastPathComponent().path)
            if check.status != 0 {
                // Killed between the two renames of the swap: the previous model waits aside.
                #expect(siblings.contains { $0.hasPrefix(".model.old-") }, "\(check.stderr); \(siblings)")
            }
            let again = try Command.run(["fit", data.path, "-o", model.path, "--epochs", "1", "--max-length", "20"])
            #expect(again.status == 0, "\(again.stderr)")
            #expect(try Command.run(["predict", model.path, "--lines"], input: Data("好\n".utf8)).status == 0)
            let left = try FileManager.default.contentsOfDirectory(atPath: model.deletingLastPathComponent().path)
            #expect(left == ["model"], "no partial or aside directories remain: \(left)")
        }
    }
}

extension ReliabilityTests {
    /// A learning rate far too high makes the weights overflow in the first epoch: fit stops
    /// naming the epoch and batch, exits non-zero, and leaves the previous model as it was.
    @Test func divergenceStopsAndKeepsTheLastGoodModel() throws {
        let data = try Self.reviewsSample()
        let model = try Command.temporaryDirectory().appendingPathComponent("model")
        #expect(try Command.run(["fit", data.path, "-o", model.path, "--epochs", "1", "--max-length", "20"]).status == 0)
        let before = try Command.run(["predict", model.path, data.path]).stdout
        let fit = try Command.run(["fit", data.path, "-o", model.path, "--epochs", "3", "--max-length", "20",
                                   "--learning-rate", "1e30", "--validation-split", "0"])
        #expect(fit.status == 65)
        #expect(fit.stderr.contains("Training diverged at epoch 1, batch "), "\(fit.stderr)")
        #expect(try Command.run(["predict", model.path, data.path]).stdout == before, "the previous model is untouched")
    }
}

/// A training run on each kernel path this CPU runs (`TEXTCLF_KERNEL`): the fused paths write
/// the same model bytes; a model written on one path predicts within 1e-5 on every other.
@Suite struct KernelPathCommandTests {
    @Test func everyPathTrainsAndPredictsAlike() throws {
        let seed = Command.repository.appendingPathComponent("Data/seed-example.csv").path
        let available = ["generic", "avx2", "avx512"].filter {
            (try? Command.run(["--version"], environment: ["TEXTCLF_KERNEL": $0]).stdout.contains("kernels: \($0)")) == true
        }
        #expect(available.contains("generic"))
        var weights: [String: Data] = [:], models: [String: String] = [:]
        for path in available {
            let model = try Command.temporaryDirectory().appendingPathComponent("m").path
            let fit = try Command.run(["fit", seed, "-o", model, "--epochs", "3", "--validation-split", "0", "--seed", "2"],
                                      environment: ["TEXTCLF_KERNEL": path])
            #expect(fit.status == 0, "\(fit.stderr)")
            weights[path] = try Data(contentsOf: URL(fileURLWithPath: model + "/model.safetensors"))
            models[path] = model
        }
        if let avx2 = weights["avx2"], let avx512 = weights["avx512"] { #expect(avx2 == avx512, "fused paths: same bytes") }
        func probabilities(_ model: String, on path: String) throws -> [Double] {
            let out = try Command.run(["predict", model, seed], environment: ["TEXTCLF_KERNEL": path]).stdout
            return out.split(separator: "\n").dropFirst().map { Double($0.split(separator: ",").last!)! }
        }
        for (_, model) in models {
            let reference = try probabilities(model, on: available.last!)
            for path in available {
                let other = try probabilities(model, on: path)
                #expect(zip(reference, other).allSatisfy { abs($0 - $1) < 1e-5 }, "\(path): \(other) vs \(reference)")
            }
        }
    }
}
