import Foundation

/// Texts and their labels read from a CSV file with a header row (`text,label` by default).
public struct LabelledCSV: Sendable {
    /// The texts, in file order.
    public var texts: [String] = []
    /// The label of each text, as written in the file.
    public var labels: [String] = []
    /// Each text's weight, from the weight column if one was named (``init(url:textColumn:labelColumn:weightColumn:)``).
    public var weights: [Float]?
    /// The line each text starts on, for error messages.
    public var lines: [Int] = []
    /// The file, as named in error messages.
    public var source: String

    /// Reads the whole file.
    /// - Parameters:
    ///   - url: the CSV file, with a header row.
    ///   - textColumn: the text column's name.
    ///   - labelColumn: the label column's name, or `nil` to read texts only.
    ///   - weightColumn: a column of per-row weights (a number ≥ 0 each; an empty cell is 1),
    ///     read into ``weights``; `nil` reads none.
    /// - Throws: ``TextClassificationError`` naming the file and line for a missing file or
    ///   column, a short row, invalid UTF-8, a weight that is not a number ≥ 0, or a file
    ///   without data rows.
    public init(url: URL, textColumn: String = "text", labelColumn: String? = "label", weightColumn: String? = nil) throws {
        let reader = try CSVReader(url: url)
        source = reader.name
        guard let header = try reader.next() else {
            throw TextClassificationError.malformedData(file: source, line: 1, reason: "the file is empty; expected a header row such as \"text,label\"")
        }
        let textIndex = try header.column(textColumn, file: source)
        let labelIndex = try labelColumn.map { try header.column($0, file: source) }
        let weightIndex = try weightColumn.map { try header.column($0, file: source) }
        if weightIndex != nil { weights = [] }
        let needed = max(textIndex, labelIndex ?? 0, weightIndex ?? 0) + 1
        while let record = try reader.next() {
            try record.requireFields(needed, headerCount: header.fields.count, file: source)
            texts.append(record.fields[textIndex])
            if let labelIndex { labels.append(record.fields[labelIndex].trimmingCharacters(in: .whitespaces)) }
            if let weightIndex, let weightColumn {
                weights!.append(try Self.weight(record.fields[weightIndex], column: weightColumn, file: source, line: record.line))
            }
            lines.append(record.line)
        }
        guard !texts.isEmpty else {
            throw TextClassificationError.malformedData(file: source, line: header.line, reason: "the file has a header but no data rows")
        }
    }
}

extension LabelledCSV {
    /// A weight cell's value: a finite number ≥ 0; an empty cell is 1.
    static func weight(_ cell: String, column: String, file: String, line: Int) throws -> Float {
        let text = cell.trimmingCharacters(in: .whitespaces)
        if text.isEmpty { return 1 }
        guard let value = Float(text), value.isFinite, value >= 0 else {
            throw TextClassificationError.malformedData(
                file: file, line: line,
                reason: "the weight \"\(text.prefix(40))\" in column \"\(column)\" is not a number ≥ 0; write e.g. 1, 0.5 or 0 (leaves the row out), or leave the cell empty for 1")
        }
        return value
    }
}
