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
        let blocks = try Blocks(url: url, textColumn: textColumn, labelColumn: labelColumn, weightColumn: weightColumn)
        self = try blocks.next(rows: .max) ?? LabelledCSV(source: blocks.source, weights: weightColumn.map { _ in [] })
        guard !texts.isEmpty else {
            throw TextClassificationError.malformedData(file: source, line: blocks.headerLine, reason: "the file has a header but no data rows")
        }
    }

    /// An empty block of rows of `source`.
    init(source: String, weights: [Float]?) {
        self.source = source
        self.weights = weights
    }

    /// A CSV file read a block of rows at a time, in file order: a fit that streams its file
    /// holds one block, not the file. Each block is a ``LabelledCSV`` of the rows it holds.
    public final class Blocks {
        private let reader: CSVReader
        private let header: CSVRecord
        private let textIndex: Int, labelIndex: Int?, weightIndex: Int?, weightColumn: String?
        /// The file, as named in error messages.
        public let source: String
        /// The header's line.
        public var headerLine: Int { header.line }
        /// The bytes read so far, and the file's size when it was opened.
        public var bytesRead: Int { reader.bytesRead }
        public let fileBytes: Int?

        /// Opens the file and reads its header; throws, naming the file, for a missing file,
        /// an empty one or a missing column (as ``LabelledCSV/init(url:textColumn:labelColumn:weightColumn:)``).
        public init(url: URL, textColumn: String = "text", labelColumn: String? = "label", weightColumn: String? = nil) throws {
            let reader = try CSVReader(url: url), source = reader.name
            guard let header = try reader.next() else {
                throw TextClassificationError.malformedData(file: source, line: 1, reason: "the file is empty; expected a header row such as \"text,label\"")
            }
            self.reader = reader
            self.source = source
            self.header = header
            textIndex = try header.column(textColumn, file: source)
            labelIndex = try labelColumn.map { try header.column($0, file: source) }
            weightIndex = try weightColumn.map { try header.column($0, file: source) }
            self.weightColumn = weightColumn
            var info = stat()
            fileBytes = stat(url.path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG ? Int(info.st_size) : nil
        }

        /// The next at most `rows` rows, or `nil` at the end of the file.
        public func next(rows: Int) throws -> LabelledCSV? {
            var block = LabelledCSV(source: source, weights: weightIndex.map { _ in [] })
            let needed = max(textIndex, labelIndex ?? 0, weightIndex ?? 0) + 1
            while block.texts.count < rows, let record = try reader.next() {
                try record.requireFields(needed, headerCount: header.fields.count, file: source)
                block.texts.append(record.fields[textIndex])
                if let labelIndex { block.labels.append(record.fields[labelIndex].trimmingCharacters(in: .whitespaces)) }
                if let weightIndex, let weightColumn {
                    block.weights!.append(try LabelledCSV.weight(record.fields[weightIndex], column: weightColumn, file: source,
                                                                 line: record.line))
                }
                block.lines.append(record.line)
            }
            return block.texts.isEmpty ? nil : block
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
