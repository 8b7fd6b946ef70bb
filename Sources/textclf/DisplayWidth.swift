/// Column widths of text in a terminal: Chinese, Japanese and Korean characters and
/// full-width forms take two columns, so tables of label names line up.
extension String {
    var displayWidth: Int {
        unicodeScalars.reduce(0) { $0 + ($1.properties.generalCategory == .nonspacingMark ? 0 : Self.isWide($1) ? 2 : 1) }
    }

    /// East Asian Wide and Fullwidth ranges (Unicode UAX #11), the common ones.
    private static func isWide(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
             0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x20000...0x3FFFD:
            return true
        default:
            return false
        }
    }

    /// Right-aligned in `width` columns (left-aligned with `left`); never cut.
    func padded(to width: Int, left: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - displayWidth))
        return left ? self + fill : fill + self
    }

    /// The longest prefix that fits in `width` columns.
    func prefix(columns width: Int) -> String {
        var out = "", used = 0
        for character in self {
            let w = String(character).displayWidth
            if used + w > width { break }
            out.append(character)
            used += w
        }
        return out
    }
}
