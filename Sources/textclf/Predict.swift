import ArgumentParser
import Foundation
import TextClassification

extension TextClf {
    struct Predict: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "predict",
            abstract: "Label texts with a saved model: the batch labeller.",
            discussion: """
            Reads a CSV with a header row (the texts in --text-column), or with --lines one text \
            per line, from FILE or standard input. Writes one row per input row, in input order:
            the row's id (from --id-column, or a column named "id" if there is one) or else its \
            text, then
              binary models:       label, probability (of the model's second label);
              multi-class models:  label, probability (of that label); --top-k K adds
                                   label_2, probability_2, … label_K, probability_K;
              multi-label models:  labels (those at or above --threshold, joined by the
                                   model's separator; possibly empty), then p_LABEL per label.
            A taxonomy (fit --taxonomy) answers with paths: the most probable leaf \
            (财经/stocks); with an operating point (fit --target-precision, tune-threshold) \
            the deepest node whose probability reaches its threshold, which may be a parent \
            (财经, with the summed probability of its leaves). A model with an operating \
            point abstains below it: the label is --unknown-label (empty by default) and \
            JSON Lines add "abstained":true; multi-label models give only the labels that \
            reach theirs. --threshold or --min-probability decide instead of it.
            --probabilities adds p_LABEL columns for every label (JSON Lines: a \
            "probabilities" object; --top-k: a "top" array). \
            Streams: memory stays constant on endless input, and rows are printed as soon as \
            the input pauses.

            Examples:
              textclf predict reviews-model Data/reviews-test.csv > labelled.csv
              echo "质量很好，推荐购买" | textclf predict reviews-model --lines
              textclf predict topics-model headlines.csv --top-k 3 --format jsonl
              textclf predict topics-model headlines.csv --min-probability 0.4 --unknown-label other
            """)

        enum Format: String, ExpressibleByArgument, CaseIterable {
            case csv, tsv, jsonl
        }

        @Argument(help: "The model directory written by textclf fit.") var modelDirectory: String
        @Argument(help: "The input file; '-' or nothing for standard input.") var file: String?
        @Flag(help: "The input is one text per line, not CSV.") var lines = false
        @Option(help: "The CSV column holding the texts.") var textColumn = "text"
        @Option(help: "A CSV column to print instead of the text (default: \"id\" if present).") var idColumn: String?
        @Option(help: "Output format: csv, tsv or jsonl.") var format = Format.csv
        @Option(parsing: .unconditional, help: "Binary: a probability above this predicts the second label. Multi-label: every label at or above it is predicted. (default: 0.5, or the model's per-label thresholds from fit --tune-thresholds)")
        var threshold: Float?
        @Option(parsing: .unconditional, help: "Multi-class: also print the next K-1 most probable labels and their probabilities.")
        var topK: Int?
        @Flag(help: "Also print every label's probability (always printed for multi-label models).")
        var probabilities = false
        @Option(parsing: .unconditional, help: "Multi-class: a text whose most probable label is below this gets --unknown-label instead.")
        var minProbability: Float?
        @Option(help: "Binary and multi-class: the label printed for texts the model abstains on (below --min-probability, or its operating point).")
        var unknownLabel = ""
        @Option(name: [.short, .customLong("output")], help: "Write to this file (atomically) instead of standard output.")
        var output: String?

        func validate() throws {
            guard threshold.map({ $0 >= 0 && $0 <= 1 }) ?? true else { throw ValidationError("--threshold must be in [0, 1]") }
            if lines && idColumn != nil { throw ValidationError("--id-column needs CSV input, not --lines") }
            if let topK, topK < 1 { throw ValidationError("--top-k must be at least 1") }
            if let p = minProbability, !(p >= 0 && p <= 1) { throw ValidationError("--min-probability must be in [0, 1]") }
        }

        func run() throws {
            try reportingErrors {
                let classifier = try TextClassifier(contentsOf: URL(fileURLWithPath: modelDirectory))
                let head = classifier.labels.head
                if head != .multiClass, topK != nil || minProbability != nil {
                    throw TextClassificationError.invalidArgument(
                        name: "option", value: topK != nil ? "--top-k" : "--min-probability",
                        expected: "a multi-class model (\(modelDirectory) is \(head))")
                }
                if !unknownLabel.isEmpty && minProbability == nil && classifier.operatingPoint == nil {
                    printError("textclf: warning: --unknown-label \"\(unknownLabel)\" is never printed without --min-probability (the probability below which a text gets it) or an operating point (tune-threshold)")
                }
                if let topK, topK > classifier.labelNames.count {
                    throw TextClassificationError.invalidArgument(
                        name: "--top-k", value: String(topK),
                        expected: "at most the model's \(classifier.labelNames.count) labels")
                }
                let input = try file.flatMap { $0 == "-" ? nil : $0 }.map { try ByteInput(url: URL(fileURLWithPath: $0)) }
                    ?? ByteInput(standardInputNamed: "<stdin>")
                let out = try OutputFile(path: output)
                let predictor = BatchPredictor(classifier: classifier, threshold: threshold,
                                               minimumProbability: minProbability ?? 0, unknownLabel: unknownLabel)
                do {
                    var writer: PredictionWriter?
                    try predictor.run(input, format: lines ? .lines : .csv(textColumn: textColumn, idColumn: idColumn),
                                      keyName: { key in
                                          writer = PredictionWriter(format: format, keyName: key, labels: classifier.labels,
                                                                    topK: topK ?? 1, allProbabilities: probabilities)
                                          try out.write(writer!.header)
                                      }, rows: { rows in
                                          for row in rows { try out.write(writer!.row(key: row.key, row.prediction)) }
                                          try out.flush()
                                      })
                    try out.commit()
                } catch {
                    out.discard()
                    throw error
                }
            }
        }
    }
}

