/// How a unit's tokens are written, in one line a reader of an explanation needs: the
/// n-gram units mark what kind of piece a token is (`文本_分类`, `+好`, `不+太+好`), which the
/// terminal, the HTML page and the report all show without saying why.
extension ICUTokenizer.Unit {
    /// One line saying what each kind of piece looks like; `nil` for ``word`` and
    /// ``character``, whose tokens are the text's own words and characters.
    public var notation: String? {
        let words = "文本 a word · 文本_分类 two adjacent words"
        switch self {
        case .word, .character: return nil
        case .ngrams: return "pieces: \(words) · 本+分 two adjacent characters"
        case .ngrams3: return "pieces: \(words) · +好 one character · 本+分, 不+太+好 two or three adjacent characters"
        case .wordchar:
            return "pieces: \(words) · +好 one character · 本+分, 不+太+好 two or three adjacent characters"
                + " (punctuation and digits included) · ␣ white space"
        }
    }
}
