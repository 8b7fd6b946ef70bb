import CICU
import Foundation

/// The stage before the tokenizer: text as people write it, folded to one spelling.
///
/// - **NFKC** (Unicode compatibility normalisation, through ICU): full-width Latin, digits and
///   punctuation become ASCII (`ｉＰｈｏｎｅ１２！` → `iPhone12!`), circled and other
///   compatibility characters their plain forms (`①` → `1`), so that they are the same words as
///   their ordinary spellings. Already-normalised text (nearly all Chinese) is detected quickly
///   and returned as it is.
/// - **Traditional → Simplified** (optional): each Traditional character replaced as ICU's
///   `Traditional-Simplified` transliterator replaces it (`這家餐廳服務很好` → `这家餐厅服务很好`),
///   through a table taken from the transliterator once (``TraditionalToSimplified``).
///
/// ```swift
/// let normalizer = TextNormalizer(form: .nfkc, toSimplified: true)
/// normalizer("ｉＰｈｏｎｅ很好用，這個價錢") // "iPhone很好用,这个价钱"
/// ```
public struct TextNormalizer: Codable, Equatable, Sendable {
    /// The Unicode normal form applied first.
    public enum Form: String, Codable, Sendable, CaseIterable {
        /// The text as it is.
        case none
        /// Unicode NFKC.
        case nfkc
    }

    /// The Unicode normal form applied.
    public var form: Form
    /// Whether Traditional characters then become Simplified (``TraditionalToSimplified``).
    public var toSimplified: Bool

    /// A normaliser; the default is NFKC alone.
    public init(form: Form = .nfkc, toSimplified: Bool = false) {
        self.form = form
        self.toSimplified = toSimplified
    }

    /// Does nothing: the behaviour of models made before this stage existed.
    public static let identity = TextNormalizer(form: .none, toSimplified: false)

    /// The text normalised.
    public func callAsFunction(_ text: String) -> String {
        switch (form, toSimplified) {
        case (.none, false): return text
        case (.nfkc, false): return NormalizationTable.nfkcOnly.apply(text)
        case (.nfkc, true): return NormalizationTable.nfkcSimplified.apply(text)
        case (.none, true): return NormalizationTable.simplifiedOnly.apply(text)
        }
    }

    /// NFKC through ICU on the whole text (the reference; ``NormalizationTable`` is the fast
    /// route). ASCII text is already NFKC and skips the call.
    static func nfkcWithICU(_ text: String) -> String {
        var text = text
        return text.withUTF8 { bytes -> String in
            guard let base = bytes.baseAddress, bytes.contains(where: { $0 >= 0x80 }),
                  bytes.count < Int(Int32.max) / 4 else { return String(decoding: bytes, as: UTF8.self) }
            var length: Int32 = 0
            guard let output = cicu_nfkc(base, Int32(bytes.count), &length) else {
                // Already NFKC (or, never seen, an ICU error: the text is kept as it is).
                return String(decoding: bytes, as: UTF8.self)
            }
            defer { cicu_free(output) }
            return String(decoding: UnsafeBufferPointer(start: output, count: Int(length)), as: UTF8.self)
        }
    }
}
