import ArgumentParser
import Foundation
import TextClassification

extension TextClf {
    struct Predict: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Label texts with a saved model: the batch labeller.",
            discussion: """
            Reads a CSV with a header row (the texts in --text-column), or with --lines one text
            per line, from FILE or standard input. Writes one row per input row, in input order:
            the row's id (from --id-column, or a column named "id" if there is one) or else its
            text, the predicted label, and the probability of the model's second label.
            Streams: memory stays constant on endless input, and rows are printed as soon as
            the input pauses.

            Examples:
              textclf predict reviews-model Data/reviews-test.csv > labelled.csv
              echo "质量很好，推荐购买" | textclf predict reviews-model --lines
              textclf predict reviews-model --lines --format jsonl < texts.txt | head
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
        @Option(help: "A probability above this predicts the second label.") var threshold: Float = 0.5
        @Option(name: [.short, .customLong("output")], help: "Write to this file (atomically) instead of standard output.")
        var output: String?

        /// Texts per model call: large enough to use both cores, small enough for constant memory.
        static let batchSize = 512

        func validate() throws {
            guard threshold >= 0 && threshold <= 1 else { throw ValidationError("--threshold must be in [0, 1]") }
            if lines && idColumn != nil { throw ValidationError("--id-column needs CSV input, not --lines") }
        }

        func run() throws {
            try reportingErrors {
                let classifier = try TextClassifier(contentsOf: URL(fileURLWithPath: modelDirectory))
                let input = try file.flatMap { $0 == "-" ? nil : $0 }.map { try ByteInput(url: URL(fileURLWithPath: $0)) }
                    ?? ByteInput(standardInputNamed: "<stdin>")
                let out = try OutputFile(path: output)
                do {
                    try label(with: classifier, from: input, to: out)
                    try out.commit()
                } catch {
                    out.discard()
                    throw error
                }
            }
        }

        private func label(with classifier: TextClassifier, from input: ByteInput, to out: OutputFile) throws {
            var keyName = "text"
            var next: () throws -> (key: String, text: String)?
            if lines {
                var number = 0
                next = {
                    number += 1
                    return try input.readLine(number: number).map { ($0, $0) }
                }
            } else {
                let reader = CSVReader(input: input)
                guard let header = try reader.next() else {
                    throw TextClassificationError.malformedData(file: input.name, line: 1,
                                                                reason: "the input is empty; expected a header row with a \"\(textColumn)\" column (or use --lines)")
                }
                let textIndex = try header.column(textColumn, file: input.name)
                let idName = idColumn ?? (header.fields.contains("id") ? "id" : nil)
                let keyIndex = try idName.map { try header.column($0, file: input.name) } ?? textIndex
                keyName = idName ?? textColumn
                let needed = max(textIndex, keyIndex) + 1
                next = {
                    guard let record = try reader.next() else { return nil }
                    try record.requireFields(needed, headerCount: header.fields.count, file: input.name)
                    return (record.fields[keyIndex], record.fields[textIndex])
                }
            }

            let writer = RowWriter(format: format, keyName: keyName)
            try out.write(writer.header)
            var pending: [(key: String, text: String)] = []
            pending.reserveCapacity(Self.batchSize)
            func emit() throws {
                guard !pending.isEmpty else { return }
                let predictions = try classifier.predict(texts: pending.map(\.text), threshold: threshold)
                for (row, prediction) in zip(pending, predictions) {
                    try out.write(writer.row(key: row.key, label: prediction.label, probability: prediction.probability))
                }
                try out.flush()
                pending.removeAll(keepingCapacity: true)
            }
            while let row = try next() {
                pending.append(row)
                // A full batch, or the input has paused: label what we have now.
                if pending.count >= Self.batchSize || !input.isReady() { try emit() }
            }
            try emit()
        }
    }
}

/// Formats predict's output rows.
struct RowWriter {
    let format: TextClf.Predict.Format
    let keyName: String

    var header: String {
        switch format {
        case .csv: return "\(csvField(keyName)),label,probability\n"
        case .tsv: return "\(tsvField(keyName))\tlabel\tprobability\n"
        case .jsonl: return ""
        }
    }

    func row(key: String, label: String, probability: Float) -> String {
        switch format {
        case .csv: return "\(csvField(key)),\(csvField(label)),\(probability)\n"
        case .tsv: return "\(tsvField(key))\t\(tsvField(label))\t\(probability)\n"
        case .jsonl:
            return "{\(jsonString(keyName)):\(jsonString(key)),\"label\":\(jsonString(label)),\"probability\":\(probability)}\n"
        }
    }

    private func csvField(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// TSV has no quoting: tabs and line breaks inside a field become spaces.
    private func tsvField(_ s: String) -> String {
        String(s.map { $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" ? " " : $0 })
    }

    private func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
