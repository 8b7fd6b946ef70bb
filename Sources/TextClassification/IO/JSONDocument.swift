/// A small JSON reader over UTF-8 bytes that keeps the order of object keys.
///
/// Loading a model spends most of its time in the vocabulary's JSON (tens of thousands of
/// words, some of it JSON inside JSON strings, as Keras writes it); Foundation's
/// `JSONSerialization` took ~120 ms of a 140 ms one-line prediction, and loses key order,
/// which Keras's `word_counts` relies on. This reader does only what that needs.
enum JSONValue: Equatable {
    case object([(key: String, value: JSONValue)])
    case array([JSONValue])
    case string(String)
    case number(Double)
    case bool(Bool)
    case null

    static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case let (.object(x), .object(y)): return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case let (.array(x), .array(y)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.number(x), .number(y)): return x == y
        case let (.bool(x), .bool(y)): return x == y
        case (.null, .null): return true
        default: return false
        }
    }

    subscript(key: String) -> JSONValue? {
        guard case let .object(members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    var string: String? { if case let .string(s) = self { return s } else { return nil } }
    var int: Int? {
        if case let .number(n) = self, n == n.rounded(), abs(n) < 9e15 { return Int(n) } else { return nil }
    }
    var members: [(key: String, value: JSONValue)]? { if case let .object(m) = self { return m } else { return nil } }
    var array: [JSONValue]? { if case let .array(a) = self { return a } else { return nil } }

    struct SyntaxError: Error {
        var offset: Int
        var reason: String
    }

    /// Parses a whole document.
    static func parse<Bytes: Collection>(_ bytes: Bytes) throws -> JSONValue where Bytes.Element == UInt8 {
        let buffer = Array(bytes)
        return try buffer.withUnsafeBufferPointer { pointer in
            var reader = Reader(bytes: pointer)
            let value = try reader.value(depth: 0)
            reader.skipSpace()
            guard reader.position == pointer.count else { throw SyntaxError(offset: reader.position, reason: "text after the JSON value") }
            return value
        }
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var position = 0

        mutating func skipSpace() {
            while position < bytes.count {
                switch bytes[position] {
                case 0x20, 0x0A, 0x0D, 0x09: position += 1
                default: return
                }
            }
        }

        func fail(_ reason: String) -> SyntaxError { SyntaxError(offset: position, reason: reason) }

        mutating func expect(_ byte: UInt8) throws {
            skipSpace()
            guard position < bytes.count, bytes[position] == byte else {
                throw fail("expected '\(Character(Unicode.Scalar(byte)))'")
            }
            position += 1
        }

        /// Reads the comma-separated elements of an object or array, from its opening bracket
        /// (at `position`) past `close`; `element` reads one.
        mutating func elements(closedBy close: UInt8, in container: String, _ element: (inout Reader) throws -> Void) throws {
            position += 1
            skipSpace()
            if position < bytes.count, bytes[position] == close { position += 1; return }
            while true {
                try element(&self)
                skipSpace()
                guard position < bytes.count else { throw fail("unterminated \(container)") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                if bytes[position] == close { position += 1; return }
                throw fail("expected ',' or '\(Character(Unicode.Scalar(close)))'")
            }
        }

        mutating func value(depth: Int) throws -> JSONValue {
            guard depth < 512 else { throw fail("nesting deeper than 512") }
            skipSpace()
            guard position < bytes.count else { throw fail("unexpected end") }
            switch bytes[position] {
            case UInt8(ascii: "{"):
                var members: [(key: String, value: JSONValue)] = []
                try elements(closedBy: UInt8(ascii: "}"), in: "object") { reader in
                    reader.skipSpace()
                    let key = try reader.string()
                    try reader.expect(UInt8(ascii: ":"))
                    members.append((key, try reader.value(depth: depth + 1)))
                }
                return .object(members)
            case UInt8(ascii: "["):
                var items: [JSONValue] = []
                try elements(closedBy: UInt8(ascii: "]"), in: "array") { items.append(try $0.value(depth: depth + 1)) }
                return .array(items)
            case UInt8(ascii: "\""):
                return .string(try string())
            case UInt8(ascii: "t"): return try literal("true", .bool(true))
            case UInt8(ascii: "f"): return try literal("false", .bool(false))
            case UInt8(ascii: "n"): return try literal("null", .null)
            default:
                return try number()
            }
        }

        mutating func literal(_ word: String, _ value: JSONValue) throws -> JSONValue {
            let utf8 = Array(word.utf8)
            guard position + utf8.count <= bytes.count, Array(bytes[position..<position + utf8.count]) == utf8 else {
                throw fail("invalid literal")
            }
            position += utf8.count
            return value
        }

        mutating func number() throws -> JSONValue {
            let start = position
            // Fast path: a plain integer (all of a vocabulary's numbers), without a String.
            var integer = 0, digits = 0
            while position < bytes.count, digits < 15, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) {
                integer = integer * 10 + Int(bytes[position] - UInt8(ascii: "0"))
                digits += 1
                position += 1
            }
            let ends = position == bytes.count || !Self.isNumberByte(bytes[position])
            if digits > 0, ends, digits == 1 || bytes[start] != UInt8(ascii: "0") { return .number(Double(integer)) }
            position = start
            while position < bytes.count, Self.isNumberByte(bytes[position]) { position += 1 }
            guard position > start,
                  let value = Double(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)) else {
                throw fail("invalid number")
            }
            return .number(value)
        }

        static func isNumberByte(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
                 UInt8(ascii: "e"), UInt8(ascii: "E"): return true
            default: return false
            }
        }

        mutating func string() throws -> String {
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw fail("expected a string") }
            position += 1
            let start = position
            // Fast path: no escapes, one copy.
            while position < bytes.count {
                let byte = bytes[position]
                if byte == UInt8(ascii: "\"") {
                    let slice = UnsafeBufferPointer(rebasing: bytes[start..<position])
                    position += 1
                    guard let text = String(validating: slice, as: UTF8.self) else { throw fail("invalid UTF-8 in a string") }
                    return text
                }
                if byte == UInt8(ascii: "\\") { break }
                if byte < 0x20 { throw fail("control character in a string") }
                position += 1
            }
            var out = Array(bytes[start..<position])
            while position < bytes.count {
                // Runs without escapes are copied whole (Keras's JSON-in-JSON escapes every quote).
                let run = position
                while position < bytes.count, bytes[position] != UInt8(ascii: "\""), bytes[position] != UInt8(ascii: "\\"),
                      bytes[position] >= 0x20 { position += 1 }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<position]))
                guard position < bytes.count else { break }
                let byte = bytes[position]
                position += 1
                switch byte {
                case UInt8(ascii: "\""):
                    guard let text = String(validating: out, as: UTF8.self) else { throw fail("invalid UTF-8 in a string") }
                    return text
                case UInt8(ascii: "\\"):
                    guard position < bytes.count else { throw fail("unterminated escape") }
                    let escape = bytes[position]
                    position += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"):
                        var scalar = try hex4()
                        if (0xD800..<0xDC00).contains(scalar) {
                            // A surrogate pair: \uD83D\uDE00.
                            guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                                throw fail("lone surrogate in a string")
                            }
                            position += 2
                            let low = try hex4()
                            guard (0xDC00..<0xE000).contains(low) else { throw fail("invalid surrogate pair") }
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        }
                        guard let unicode = Unicode.Scalar(scalar) else { throw fail("invalid \\u escape") }
                        out.append(contentsOf: String(unicode).utf8)
                    default:
                        throw fail("invalid escape")
                    }
                default:
                    if byte < 0x20 { throw fail("control character in a string") }
                    out.append(byte)
                }
            }
            throw fail("unterminated string")
        }

        mutating func hex4() throws -> UInt32 {
            guard position + 4 <= bytes.count else { throw fail("short \\u escape") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[position]
                position += 1
                let digit: UInt32
                switch byte {
                case 0x30...0x39: digit = UInt32(byte - 0x30)
                case 0x41...0x46: digit = UInt32(byte - 0x41 + 10)
                case 0x61...0x66: digit = UInt32(byte - 0x61 + 10)
                default: throw fail("invalid hex digit")
                }
                value = value << 4 | digit
            }
            return value
        }
    }
}
