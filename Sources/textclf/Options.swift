import ArgumentParser
import Foundation
import TextClassification

/// Which CSV columns hold the texts and labels.
struct ColumnOptions: ParsableArguments {
    @Option(help: "The column holding the texts.")
    var textColumn = "text"

    @Option(help: "The column holding the labels.")
    var labelColumn = "label"
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
