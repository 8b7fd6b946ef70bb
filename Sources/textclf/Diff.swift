import ArgumentParser
import Foundation
import TextClassification

extension TextClf {
    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "diff",
            abstract: "Show what changes when one model replaces another, on the same texts.",
            discussion: """
            Both models answer every text of FILE. The texts whose answer changes are grouped \
            by (old answer → new answer), most frequent first, each with the pieces that moved \
            them (a piece's contribution to the new answer's log-odds under the new model minus \
            under the old, summed over the texts shown; see textclf explain) and its first texts.

            When FILE has the label column (or is in fastText's format), also: the texts the new \
            model fixes (old wrong, new right) and breaks, accuracy and macro F1 of both with \
            the change and its 95% interval (a paired bootstrap over the texts, 1,000 \
            resamples), and McNemar's exact test of fixed against broken. A CSV without the \
            label column gives the flips only.

            --json prints one JSON object; --html writes a page in the report's style.

            Examples:
              textclf diff topics-model topics-model-v2 Data/thucnews-dev.csv
              textclf diff old-model new-model unlabelled.csv --text-column content
              textclf diff old-model new-model Data/thucnews-dev.csv --html diff.html --json
            """)

        @Argument(help: "The model in use (a directory written by textclf fit).") var oldModel: String
        @Argument(help: "The model that would replace it.") var newModel: String
        @Argument(help: "The texts: a CSV with a header row (labels optional), or fastText's format.") var file: String
        @OptionGroup var columns: ColumnOptions
        @Option(help: "Texts shown (and explained) per flip.") var examples = 3
        @Option(help: "Flips shown in the table (--json and --html have them all).") var flips = 20
        @Flag(help: "Print one JSON object instead of a table.") var json = false
        @Option(help: ArgumentHelp("Also write an HTML page there (atomically).", valueName: "file")) var html: String?

        func validate() throws {
            guard examples >= 1 else { throw ValidationError("--examples must be at least 1") }
            guard flips >= 1 else { throw ValidationError("--flips must be at least 1") }
        }

        func run() throws {
            try reportingErrors {
                let old = try TextClassifier(contentsOf: URL(fileURLWithPath: oldModel))
                let new = try TextClassifier(contentsOf: URL(fileURLWithPath: newModel))
                let separator = new.labels.separator
                let multiLabel = new.labels.head == .multiLabel || old.labels.head == .multiLabel
                let data = try hasLabels()
                    ? try columns.read(file, separator: separator, multiLabel: multiLabel)
                    : try LabelledCSV(url: URL(fileURLWithPath: file), textColumn: columns.textColumn, labelColumn: nil)
                let truth = data.labels.isEmpty ? nil : data.labels.map { cell in
                    multiLabel ? cell.components(separatedBy: separator).filter { !$0.isEmpty } : [cell]
                }
                printError("Comparing on \(data.texts.count) texts from \(file)\(truth == nil ? " (no label column: flips only)" : "")...")
                let comparison = try ModelComparison(old: old, new: new, texts: data.texts, labels: truth,
                                                     examples: examples, explainedFlips: json || html != nil ? Int.max : flips)
                if let html {
                    let out = try OutputFile(path: html)
                    do {
                        try out.write(comparison.htmlPage(old: oldModel, new: newModel))
                        try out.commit()
                    } catch {
                        out.discard()
                        throw error
                    }
                }
                try writeStandardOutput(json ? try jsonText(comparison) + "\n" : table(comparison))
            }
        }

        /// Whether the texts come with labels: fastText's format always does; a CSV when its
        /// header has the label column.
        private func hasLabels() throws -> Bool {
            guard columns.format == .csv else { return true }
            guard let header = try CSVReader(url: URL(fileURLWithPath: file)).next() else { return true }
            return header.fields.contains(columns.labelColumn)
        }

        private func jsonText(_ comparison: ModelComparison) throws -> String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return String(decoding: try encoder.encode(comparison), as: UTF8.self)
        }

        private func table(_ c: ModelComparison) -> String {
            func answer(_ labels: [String]) -> String { labels.isEmpty ? "(none)" : labels.joined(separator: "|") }
            var out = "\(c.changed) of \(c.count) texts change their answer"
                + String(format: " (%.1f%%)", c.count > 0 ? 100 * Double(c.changed) / Double(c.count) : 0) + "\n"
            if let o = c.outcome {
                out += String(format: "accuracy  %.4f → %.4f  %+.4f (95%% interval %+.4f … %+.4f)\n", o.oldAccuracy, o.newAccuracy,
                              o.accuracyChange.estimate, o.accuracyChange.low, o.accuracyChange.high)
                out += String(format: "macro F1  %.4f → %.4f  %+.4f (95%% interval %+.4f … %+.4f)\n", o.oldMacroF1, o.newMacroF1,
                              o.macroF1Change.estimate, o.macroF1Change.low, o.macroF1Change.high)
                out += "fixed \(o.fixed), broken \(o.broken) (McNemar's exact test p \(ModelComparison.format(p: o.mcNemarP)))\n"
            }
            guard !c.flips.isEmpty else { return out }
            let shown = c.flips.prefix(flips)
            let names = shown.map { "\(answer($0.from)) → \(answer($0.to))" }
            let width = max(names.map(\.displayWidth).max() ?? 0, 4) + 2
            // The flip left-aligned, counts right-aligned, the pieces after them.
            out += "\n" + "flip".padded(to: width, left: true) + "texts".padded(to: 6)
                + (c.outcome != nil ? "fixed".padded(to: 7) + "broken".padded(to: 8) : "") + "  moved by\n"
            for (name, flip) in zip(names, shown) {
                out += name.padded(to: width, left: true) + String(flip.count).padded(to: 6)
                    + (c.outcome != nil ? String(flip.fixed).padded(to: 7) + String(flip.broken).padded(to: 8) : "") + "  "
                    + flip.pieces.prefix(5).map { $0.text + String(format: "(%+.2f)", $0.shift) }.joined(separator: " ") + "\n"
                for example in flip.examples {
                    out += "    " + example.text.replacingOccurrences(of: "\n", with: " ")
                        + String(format: "  (p %.2f → %.2f", example.oldProbability, example.newProbability)
                        + (example.truth.map { "; true: " + answer($0) } ?? "") + ")\n"
                }
            }
            if c.flips.count > flips { out += "… \(c.flips.count - flips) more flips (--flips, --json, --html)\n" }
            if let notation = c.notation { out += notation + "\n" }
            return out
        }
    }
}
