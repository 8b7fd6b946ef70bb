import Foundation
import Testing
import TextClassification

/// The presets live in the library: a Swift user who asks for the recommended configuration
/// gets the very model `textclf fit` trains from the same file.
@Suite struct PresetCommandTests {
    @Test(arguments: [false, true]) func libraryAndCommandTrainTheSameModel(multiClass: Bool) throws {
        let directory = try Command.temporaryDirectory()
        let csv = directory.appendingPathComponent("train.csv")
        if multiClass {
            let topics = try String(contentsOf: Command.repository.appendingPathComponent("Data/thucnews-train.csv"), encoding: .utf8)
            try (topics.split(separator: "\n").prefix(801).joined(separator: "\n") + "\n").write(to: csv, atomically: true, encoding: .utf8)
        } else {
            try FileManager.default.copyItem(at: try ReliabilityTests.reviewsSample(), to: csv)
        }
        let cli = directory.appendingPathComponent("cli"), library = directory.appendingPathComponent("library")
        let fit = try Command.run(["fit", csv.path, "-o", cli.path, "--epochs", "2"])
        #expect(fit.status == 0, "\(fit.stderr)")

        let data = try LabelledCSV(url: csv)
        let labels = try LabelSet(inferringFrom: data)
        var classifier = try TextClassifier(configuration: .recommended(for: labels.head), labels: labels)
        // textclf fit's own defaults for the loop: the last tenth validates, the best epoch is kept.
        try classifier.fit(texts: data.texts, labels: try labels.classIndices(of: data), epochs: 2,
                           validationSplit: 0.1, restoreBestWeights: true, patience: 3)
        try classifier.save(to: library)
        #expect(classifier.configuration.encoder == .bag && classifier.configuration.unit == .wordchar)
        let a = try Data(contentsOf: cli.appendingPathComponent("model.safetensors"))
        let b = try Data(contentsOf: library.appendingPathComponent("model.safetensors"))
        #expect(a == b, "the same weights, byte for byte")
    }
}
