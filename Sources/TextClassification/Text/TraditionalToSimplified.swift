import CICU
import Foundation

/// Traditional to Simplified Chinese, character by character, with the mapping of ICU's
/// `Traditional-Simplified` transliterator. The transliterator itself runs at about 6 MB/s;
/// its mapping is one character to one character, so it is taken once into a table (every
/// CJK ideograph through the transliterator in one call, ~30 ms on first use) and applied
/// by lookup. `TraditionalToSimplifiedTests` checks that the table gives the transliterator's
/// result on real sentences.
///
/// ```swift
/// TraditionalToSimplified.shared.convert("這家餐廳的服務很好")   // "这家餐厅的服务很好"
/// ```
public final class TraditionalToSimplified: Sendable {
    /// The one table, built on first use.
    public static let shared = TraditionalToSimplified()

    /// The ICU transform the table is taken from.
    public static let transform = "Traditional-Simplified"

    /// Basic Multilingual Plane: the replacement scalar, or 0 for none.
    private let bmp: [UInt32]
    /// Beyond it (the CJK extensions).
    private let supplementary: [UInt32: UInt32]
    /// How many characters the table changes (for tests and the curious).
    public let count: Int

    private init() {
        // Every ideograph of the CJK blocks, one per line, through the transliterator at once;
        // the line breaks keep each character out of its neighbours' context.
        let ranges: [ClosedRange<UInt32>] = [0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0x20000...0x2A6DF,
                                             0x2A700...0x2EBEF, 0x2F800...0x2FA1F]
        let scalars = ranges.flatMap { $0 }.compactMap(Unicode.Scalar.init)
        let input = scalars.map { String($0) }.joined(separator: "\n")
        let output = (try? Self.transliterate(input)) ?? input
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false)
        var bmp = [UInt32](repeating: 0, count: 0x10000)
        var supplementary: [UInt32: UInt32] = [:]
        var count = 0
        if lines.count == scalars.count {
            for (scalar, line) in zip(scalars, lines) {
                let mapped = Array(line.unicodeScalars)
                guard mapped.count == 1, mapped[0] != scalar else { continue }
                if scalar.value < 0x10000 { bmp[Int(scalar.value)] = mapped[0].value } else { supplementary[scalar.value] = mapped[0].value }
                count += 1
            }
        }
        self.bmp = bmp
        self.supplementary = supplementary
        self.count = count
    }

    /// `text` with every Traditional character replaced by its Simplified form.
    public func convert(_ text: String) -> String {
        var changed = false
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            let value = scalar.value
            let mapped = value < 0x3400 ? 0 : value < 0x10000 ? bmp[Int(value)] : supplementary[value] ?? 0
            if mapped != 0, let replacement = Unicode.Scalar(mapped) {
                if !changed {
                    // Copy the unchanged prefix only once a change is found.
                    changed = true
                    scalars = String.UnicodeScalarView(text.unicodeScalars.prefix { $0 != scalar })
                }
                scalars.append(replacement)
            } else if changed {
                scalars.append(scalar)
            }
        }
        return changed ? String(scalars) : text
    }

    /// ICU's transliterator on the whole text (slow; the reference the table is checked against).
    public static func transliterate(_ text: String, transform: String = TraditionalToSimplified.transform) throws -> String {
        var text = text
        return try text.withUTF8 { bytes in
            var length: Int32 = 0
            var error = [CChar](repeating: 0, count: 64)
            guard let output = cicu_transliterate(transform, bytes.baseAddress ?? UnsafePointer(bitPattern: 1)!,
                                                  Int32(bytes.count), &length, &error, Int32(error.count)) else {
                let reason = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                throw TextClassificationError.tokenizerUnavailable(locale: transform, reason: reason)
            }
            defer { cicu_free(output) }
            return String(decoding: UnsafeBufferPointer(start: output, count: Int(length)), as: UTF8.self)
        }
    }
}
