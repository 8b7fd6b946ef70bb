import ArgumentParser
import Foundation
import TextClassification

extension TextClf {
    struct Quantize: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "quantize",
            abstract: "Write a compact copy of a model: its embedding pruned and stored in 8 bits.",
            discussion: """
            As fastText's quantize: keeps --rows vocabulary rows (words and n-grams; the most \
            frequent, or with --by norm those of largest norm), drops the others from the vocabulary (texts then encode without them, \
            as words never seen), and stores every embedding row as 8-bit integers with one \
            scale per row; the vocabulary becomes a plain word list. Hashed n-gram buckets are \
            all kept. The copy loads and predicts like any model (format version 5: older \
            textclf builds refuse it with a clear error); it cannot be loaded into Keras.

            Example:
              textclf quantize topics-model -o topics-small
              textclf evaluate topics-small Data/thucnews-dev.csv
            """)

        @Argument(help: "The model directory written by textclf fit.") var modelDirectory: String

        @Option(name: [.short, .customLong("output")], help: "The model directory to write. An existing model directory there is replaced in one step; anything else is refused unless --force.")
        var output: String

        @Flag(help: "Replace whatever is at the -o path (a file, or a directory that is not a model, with all it holds).")
        var force = false

        @Option(parsing: .unconditional, help: "Vocabulary rows to keep, by largest norm; 0 keeps every row (8 bits only).")
        var rows = 100_000

        @Option(help: "Which rows --rows keeps: frequency (the most frequent words and n-grams, as --num-words) or norm (the largest, as fastText's -cutoff). Frequency lost less on the news topics: 0.0039 against 0.0051 at 100,000 rows.")
        var by = TextClassifier.RowChoice.frequency

        func validate() throws {
            guard rows >= 0 else { throw ValidationError("--rows must be 0 (keep all) or more") }
        }

        func run() throws {
            try reportingErrors {
                try TextClassifier.checkSaveTarget(URL(fileURLWithPath: output), force: force)
                let source = URL(fileURLWithPath: modelDirectory)
                let classifier = try TextClassifier(contentsOf: source)
                let small = try classifier.quantized(keepingRows: rows == 0 ? nil : rows, by: by)
                try small.save(to: URL(fileURLWithPath: output), force: force)
                let before = Self.bytes(in: source), after = Self.bytes(in: URL(fileURLWithPath: output))
                printError(String(format: "Quantized %@: %d of %d embedding rows kept, 8 bits; %.1f MB -> %.1f MB in %@",
                                  modelDirectory, small.model?.encoder.embedding.inputDim ?? 0,
                                  small.quantization?.sourceRows ?? 0, Double(before) / 1e6, Double(after) / 1e6, output))
            }
        }

        /// The bytes of the files in a model directory.
        static func bytes(in directory: URL) -> Int {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            return names.reduce(0) { total, name in
                let attributes = try? FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent(name).path)
                return total + ((attributes?[.size] as? NSNumber)?.intValue ?? 0)
            }
        }
    }
}

extension TextClassifier.RowChoice: ExpressibleByArgument {}
