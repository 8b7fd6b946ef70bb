/// Where each token of ``ICUTokenizer/wordsAndNGrams(in:)`` lies in the text it came from, in
/// Characters: words and characters are found in the text in order (lower-cased as the
/// tokenizer lower-cases), a `␣` covers the white space it stands for, and word pairs and
/// character pairs and threes cover their parts. A token that cannot be found (a script whose
/// lower-casing changes its length) has no span. What lets an explanation fold the
/// contributions of overlapping n-grams back onto the text (``Explanation/characterContributions``).
///
/// ```swift
/// let tokenizer = try ICUTokenizer(unit: .wordchar)
/// let text = "质量很好"
/// let (tokens, words) = tokenizer.wordsAndNGrams(in: text)   // 质量, 很好, 质量_很好, +质, …, 质+量, …, 质+量+很, …
/// TokenSpans.of(tokens, words: words, unit: .wordchar, in: text, lowercased: true)[2]   // 0..<4
/// ```
public enum TokenSpans {
    /// Each token's span in `text`, in Characters (`nil` where it cannot be found).
    ///
    /// - Parameters:
    ///   - tokens: ``ICUTokenizer/wordsAndNGrams(in:)``'s tokens of `text`.
    ///   - words: how many of them are words (the rest are n-grams of them).
    ///   - unit: the token unit that made them.
    ///   - text: the text they came from.
    ///   - lowercased: whether the tokenizer lower-cased them.
    public static func of(_ tokens: [String], words: Int, unit: ICUTokenizer.Unit, in text: String,
                          lowercased: Bool) -> [Range<Int>?] {
        let characters = Array(text)
        let lowered = characters.map { lowercased ? String($0).lowercased() : String($0) }
        var spans = [Range<Int>?](repeating: nil, count: tokens.count)

        /// `token` at or after `start`, as a run of whole characters.
        func find(_ token: String, from start: Int) -> Range<Int>? {
            guard !token.isEmpty else { return nil }
            for p in start..<max(start, characters.count) where token.hasPrefix(lowered[p]) {
                var joined = lowered[p], q = p + 1
                while joined.count < token.count && q < characters.count && token.hasPrefix(joined + lowered[q]) {
                    joined += lowered[q]
                    q += 1
                }
                if joined == token { return p..<q }
            }
            return nil
        }
        /// Tokens found one after another; `␣` is the white space from where the last ended.
        func locate(_ pieces: [String]) -> [Range<Int>?] {
            var position = 0
            return pieces.map { piece in
                if piece == "␣" {
                    var end = position
                    while end < characters.count && characters[end].isWhitespace { end += 1 }
                    defer { position = end }
                    return end > position ? position..<end : nil
                }
                guard let span = find(piece, from: position) else { return nil }
                position = span.upperBound
                return span
            }
        }
        func union(_ parts: [Range<Int>?]) -> Range<Int>? {
            guard let first = parts.first ?? nil, let last = parts.last ?? nil else { return nil }
            return parts.contains { $0 == nil } ? nil : first.lowerBound..<last.upperBound
        }

        switch unit {
        case .word, .character:
            return locate(tokens)
        case .ngrams, .ngrams3, .wordchar:
            let wordSpans = locate(Array(tokens.prefix(words)))
            for k in wordSpans.indices { spans[k] = wordSpans[k] }
            var next = words
            for k in wordSpans.indices.dropFirst() where next < tokens.count {
                spans[next] = union([wordSpans[k - 1], wordSpans[k]])
                next += 1
            }
            // The characters: one by one (+c) with ngrams3 and wordchar, else from the pairs.
            let rest = tokens.count - next
            let characterTokens: [String]
            if unit == .ngrams {
                let pairs = tokens[next...].map { $0.components(separatedBy: "+") }
                characterTokens = pairs.isEmpty ? [] : pairs.map { $0[0] } + [pairs.last!.last!]
            } else {
                // rest = C + (C − 1) + (C − 2) for C ≥ 2 characters, else C.
                let count = rest <= 1 ? rest : (rest + 3) / 3
                characterTokens = tokens[next ..< next + count].map { String($0.dropFirst()) }
                for k in 0..<count { spans[next + k] = nil }
                next += count
            }
            let characterSpans = locate(characterTokens)
            if unit != .ngrams {
                for k in characterSpans.indices { spans[next - characterSpans.count + k] = characterSpans[k] }
            }
            for width in unit == .ngrams ? [2] : [2, 3] {
                for k in characterSpans.indices.dropFirst(width - 1) where next < tokens.count {
                    spans[next] = union(Array(characterSpans[k - width + 1 ... k]))
                    next += 1
                }
            }
            return spans
        }
    }
}
