import ArgumentParser
import Foundation
import TextClassification

extension TextClf {
    struct Drift: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "drift",
            abstract: "Tell whether new texts have drifted from those the model was fitted on.",
            discussion: """
            The model keeps what its validation rows looked like to it (fit, calibrate and \
            --tune-thresholds store it). The texts of FILE are labelled and compared with it on \
            four signals: coverage (the share of a text's words with an embedding row of their \
            own: new words, another language), length (words per text), labels (the mix of \
            labels the model decides) and confidence (the probability of its answer). Each \
            signal's score is the population stability index of its histogram; a signal at \
            0.25 or more has drifted, and so have the texts.

            The exit status is 0 whether or not they drifted; --json carries a top-level \
            "drifted". Below 500 texts the scores are noisy. Models saved before profiles were \
            kept have none: fit the model again.

            Examples:
              textclf drift topics-model Data/thucnews-dev.csv
              textclf drift topics-model todays-headlines.txt --lines --json
              tail -n 5000 access.log | cut -f3 | textclf drift topics-model --lines
            """)

        @Argument(help: "The model directory written by textclf fit.") var modelDirectory: String
        @Argument(help: "The texts: a CSV with a header row, or with --lines one text per line; '-' or nothing for standard input.")
        var file: String?
        @Flag(help: "The input is one text per line, not CSV.") var lines = false
        @Option(help: "The CSV column holding the texts.") var textColumn = "text"
        @Flag(help: "Print one JSON object instead of a table.") var json = false

        func run() throws {
            try reportingErrors {
                let classifier = try TextClassifier(contentsOf: URL(fileURLWithPath: modelDirectory))
                guard let reference = classifier.trainingProfile else {
                    throw TextClassificationError.invalidModel(
                        path: modelDirectory,
                        reason: "it was saved before textclf kept a profile of the training texts, so there is nothing to compare with; fit it again")
                }
                let input = try file.flatMap { $0 == "-" ? nil : $0 }.map { try ByteInput(url: URL(fileURLWithPath: $0)) }
                    ?? ByteInput(standardInputNamed: "<stdin>")
                // Named as the user gave it (ByteInput names a file by its absolute path).
                var live = DataProfile(source: file.flatMap { $0 == "-" ? nil : $0 } ?? input.name, labelBins: reference.labels.count)
                try BatchPredictor(classifier: classifier).run(input, format: lines ? .lines : .csv(textColumn: textColumn, idColumn: nil)) {
                    classifier.add($0.map(\.text), predictions: $0.map(\.prediction), to: &live)
                }
                guard live.rows > 0 else {
                    throw TextClassificationError.malformedData(file: input.name, line: 1, reason: "no texts to compare; give at least one (500 or more for steady scores)")
                }
                let drift = DataDrift(reference: reference, live: live)
                try writeStandardOutput(json ? try jsonText(drift) + "\n" : table(drift))
            }
        }

        private func jsonText(_ drift: DataDrift) throws -> String {
            struct Signal: Encodable {
                var signal: String, psi: Double, referenceMean: Double, liveMean: Double, drifted: Bool
            }
            struct Output: Encodable {
                var drifted: Bool, threshold: Double, rows: Int, referenceRows: Int, referenceSource: String
                var signals: [Signal]
            }
            let output = Output(drifted: drift.drifted, threshold: DataDrift.threshold, rows: drift.live.rows,
                                referenceRows: drift.reference.rows, referenceSource: drift.reference.source,
                                signals: drift.scores.map {
                                    Signal(signal: $0.signal.rawValue, psi: $0.psi, referenceMean: $0.referenceMean,
                                           liveMean: $0.liveMean, drifted: $0.drifted)
                                })
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return String(decoding: try encoder.encode(output), as: UTF8.self)
        }

        private func table(_ drift: DataDrift) -> String {
            let means: [DataDrift.Signal: String] = [
                .coverage: "words known", .length: "words a text", .labels: "share of top label", .confidence: "probability",
            ]
            var out = "\(drift.live.rows) texts from \(drift.live.source) against the model's \(drift.reference.rows) \(drift.reference.source)\n"
            out += "signal".padded(to: 12, left: true) + "mean".padded(to: 20, left: true) + "reference".padded(to: 11)
                + "these".padded(to: 10) + "PSI".padded(to: 8) + "\n"
            for score in drift.scores {
                out += score.signal.rawValue.padded(to: 12, left: true) + (means[score.signal] ?? "").padded(to: 20, left: true)
                    + String(format: "%11.3f%10.3f%8.3f", score.referenceMean, score.liveMean, score.psi)
                    + (score.drifted ? "  drifted" : "") + "\n"
            }
            out += drift.drifted
                ? "Drifted: \(drift.scores.filter(\.drifted).map(\.signal.rawValue).joined(separator: ", ")) at PSI ≥ \(DataDrift.threshold)\n"
                : "No drift: every signal's PSI is below \(DataDrift.threshold)\n"
            let familiar = drift.scores.filter(\.drifted).allSatisfy {
                [.coverage, .confidence].contains($0.signal) && $0.liveMean > $0.referenceMean
            }
            if drift.drifted && familiar {
                out += "These texts look more familiar to the model than its \(drift.reference.source) (more words known, surer answers): as texts it was trained on do\n"
            }
            if drift.live.rows < DataDrift.fewRows {
                out += "Only \(drift.live.rows) texts: scores this low in rows are noisy (\(DataDrift.fewRows) or more are steadier)\n"
            }
            return out
        }
    }
}
