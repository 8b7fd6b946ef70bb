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
