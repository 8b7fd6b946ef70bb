/// Writes JSON text byte by byte. The vocabulary of an n-gram model holds hundreds of
/// thousands of words in five maps; Foundation's encoders took seconds to write them (a third
/// of `fit`'s wall time on the news topics), this takes a few milliseconds.
///
/// ```swift
/// var json = JSONWriter()
/// json.object { json in
///     json.key("a"); json.string("文本\n")
///     json.key("b"); json.integer(3)
/// }
/// String(decoding: json.bytes, as: UTF8.self)   // {"a":"文本\n","b":3}
/// ```
struct JSONWriter {
    private(set) var bytes: [UInt8] = []
    /// Python's `json.dumps` separators (`", "` and `": "`), as Keras writes the maps it keeps
    /// in strings; compact otherwise.
    let spaced: Bool

    init(spaced: Bool = false) {
        self.spaced = spaced
    }

    /// Starts a member (`"key":`), with a comma before it unless it is the first.
    mutating func key(_ key: String) {
        separate()
        var key = key
        key.withUTF8 { quoted($0) }
        bytes.append(UInt8(ascii: ":"))
        if spaced { bytes.append(UInt8(ascii: " ")) }
        pendingValue = true
    }

    mutating func string(_ value: String) {
        var value = value
        value.withUTF8 { string(utf8: $0) }
    }

    /// A string whose UTF-8 bytes are given (e.g. JSON text stored as a string, as Keras does).
    mutating func string<Bytes: Collection>(utf8: Bytes) where Bytes.Element == UInt8 {
        separate()
        quoted(utf8)
    }

    private mutating func quoted<Bytes: Collection>(_ utf8: Bytes) where Bytes.Element == UInt8 {
        bytes.append(UInt8(ascii: "\""))
        if utf8.withContiguousStorageIfAvailable({ quotedBody($0) }) == nil {
            let copy = Array(utf8)
            copy.withUnsafeBufferPointer { quotedBody($0) }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// The escaped bytes, runs that need no escape appended whole (a vocabulary's JSON is tens
    /// of megabytes, and holds another JSON text in strings, one `\"` per key).
    private mutating func quotedBody(_ utf8: UnsafeBufferPointer<UInt8>) {
        var run = 0
        for (k, byte) in utf8.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run..<k]))
            run = k + 1
            bytes.append(UInt8(ascii: "\\"))
            switch byte {
            case 0x0A: bytes.append(UInt8(ascii: "n"))
            case 0x0D: bytes.append(UInt8(ascii: "r"))
            case 0x09: bytes.append(UInt8(ascii: "t"))
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: Array("u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 15)]])
            default: bytes.append(byte)
            }
        }
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run...]))
    }

    mutating func integer(_ value: Int) {
        separate()
        bytes.append(contentsOf: String(value).utf8)
    }

    /// Swift's shortest round-trip form (`0.93`, `1e-05`), as `textclf predict` prints probabilities.
    mutating func float(_ value: Float) {
        separate()
        bytes.append(contentsOf: (value.isFinite ? "\(value)" : "null").utf8)
    }

    mutating func bool(_ value: Bool) {
        separate()
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    mutating func null() {
        separate()
        bytes.append(contentsOf: "null".utf8)
    }

    /// `{ … }`: members written by `body` with ``key(_:)`` and a value each.
    mutating func object(_ body: (inout JSONWriter) -> Void) {
        container("{", "}", body)
    }

    /// `[ … ]`: values written by `body`.
    mutating func array(_ body: (inout JSONWriter) -> Void) {
        container("[", "]", body)
    }

    private mutating func container(_ open: Unicode.Scalar, _ close: Unicode.Scalar, _ body: (inout JSONWriter) -> Void) {
        separate()
        bytes.append(UInt8(ascii: open))
        first = true
        body(&self)
        bytes.append(UInt8(ascii: close))
        first = false
    }

    /// Whether the next value opens its container (no comma before it).
    private var first = true
    /// Whether a key was just written (its value takes no comma).
    private var pendingValue = false

    private mutating func separate() {
        if pendingValue {
            pendingValue = false
            return
        }
        if !first {
            bytes.append(UInt8(ascii: ","))
            if spaced { bytes.append(UInt8(ascii: " ")) }
        }
        first = false
    }
}
