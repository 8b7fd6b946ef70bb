import Foundation
import Testing

/// `textclf fit --from`: keep training a saved model, exactly with `--save-optimizer`.
@Suite struct ContinueCommandTests {
    /// The first 3,000 shipped reviews.
    func reviews() throws -> String {
        let text = try String(contentsOf: Command.repository.appendingPathComponent("Data/reviews-train.csv"), encoding: .utf8)
        let file = try Command.temporaryDirectory().appendingPathComponent("reviews.csv")
        try (text.split(separator: "\n").prefix(3001).joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    @Test func twoPlusTwoEpochsWithTheSavedOptimizerAreFour() throws {
        let train = try reviews(), directory = try Command.temporaryDirectory()
        let options = ["--validation-split", "0", "--seed", "3"]
        let four = directory.appendingPathComponent("four").path, two = directory.appendingPathComponent("two").path
        let more = directory.appendingPathComponent("two-more").path
        #expect(try Command.run(["fit", train, "-o", four, "--epochs", "4"] + options).status == 0)
        let first = try Command.run(["fit", train, "-o", two, "--epochs", "2", "--save-optimizer"] + options)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(FileManager.default.fileExists(atPath: two + "/optimizer.safetensors"))
        // The seed, optimizer and learning rate come from the saved model.
        let second = try Command.run(["fit", train, "--from", two, "-o", more, "--epochs", "2", "--validation-split", "0"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("Epoch 3 - ") && second.stderr.contains("Epoch 4 - "), "epochs go on: \(second.stderr)")
        let weights = { (model: String) in try Data(contentsOf: URL(fileURLWithPath: model + "/model.safetensors")) }
        #expect(try weights(four) == weights(more), "the same bytes as four epochs at once")
    }

    @Test func theSavedModelsSettingsAndLabelsAreKept() throws {
        let train = try reviews(), directory = try Command.temporaryDirectory()
        let model = directory.appendingPathComponent("model").path
        #expect(try Command.run(["fit", train, "-o", model, "--epochs", "1"]).status == 0)
        let encoder = try Command.run(["fit", train, "--from", model, "-o", model, "--encoder", "gru"])
        #expect(encoder.status == 64 && encoder.stderr.contains("--encoder is set by the --from model"), "\(encoder.stderr)")
        let other = directory.appendingPathComponent("other.csv")
        try "text,label\n很好,1\n一般,2\n".write(to: other, atomically: true, encoding: .utf8)
        let label = try Command.run(["fit", other.path, "--from", model, "-o", model])
        #expect(label.status == 65 && label.stderr.contains("\(other.path):3") && label.stderr.contains("--allow-new-labels adds it"),
                "\(label.stderr)")
        let added = try Command.run(["fit", other.path, "--from", model, "-o", model, "--allow-new-labels", "--epochs", "1",
                                     "--validation-split", "0"])
        #expect(added.status == 0 && added.stderr.contains("Added 1 label to the model: 2 (the binary model is now multi-class)"),
                "\(added.stderr)")
        let config = try String(contentsOfFile: model + "/config.json", encoding: .utf8)
        #expect(config.contains("\"head\" : \"multiClass\""))
    }
}
