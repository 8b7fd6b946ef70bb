import ArgumentParser
import Foundation
import TextClassification

extension TextClf {
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Check labelled data before training: repeats, conflicts, overlap, balance, label errors.",
            discussion: """
            Reports, with the file's line numbers:
              class balance: each label's rows in TRAIN;
              repeated texts: a text on more than one row of TRAIN, and those whose rows \
            disagree on the label (conflicts);
              overlap: rows of --test whose text TRAIN holds too, exactly or after the \
            normalisation a model would apply (--normalization, --to-simplified);
              near duplicates: different texts whose character bigrams overlap by at least \
            --near-threshold (Jaccard similarity; MinHash with 64 hashes in 16 bands finds the \
            candidates, each pair is then measured exactly), within TRAIN and between TRAIN and \
            --test;
              suspected label errors (binary and multi-class): TRAIN is cut into --folds parts; \
            each is predicted by a model of textclf fit's defaults trained on the others, and a \
            row is suspect when its most probable class is not its label, ranked by the \
            probability of the given label, least first; "confident" marks those whose likely \
            class reaches the mean probability of that class over the rows labelled with it \
            (confident learning, as cleanlab). --folds 0 skips this (it trains --folds models).
            The text report lists the first --top of each list; --json prints them all; \
            --html writes the report as a page (textclf report --training adds it to a model's).

            Examples:
              textclf check Data/thucnews-train.csv --test Data/thucnews-dev.csv
              textclf check Data/reviews-train.csv --folds 5 --top 50
              textclf check Data/duee-multilabel.csv --label-column labels --multi-label --json
            """)

        @Argument(help: "The labelled training file (CSV with a header row).") var trainingFile: String
        @Option(help: "A labelled test file to look for overlap with the training file.") var test: String?
        @OptionGroup var columns: ColumnOptions
        @Flag(help: "Each label cell holds a set of labels (joined by --label-separator).") var multiLabel = false
        @Option(help: "With --multi-label: what joins the labels of one cell.") var labelSeparator = "|"
        @OptionGroup var text: TextOptions
        @Option(parsing: .unconditional, help: "Near duplicates: the least Jaccard similarity of two texts' character bigrams.")
        var nearThreshold = 0.8
        @Option(parsing: .unconditional, help: "Label errors: models trained, one per part of the data; 0 skips them.")
        var folds = 5
        @Option(parsing: .unconditional, help: "Label errors: passes over the data per model (each keeps its best epoch).")
        var epochs = 10
        @Option(parsing: .unconditional, help: "Label errors: the seed of the folds and the models.")
        var seed: UInt64 = 0
        @Option(parsing: .unconditional, help: "Rows listed per section of the text report.") var top = 20
        @Flag(help: "Print one JSON object (every row of every list) instead of the report.") var json = false
        @Option(help: "Also write the report as a self-contained HTML page to this file.") var html: String?

        func validate() throws {
            guard nearThreshold > 0 && nearThreshold <= 1 else { throw ValidationError("--near-threshold must be in (0, 1]") }
            guard folds == 0 || folds >= 2 else { throw ValidationError("--folds must be 0 (no label-error search) or at least 2") }
            guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1") }
            guard top >= 1 else { throw ValidationError("--top must be at least 1") }
            guard !labelSeparator.isEmpty else { throw ValidationError("--label-separator must not be empty") }
        }

        func run() throws {
            try reportingErrors {
                let training = try columns.read(trainingFile, separator: labelSeparator, multiLabel: self.multiLabel)
                let multiLabel = self.multiLabel || columns.holdsLabelSets(training, separator: labelSeparator)
                let testData = try test.map { try columns.read($0, separator: labelSeparator, multiLabel: multiLabel) }
                let labels = try LabelSet(inferringFrom: training, multiLabel: multiLabel, separator: labelSeparator)
                var check = DataCheck(training: training, test: testData, normalizer: text.normalizer,
                                      separator: multiLabel ? labelSeparator : nil, nearThreshold: nearThreshold)
                if folds > 0 && labels.head != .multiLabel {
                    var configuration = TextClassifier.Configuration.recommended(for: labels.head)
                    configuration.normalization = text.normalization
                    configuration.toSimplified = text.toSimplified
                    let template = try TextClassifier(configuration: configuration, labels: labels,
                                                      dictionary: try loadDictionaries(text.userDictionaries))
                    let started = Date()
                    try check.findLabelErrors(
                        in: training, labels: labels, template: template, folds: folds, epochs: epochs, seed: seed,
                        onFold: { fold in
                            printError(String(format: "Label errors: fold %d of %d (%.0fs so far)", fold + 1, folds,
                                              Date().timeIntervalSince(started)))
                        },
                        onEpoch: { report in
                            printError(String(format: "  epoch %d - val_loss %.4f", report.epoch, report.validationLoss ?? .nan))
                        })
                }
                if let html {
                    try writeAtomically(check.htmlPage(title: "textclf check: \(URL(fileURLWithPath: trainingFile).lastPathComponent)",
                                                       limit: top), to: html)
                }
                if json {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                    try writeStandardOutput(String(decoding: try encoder.encode(check), as: UTF8.self) + "\n")
                } else {
                    try writeStandardOutput(report(check, labels: labels))
                }
            }
        }

        private func report(_ check: DataCheck, labels: LabelSet) -> String {
            var out = ""
            func line(_ text: String = "") { out += text + "\n" }
            func shown(_ text: String) -> String {
                let flat = text.replacingOccurrences(of: "\n", with: " ")
                let cut = flat.prefix(columns: 60)
                return cut.count < flat.count ? cut + "…" : cut
            }
            func more(_ count: Int) { if count > top { line("  … \(count - top) more (--top, or --json for all)") } }
            let width = max(check.labelCounts.map(\.label.displayWidth).max() ?? 0, 5) + 2

            line("\(trainingFile): \(check.trainingRows) rows" + (check.testRows.map { ", test file \(test!): \($0) rows" } ?? ""))
            line()
            line("Class balance (\(labels.names.count) labels\(labels.head == .multiLabel ? "; rows holding each" : ""))")
            for count in check.labelCounts {
                let (label, rows) = (count.label, count.rows)
                line("  " + label.padded(to: width, left: true) + String(rows).padded(to: 8)
                     + String(format: "  %5.1f%%", 100 * Double(rows) / Double(max(check.trainingRows, 1))))
            }
            if let most = check.labelCounts.first?.rows, let least = check.labelCounts.last?.rows, least > 0 {
                line(String(format: "  largest / smallest: %.1f×", Double(most) / Double(least)))
            }
            line()
            let conflicts = check.repeats.filter(\.conflicting)
            line("Repeated texts: \(check.repeats.count) (on \(check.repeats.reduce(0) { $0 + $1.rows.count }) rows), "
                 + "\(conflicts.count) of them with different labels")
            for r in (conflicts + check.repeats.filter { !$0.conflicting }).prefix(top) {
                line("  lines " + r.rows.map { "\($0.line) (\($0.label))" }.joined(separator: ", ") + (r.conflicting ? "  CONFLICT" : "")
                     + "  " + shown(r.text))
            }
            more(check.repeats.count)
            if let testRows = check.testRows {
                line()
                let distinct = Set(check.overlap.map(\.text)).count
                let normalized = check.overlap.filter(\.normalized).count
                line("Test rows also in the training file: \(check.overlap.count) of \(testRows) (\(distinct) distinct texts"
                     + (normalized > 0 ? "; \(normalized) equal only after normalisation" : "") + ")")
                for o in check.overlap.prefix(top) {
                    line("  test line \(o.test.line) (\(o.test.label)) = training line"
                         + (o.training.count > 1 ? "s " : " ") + o.training.map { "\($0.line) (\($0.label))" }.joined(separator: ", ")
                         + (o.normalized ? " after normalisation" : "") + "  " + shown(o.text))
                }
                more(check.overlap.count)
            }
            for (title, pairs, names) in [("within the training file", check.nearDuplicates, ("line", "line"))]
                    + (check.testRows == nil ? [] : [("between training and test", check.nearOverlap, ("training line", "test line"))]) {
                line()
                line(String(format: "Near duplicates %@ (bigram similarity ≥ %.2f): %d pairs", title, check.nearThreshold, pairs.count))
                for p in pairs.prefix(top) {
                    line(String(format: "  %.2f  %@ %d (%@) ~ %@ %d (%@)", p.similarity, names.0, p.first.line, p.first.label,
                                names.1, p.second.line, p.second.label))
                    line("        " + shown(p.firstText))
                    line("        " + shown(p.secondText))
                }
                more(pairs.count)
            }
            if check.uncomparedTexts > 0 {
                line("  (\(check.uncomparedTexts) texts in crowds of over 1,000 alike were not paired)")
            }
            line()
            if let suspects = check.suspects {
                let confident = suspects.filter(\.confident).count
                line("Suspected label errors (\(folds)-fold out-of-fold predictions, another class most probable): \(suspects.count) rows"
                     + String(format: " (%.1f%%), %d of them confidently (*)", 100 * Double(suspects.count) / Double(max(check.trainingRows, 1)),
                              confident))
                line("  " + "line".padded(to: 7) + "  " + "given".padded(to: width, left: true) + "likely".padded(to: width, left: true)
                     + "p(given)".padded(to: 8) + "  " + "p(likely)".padded(to: 9) + "  text")
                for s in suspects.prefix(top) {
                    line("  " + String(s.line).padded(to: 7) + "  " + s.given.padded(to: width, left: true) + s.likely.padded(to: width, left: true)
                         + String(format: "%8.3f  %9.3f%@ ", s.givenProbability, s.likelyProbability, s.confident ? "*" : " ")
                         + shown(s.text))
                }
                more(suspects.count)
            } else {
                line(labels.head == .multiLabel ? "Suspected label errors: not searched for multi-label data (binary and multi-class only)"
                                                : "Suspected label errors: not searched (--folds 0)")
            }
            return out
        }
    }
}
