/// Pads or truncates sequences to one length, with the semantics of Keras's `pad_sequences`.
///
/// ```swift
/// let padding = try Padding(length: 4)            // pre-padding, pre-truncating, value 0
/// padding([[1, 2], [1, 2, 3, 4, 5]]).storage      // [0, 0, 1, 2,  2, 3, 4, 5]
/// ```
public struct Padding: Equatable, Sendable, Codable {
    /// Which end of a sequence to pad or cut.
    public enum Side: String, Codable, Sendable {
        /// The beginning (Keras's default for both padding and truncating).
        case pre
        /// The end.
        case post
    }

    /// The output length; `nil` uses the longest input sequence (Keras's `maxlen=None`).
    public let length: Int?
    /// Where padding goes (`.pre`: values first, as Keras).
    public let padding: Side
    /// Where long sequences are cut (`.pre` keeps the last `length` items, as Keras).
    public let truncating: Side
    /// The padding value (Keras's `value=0`).
    public let value: Int32

    /// - Throws: ``TextClassificationError/invalidArgument(name:value:expected:)`` when
    ///   `length` is below 1.
    public init(length: Int?, padding: Side = .pre, truncating: Side = .pre, value: Int32 = 0) throws {
        if let length, length < 1 {
            throw TextClassificationError.invalidArgument(
                name: "padding length", value: String(length), expected: "at least 1")
        }
        self.length = length
        self.padding = padding
        self.truncating = truncating
        self.value = value
    }

    /// The sequences as one `[count, length]` matrix.
    public func callAsFunction(_ sequences: [[Int32]]) -> IndexMatrix {
        let width = length ?? sequences.map(\.count).max() ?? 0
        var storage = [Int32](repeating: value, count: sequences.count * width)
        storage.withUnsafeMutableBufferPointer { out in
            for (r, sequence) in sequences.enumerated() {
                let kept = sequence.count <= width ? sequence[...]
                    : truncating == .pre ? sequence.suffix(width) : sequence.prefix(width)
                let start = r * width + (padding == .pre ? width - kept.count : 0)
                for (k, index) in kept.enumerated() { out[start + k] = index }
            }
        }
        return IndexMatrix(rows: sequences.count, columns: width, storage: storage)
    }
}
