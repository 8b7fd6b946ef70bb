import CICU

/// The normalisation of ``TextNormalizer`` as a per-character table over UTF-8, built once per
/// setting from ICU: NFKC through ICU per text cost a third of the tokenizer's speed on the
/// reviews (most contain full-width punctuation, so few texts are already in NFKC).
///
/// Why a table is exact: when every character of a text has a normalisation boundary before
/// it (ICU's `hasBoundaryBefore`; true of all but combining marks, Hangul jamo and a few
/// others), NFKC of the text is the concatenation of each character's NFKC. So each such
/// character maps through the table (NFKC, then Traditional → Simplified, which is character by
/// character too), and a text holding any other character goes to ICU whole.
final class NormalizationTable: Sendable {
    private enum Kind: UInt8 { case keep = 0, replace = 1, whole = 2 }

    let nfkc: Bool, simplified: Bool
    /// Basic Multilingual Plane, by code point: what to do, and for replacements their UTF-8
    /// bytes at `bytes[start ..< start + length]`.
    private let kinds: [UInt8]
    private let starts: [Int32]
    private let lengths: [UInt8]
    private let bytes: [UInt8]

    static let nfkcOnly = NormalizationTable(nfkc: true, simplified: false)
    static let nfkcSimplified = NormalizationTable(nfkc: true, simplified: true)
    static let simplifiedOnly = NormalizationTable(nfkc: false, simplified: true)

    private init(nfkc: Bool, simplified: Bool) {
        self.nfkc = nfkc
        self.simplified = simplified
        var kinds = [UInt8](repeating: Kind.keep.rawValue, count: 0x10000)
        var starts = [Int32](repeating: 0, count: 0x10000), lengths = [UInt8](repeating: 0, count: 0x10000)
        var bytes: [UInt8] = []
        for value in UInt32(0x80)..<0x10000 {
            guard let scalar = Unicode.Scalar(value) else { continue }  // surrogates
            let kind = nfkc ? cicu_nfkc_kind(value) : 0
            // Most characters stay as they are: no strings made for them (every process that
            // opens a model builds this table).
            if kind == 0 && !simplified { continue }
            var mapped = String(scalar)
            if nfkc {
                switch kind {
                case 0: break
                case 1: mapped = TextNormalizer.nfkcWithICU(mapped)
                default:
                    kinds[Int(value)] = Kind.whole.rawValue
                    continue
                }
            }
            if simplified { mapped = TraditionalToSimplified.shared.convert(mapped) }
            guard mapped != String(scalar) else { continue }
            let utf8 = Array(mapped.utf8)
            guard utf8.count < 256 else { kinds[Int(value)] = Kind.whole.rawValue; continue }
            kinds[Int(value)] = Kind.replace.rawValue
            starts[Int(value)] = Int32(bytes.count)
            lengths[Int(value)] = UInt8(utf8.count)
            bytes += utf8
        }
        self.kinds = kinds
        self.starts = starts
        self.lengths = lengths
        self.bytes = bytes
    }

    /// `text` normalised: the same as ICU's NFKC (if on) followed by Traditional → Simplified (if on).
    func apply(_ text: String) -> String {
        var text = text
        let result: [UInt8]?? = text.withUTF8 { u -> [UInt8]?? in
            var out: [UInt8] = []
            var changed = false
            var i = 0
            let n = u.count
            while i < n {
                let b0 = u[i]
                if b0 < 0x80 {
                    if changed { out.append(b0) }
                    i += 1
                    continue
                }
                // Valid UTF-8 (a Swift String): decode one scalar.
                let length = b0 < 0xE0 ? 2 : b0 < 0xF0 ? 3 : 4
                var value = UInt32(b0) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
                for k in 1..<length { value = value << 6 | UInt32(u[i + k] & 0x3F) }
                var replacement: ArraySlice<UInt8>?
                if value < 0x10000 {
                    switch kinds[Int(value)] {
                    case Kind.keep.rawValue: break
                    case Kind.replace.rawValue:
                        let start = Int(starts[Int(value)])
                        replacement = bytes[start ..< start + Int(lengths[Int(value)])]
                    default: return .some(nil)  // normalise the whole text with ICU
                    }
                } else {
                    if nfkc && cicu_nfkc_kind(value) != 0 { return .some(nil) }
                    if simplified, let scalar = Unicode.Scalar(value) {
                        let mapped = TraditionalToSimplified.shared.convert(String(scalar))
                        if mapped != String(scalar) { replacement = ArraySlice(Array(mapped.utf8)) }
                    }
                }
                if let replacement {
                    if !changed {
                        out.reserveCapacity(n + 16)
                        out.append(contentsOf: u[0..<i])
                        changed = true
                    }
                    out.append(contentsOf: replacement)
                } else if changed {
                    out.append(contentsOf: u[i ..< i + length])
                }
                i += length
            }
            return changed ? .some(out) : .none
        }
        switch result {
        case .none: return text
        case .some(.some(let out)): return String(decoding: out, as: UTF8.self)
        case .some(.none):
            let normal = nfkc ? TextNormalizer.nfkcWithICU(text) : text
            return simplified ? TraditionalToSimplified.shared.convert(normal) : normal
        }
    }
}
