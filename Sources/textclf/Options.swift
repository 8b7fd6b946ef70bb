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
