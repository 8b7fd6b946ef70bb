import Foundation

/// Texts and their labels read from a CSV file with a header row (`text,label` by default).
public struct LabelledCSV: Sendable {
    /// The texts, in file order.
    public var texts: [String] = []
    /// The label of each text, as written in the file.
    public var labels: [String] = []
    /// The line each text starts on, for error messages.
    public var lines: [Int] = []
    /// The file, as named in error messages.
    public var source: String

    /// Reads the whole file.
    /// - Parameters:
    ///   - url: the CSV file, with a header row.
    ///   - textColumn: the text column's name.
    ///   - labelColumn: the label column's name, or `nil` to read texts only.
    /// - Throws: ``TextClassificationError`` naming the file and line for a missing file or
    ///   column, a short row, invalid UTF-8, or a file without data rows.
    public init(url: URL, textColumn: String = "text", labelColumn: String? = "label") throws {
        let reader = try CSVReader(url: url)
        source = reader.name
        guard let header = try reader.next() else {
            throw TextClassificationError.malformedData(file: source, line: 1, reason: "the file is empty; expected a header row such as \"text,label\"")
        }
        let textIndex = try header.column(textColumn, file: source)
        let labelIndex = try labelColumn.map { try header.column($0, file: source) }
        let needed = max(textIndex, labelIndex ?? 0) + 1
        while let record = try reader.next() {
            try record.requireFields(needed, headerCount: header.fields.count, file: source)
            texts.append(record.fields[textIndex])
            if let labelIndex { labels.append(record.fields[labelIndex].trimmingCharacters(in: .whitespaces)) }
            lines.append(record.line)
        }
        guard !texts.isEmpty else {
            throw TextClassificationError.malformedData(file: source, line: header.line, reason: "the file has a header but no data rows")
        }
    }
}
