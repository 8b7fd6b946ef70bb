import Foundation

/// One CSV record and the line it starts on (1-based; quoted fields may span lines).
public struct CSVRecord: Equatable, Sendable {
    /// The record's fields, unquoted.
    public var fields: [String]
    /// The line the record starts on.
    public var line: Int

    /// As a header: the index of the column `name`, or an error naming the columns there are.
    public func column(_ name: String, file: String) throws -> Int {
        guard let index = fields.firstIndex(of: name) else {
            let existing = fields.map { "\"\($0)\"" }.joined(separator: ", ")
            throw TextClassificationError.malformedData(
                file: file, line: line, reason: "no column \"\(name)\"; the header has \(existing)")
        }
        return index
    }

    /// Checks that this row has at least `count` fields, for a file whose header has `headerCount`.
    public func requireFields(_ count: Int, headerCount: Int, file: String) throws {
        guard fields.count >= count else {
            throw TextClassificationError.malformedData(
                file: file, line: line,
                reason: "\(fields.count) field(s) where the header has \(headerCount); quote texts that contain commas")
        }
    }
}

/// Streams RFC 4180 CSV from a file or standard input: quoted fields with embedded commas,
/// quotes (`""`) and newlines; LF, CRLF or CR line ends; a UTF-8 byte-order mark; blank lines
/// skipped. Reads 64 KiB at a time and refuses a field past ``maxFieldBytes``, so memory stays
/// bounded on any input.
///
/// Written here rather than taken from a CSV package: errors must name the line and the
/// byte offset of invalid UTF-8, and the reader works on bytes (the Unicode-scalar iterator
/// of yaslab/CSV.swift is several times slower and reports neither).
///
/// ```swift
/// let reader = try CSVReader(url: URL(fileURLWithPath: "Data/seed-example.csv"))
/// while let record = try reader.next() { print(record.line, record.fields) }
/// ```
public final class CSVReader {
    /// The name used in error messages (the path, or "<stdin>").
    public var name: String { input.name }
    private let input: ByteInput
    private var line = 1

    /// Reads the file at `url`; throws if it cannot be opened.
    public convenience init(url: URL) throws {
        self.init(input: try ByteInput(url: url))
    }

    /// Reads from `input` (e.g. `ByteInput(standardInputNamed:)`).
    public init(input: ByteInput) {
        self.input = input
    }

    /// The bytes read so far (progress through a file).
    public var bytesRead: Int { input.offset }

    /// Whether the next record can be read without waiting for more input.
    public func isReady() -> Bool { input.isReady() }

    @inline(__always)
    private func nextByte() throws -> UInt8? { try input.next() }

    @inline(__always)
    private func peekByte() throws -> UInt8? { try input.peek() }

    /// The longest field read: far beyond any text a model reads (they keep at most 1 MiB),
    /// so that memory stays bounded on a file with a stray quote or no line ends.
    public static let maxFieldBytes = 64 << 20

    private func fieldTooLong(from line: Int, quoted: Bool) -> TextClassificationError {
        .malformedData(file: name, line: line,
                       reason: quoted ? "a quoted field runs past \(Self.maxFieldBytes >> 20) MiB: a quote opened here is probably never closed; check for a stray \" in this row"
                                      : "a field runs past \(Self.maxFieldBytes >> 20) MiB without a comma or line end; is this a CSV file?")
    }

    /// The next record, or nil at the end of the input.
    public func next() throws -> CSVRecord? {
        let comma = UInt8(ascii: ","), quote = UInt8(ascii: "\""), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
        while true {
            let startLine = line
            var fields: [String] = []
            var field: [UInt8] = []
            var fieldStart = input.offset
            var quotedSeen = false
            func finishField() throws {
                guard let text = String(validating: field, as: UTF8.self) else {
                    let bad = Self.firstInvalidUTF8(field)
                    throw TextClassificationError.malformedData(
                        file: name, line: startLine,
                        reason: "invalid UTF-8 at byte offset \(fieldStart + bad) of the file; convert the file to UTF-8 (e.g. iconv -f GB18030 -t UTF-8)")
                }
                fields.append(text)
                field.removeAll(keepingCapacity: true)
            }
            guard var byte = try nextByte() else { return nil }
            recordLoop: while true {
                if byte == quote && field.isEmpty && !quotedSeen {
                    // A quoted field: up to the closing quote; "" is a literal quote.
                    quotedSeen = true
                    let openingLine = line
                    while true {
                        guard let b = try nextByte() else {
                            throw TextClassificationError.malformedData(
                                file: name, line: openingLine,
                                reason: "a quoted field is never closed; check for a stray \" in this row")
                        }
                        if b == quote {
                            if try peekByte() == quote { _ = try nextByte(); field.append(quote); continue }
                            break
                        }
                        if b == lf { line += 1 }
                        // A stray quote would otherwise take the rest of the file into one field.
                        guard field.count < Self.maxFieldBytes else { throw fieldTooLong(from: openingLine, quoted: true) }
                        field.append(b)
                    }
                    guard let after = try nextByte() else { try finishField(); break recordLoop }
                    if after != comma && after != lf && after != cr {
                        throw TextClassificationError.malformedData(
                            file: name, line: line,
                            reason: "unexpected character after a closing quote; quotes inside a quoted field must be doubled (\"\")")
                    }
                    byte = after
                    continue recordLoop
                }
                switch byte {
                case comma:
                    try finishField()
                    quotedSeen = false
                    fieldStart = input.offset
                case lf, cr:
                    if byte == cr, try peekByte() == lf { _ = try nextByte() }
                    line += 1
                    try finishField()
                    break recordLoop
                default:
                    guard field.count < Self.maxFieldBytes else { throw fieldTooLong(from: startLine, quoted: false) }
                    field.append(byte)
                }
                guard let b = try nextByte() else { try finishField(); break recordLoop }
                byte = b
            }
            // Blank lines are not records.
            if fields.count == 1 && fields[0].isEmpty && !quotedSeen { continue }
            return CSVRecord(fields: fields, line: startLine)
        }
    }

    static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var consumed = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let scalar): consumed += scalar.count
            case .emptyInput: return consumed
            case .error: return consumed
            }
        }
    }
}
