import ArgumentParser
import Foundation
import TextClassification

/// The labelled files' format, and which CSV columns hold the texts and labels.
struct ColumnOptions: ParsableArguments {
    @Option(help: "The labelled files' format: csv (a header row; --text-column and --label-column name the columns) or fasttext (fastText's supervised format: an example a line, its labels the words starting with __label__, e.g. `__label__sports 湖人 险胜 勇士`; a line with several labels makes the data multi-label).")
    var format = LabelledFileFormat.csv

    @Option(help: "With --format fasttext: what starts a label word (fastText's -label).")
    var labelPrefix = LabelledCSV.fastTextLabelPrefix

    @Option(help: "The column holding the texts.")
    var textColumn = "text"

    @Option(help: "The column holding the labels.")
    var labelColumn = "label"

    /// The labelled file at `path`; a fastText line's labels are joined by `separator`, and with
    /// `multiLabel` a line may have none.
    func read(_ path: String, separator: String = "|", multiLabel: Bool = false,
              weightColumn: String? = nil) throws -> LabelledCSV {
        let url = URL(fileURLWithPath: path)
        switch format {
        case .csv:
            guard labelPrefix == LabelledCSV.fastTextLabelPrefix else {
                throw ValidationError("--label-prefix applies to --format fasttext; a CSV names its label column with --label-column")
            }
            return try LabelledCSV(url: url, textColumn: textColumn, labelColumn: labelColumn, weightColumn: weightColumn)
        case .fasttext:
            guard weightColumn == nil else {
                throw ValidationError("--weight-column names a CSV column; fastText's format has no weights (use --format csv)")
            }
            return try LabelledCSV(fastTextURL: url, labelPrefix: labelPrefix, separator: separator, multiLabel: multiLabel)
        }
    }

    /// Whether `data` holds sets of labels without --multi-label: a fastText line with several.
    func holdsLabelSets(_ data: LabelledCSV, separator: String) -> Bool {
        format == .fasttext && data.labels.contains { $0.contains(separator) }
    }
}

/// How a labelled file is written: CSV with a header, or fastText's `__label__` lines.
enum LabelledFileFormat: String, ExpressibleByArgument, CaseIterable {
    case csv, fasttext
}

/// How texts are normalised and which words stay whole, before tokenizing (fit, tokenize).
struct TextOptions: ParsableArguments {
    @Option(help: "Unicode normalisation before tokenizing: nfkc (full-width letters and digits to ASCII, ① to 1, …) or none.")
    var normalization = TextNormalizer.Form.nfkc

    @Flag(help: "Convert Traditional Chinese to Simplified before tokenizing.")
    var toSimplified = false

    @Option(name: .customLong("user-dict"), help: ArgumentHelp(
        "A user dictionary (jieba's format: `word [frequency] [tag]` a line) whose words stay whole tokens; repeatable.",
        valueName: "file"))
    var userDictionaries: [String] = []

    var normalizer: TextNormalizer { TextNormalizer(form: normalization, toSimplified: toSimplified) }
}

extension TextNormalizer.Form: ExpressibleByArgument {}

/// The user dictionaries named on the command line, merged; a note on stderr of their size
/// and of duplicate entries ignored.
func loadDictionaries(_ paths: [String]) throws -> UserDictionary? {
    guard !paths.isEmpty else { return nil }
    var merged: UserDictionary?
    for path in paths {
        let dictionary = try UserDictionary(contentsOf: URL(fileURLWithPath: path))
        merged = merged.map { $0.merging(dictionary) } ?? dictionary
    }
    if let merged {
        printError("User dictionary: \(merged.words.count) words"
                   + (merged.duplicates > 0 ? " (\(merged.duplicates) duplicate entries ignored)" : ""))
    }
    return merged
}
extension SequenceEncoder.Kind: ExpressibleByArgument {}
