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

/// Maps label values read from a file to the model's label indices, with file:line errors.
func labelIndices(_ data: LabelledCSV, names: [String]) throws -> [Int] {
    try zip(data.labels, data.lines).map { label, line in
        guard let index = names.firstIndex(of: label) else {
            throw TextClassificationError.malformedData(
                file: data.source, line: line,
                reason: "label \"\(label)\" is not one of the model's labels (\(names.map { "\"\($0)\"" }.joined(separator: ", "))); textclf is binary")
        }
        return index
    }
}

/// The two label names of training data, in the order that makes the second one label 1:
/// numbers numerically (0 before 1), other names sorted.
func labelNames(of data: LabelledCSV) throws -> [String] {
    let distinct = Set(data.labels)
    let names = distinct.allSatisfy({ Double($0) != nil })
        ? distinct.sorted { Double($0)! < Double($1)! } : distinct.sorted()
    guard names.count == 2 else {
        let shown = names.prefix(5).map { "\"\($0)\"" }.joined(separator: ", ")
        throw TextClassificationError.invalidTrainingData(
            reason: names.count < 2
                ? "\(data.source) has only the label \(shown); a binary classifier needs two"
                : "\(data.source) has \(names.count) different labels (\(shown)\(names.count > 5 ? ", …" : "")); textclf is binary only for now")
    }
    return names
}
