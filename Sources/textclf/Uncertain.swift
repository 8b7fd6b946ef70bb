import ArgumentParser
import Foundation
import TextClassification

extension TextClf {
    struct Uncertain: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "uncertain",
            abstract: "Pick the unlabelled texts the model is least sure of: the next ones to label.",
            discussion: """
            Labels every row of FILE (CSV with a header, or --lines) as `textclf predict` does and \
            writes the --top N rows whose prediction is most uncertain, most uncertain first:
              rank, row (the data row's number in the input, 1 for the first after the header),
              uncertainty (0 certain … 1 as unsure as can be), then predict's columns.
            --by margin: 1 − (p₁ − p₂), the two most probable labels' gap (binary: 1 − |2p − 1|);
            --by entropy: the probabilities' entropy over its maximum. Multi-label models score \
            each label on its own: the label nearest 0.5 (margin), the labels' mean (entropy).
            --spread takes turns over the predicted labels, so that a batch to label is not all \
            one class. Memory holds N rows (N per label with --spread), whatever the input's size.

            Examples:
              textclf uncertain reviews-model unlabelled.csv --top 200 -o next-batch.csv
              textclf uncertain topics-model headlines.txt --lines --top 100 --by entropy --spread
            """)

        @Argument(help: "The model directory written by textclf fit.") var modelDirectory: String
        @Argument(help: "The unlabelled texts; '-' or nothing for standard input.") var file: String?
        @Option(parsing: .unconditional, help: "How many rows to pick.") var top = 100
        @Option(help: "The uncertainty measure: margin or entropy.") var by = UncertaintyMeasure.margin
        @Flag(help: "Take turns over the predicted labels (up to --top in all).") var spread = false
        @Flag(help: "The input is one text per line, not CSV.") var lines = false
        @Option(help: "The CSV column holding the texts.") var textColumn = "text"
        @Option(help: "A CSV column to print instead of the text (default: \"id\" if present).") var idColumn: String?
        @Flag(help: "Also print every label's probability (always printed for multi-label models).")
        var probabilities = false
        @Option(name: [.short, .customLong("output")], help: "Write to this file (atomically) instead of standard output.")
        var output: String?

        func validate() throws {
            guard top >= 1 else { throw ValidationError("--top must be at least 1") }
            if lines && idColumn != nil { throw ValidationError("--id-column needs CSV input, not --lines") }
        }

        func run() throws {
            try reportingErrors {
                let classifier = try TextClassifier(contentsOf: URL(fileURLWithPath: modelDirectory))
                let input = try file.flatMap { $0 == "-" ? nil : $0 }.map { try ByteInput(url: URL(fileURLWithPath: $0)) }
                    ?? ByteInput(standardInputNamed: "<stdin>")
                var selection = UncertainSelection(count: top, spreadOverLabels: spread)
                // Only the rows still among the picked are kept.
                var candidates: [Int: BatchPredictor.Row] = [:]
                var keyName = "text", seen = 0
                try BatchPredictor(classifier: classifier).run(
                    input, format: lines ? .lines : .csv(textColumn: textColumn, idColumn: idColumn),
                    keyName: { keyName = $0 },
                    rows: { rows in
                        for row in rows {
                            seen += 1
                            let prediction = row.prediction
                            let label = prediction.probabilities.indices.max { prediction.probabilities[$0] < prediction.probabilities[$1] } ?? -1
                            selection.offer(row: seen, score: prediction.uncertainty(by), label: label)
                            candidates[seen] = row
                        }
                        let kept = Set(selection.rows)
                        candidates = candidates.filter { kept.contains($0.key) }
                    })
                let writer = PredictionWriter(format: .csv, keyName: keyName, labels: classifier.labels, topK: 1,
                                              allProbabilities: probabilities)
                let out = try OutputFile(path: output)
                do {
                    try out.write("rank,row,uncertainty," + writer.header)
                    for (rank, pick) in selection.picked.enumerated() {
                        let row = candidates[pick.row]!  // every picked row is kept above
                        try out.write("\(rank + 1),\(pick.row),\(pick.score)," + writer.row(key: row.key, row.prediction))
                    }
                    try out.commit()
                } catch {
                    out.discard()
                    throw error
                }
                printError("textclf: picked \(selection.picked.count) of \(seen) rows by \(by.rawValue)\(spread ? ", spread over the labels" : "")")
            }
        }
    }
}

extension UncertaintyMeasure: ExpressibleByArgument {}
