import CICU
import Foundation

/// Splits text into words with ICU's word break iterator, which segments Chinese (written
/// without spaces) with a dictionary, and Latin, digits and mixed text by Unicode rules.
///
/// With word, character and word n-gram units, word-like segments (words, numbers, kana,
/// ideographs) are kept and spaces, punctuation (full-width included) and symbols such as
/// emoji dropped; ``Unit/wordchar`` keeps every character of the text as well (punctuation,
/// digits, a space run as `␣`) in ones, pairs and threes. Tokens are lower-cased by default,
/// like Keras's `Tokenizer(lower=True)`.
///
/// ```swift
/// let tokenizer = try ICUTokenizer()
/// tokenizer.tokens(in: "这是另一段文本。")   // ["这", "是", "另一", "段", "文本"]
/// tokenizer.tokens(in: "iPhone 12很好用！")  // ["iphone", "12", "很好", "用"]
/// ```
///
/// Safe to use from several threads at once: each call borrows a break iterator from a
/// small pool (ICU iterators are not thread-safe; cloning one per call would be slower).
public struct ICUTokenizer: Tokenizer, Sendable {
    /// How text is cut into tokens.
    public enum Unit: String, Codable, Sendable {
        /// ICU's dictionary words (the default).
        case word
        /// One token per ideograph; words of other scripts stay whole. For comparison with
        /// word segmentation.
        case character
        /// The words, then each pair of adjacent words (`文本_分类`), then each pair of adjacent
        /// characters (`本+分`, ideographs split as in ``character``): fastText's word n-grams
        /// plus character bigrams, which catch the names and terms the dictionary cuts apart.
        /// For the `bag` encoder, which ignores order.
        case ngrams
        /// As ``ngrams``, plus each character (`+好`) and each run of three adjacent characters
        /// (`不+太+好`): more of the phrases that carry sentiment, at several times the vocabulary.
        case ngrams3
        /// The words and each pair of adjacent words, as ``ngrams``; then the characters of the
        /// whole text, one by one (`+好`), in adjacent pairs and in runs of three, where, unlike
        /// in ``ngrams3``, every character counts: punctuation and symbols (`(+图+)`, `:`),
        /// each digit and letter of numbers and Latin words (`0+0+元`), and a run of white space
        /// between two characters as one `␣`. The character n-grams of a TF-IDF model; on the
        /// news headlines they are worth ~0.01 of accuracy over ``ngrams3`` (docs/accuracy.md).
        case wordchar
    }

    /// The ICU locale of the rules, e.g. `"zh"`. Every locale segments Chinese alike.
    public let locale: String
    /// Whether tokens are lower-cased.
    public let lowercased: Bool
    /// What a token is: a word, a word's characters, or n-grams of them.
    public let unit: Unit
    /// Words merged from ICU's pieces (see ``UserDictionary``), if any.
    public let dictionary: UserDictionary?

    private let pool: BreakIteratorPool

    /// Creates a tokenizer.
    /// - Parameters:
    ///   - locale: ICU locale for the break rules (default `"zh"`).
    ///   - lowercased: lower-case every token (default `true`, as Keras).
    ///   - unit: the tokens: words (default), single characters, or n-grams (``Unit``).
    ///   - dictionary: words to keep whole where ICU splits them.
    /// - Throws: ``TextClassificationError/tokenizerUnavailable(locale:reason:)`` if ICU
    ///   cannot open a word break iterator for `locale`.
    public init(locale: String = "zh", lowercased: Bool = true, unit: Unit = .word,
                dictionary: UserDictionary? = nil) throws {
        self.locale = locale
        self.lowercased = lowercased
        self.unit = unit
        self.dictionary = dictionary.flatMap { $0.words.isEmpty ? nil : $0 }
        self.pool = try BreakIteratorPool(locale: locale)
    }

    /// The text's tokens, as ``unit`` makes them.
    public func tokens(in text: String) -> [String] {
        wordsAndNGrams(in: text).tokens
    }

    /// The tokens of `text`, of which the first `words` are words and the rest n-grams (word
    /// pairs, characters and their runs); with the word and character units every token is a word.
    public func wordsAndNGrams(in text: String) -> (tokens: [String], words: Int) {
        switch unit {
        case .word:
            let words = segmentTokens(in: text, words: true, characters: false).words
            return (words, words.count)
        case .character:
            let characters = segmentTokens(in: text, words: false, characters: true).characters
            return (characters, characters.count)
        case .ngrams, .ngrams3, .wordchar: break
        }
        // Words and characters from one ICU pass.
        let (words, characters) = segmentTokens(in: text, words: true, characters: true,
                                                everyCharacter: unit == .wordchar)
        let wide = unit != .ngrams
        var tokens = words
        tokens.reserveCapacity(2 * words.count + (wide ? 3 : 1) * characters.count)
        for k in words.indices.dropFirst() { tokens.append(words[k - 1] + "_" + words[k]) }
        if wide { tokens += characters.map { "+" + $0 } }
        for k in characters.indices.dropFirst() { tokens.append(characters[k - 1] + "+" + characters[k]) }
        if wide {
            for k in characters.indices.dropFirst(2) {
                tokens.append(characters[k - 2] + "+" + characters[k - 1] + "+" + characters[k])
            }
        }
        return (tokens, words.count)
    }

    /// The word tokens and/or the character tokens (ideographic segments split into scalars,
    /// other segments and dictionary words whole) of `text`, as asked. With `everyCharacter`
    /// the characters are every scalar of the text instead (dictionary words still whole):
    /// punctuation and symbols too, numbers and Latin words split, a run of white space
    /// between two characters as one `␣`.
    private func segmentTokens(in text: String, words wantWords: Bool, characters wantCharacters: Bool,
                               everyCharacter: Bool = false) -> (words: [String], characters: [String]) {
        var text = text
        return text.withUTF8 { bytes in
            guard bytes.count > 0, let base = bytes.baseAddress else { return ([], []) }
            // ICU indexes with Int32; longer texts are cut at a UTF-8 boundary.
            let length = Self.prefixLength(bytes, limit: Int(Int32.max) / 4)
            var words: [String] = [], characters: [String] = []
            // Every character: white space seen since the last character (written as one ␣
            // before the next one, so none leads or trails).
            var spaceBefore = false, lastEnd = 0
            func character(_ token: String) {
                if spaceBefore && !characters.isEmpty { characters.append("␣") }
                spaceBefore = false
                characters.append(token)
            }
            /// Every character: the text between word-like segments (spaces, punctuation, symbols).
            func gap(upTo start: Int) {
                guard everyCharacter, wantCharacters, start > lastEnd else { return }
                splitCharacters(UnsafeBufferPointer(rebasing: bytes[lastEnd..<start]))
            }
            func splitCharacters(_ piece: UnsafeBufferPointer<UInt8>) {
                var k = 0
                while k < piece.count {
                    let width = Self.scalarWidth(leadByte: piece[k])
                    let scalar = UnsafeBufferPointer(rebasing: piece[k..<min(k + width, piece.count)])
                    if Self.isWhiteSpace(scalar) { spaceBefore = true } else { character(makeToken(scalar)) }
                    k += width
                }
            }
            func whole(_ token: String) {
                if wantWords { words.append(token) }
                if wantCharacters { character(token) }
            }
            func emit(_ start: Int, _ end: Int, _ status: Int32) {
                gap(upTo: start)
                lastEnd = end
                let piece = UnsafeBufferPointer(rebasing: bytes[start..<end])
                guard wantCharacters && (everyCharacter || (400..<500).contains(status)) else {
                    return whole(makeToken(piece))
                }
                if wantWords { words.append(makeToken(piece)) }
                // Ideographic segment (or any, with every character): a token per Unicode scalar.
                splitCharacters(piece)
            }
            guard let dictionary else {
                pool.withSegments(of: base, length: length, emit)
                gap(upTo: length)
                return (words, characters)
            }
            var segments: [(start: Int, end: Int, status: Int32)] = []
            pool.withSegments(of: base, length: length) { segments.append(($0, $1, $2)) }
            var i = 0
            while i < segments.count {
                // The longest run of adjacent pieces from i whose text is a dictionary word.
                var key = WordKey(), matched = 0, j = i
                while j < segments.count && (j == i || segments[j].start == segments[j - 1].end)
                        && segments[j].end - segments[i].start <= dictionary.maximumBytes {
                    key = key.adding(UnsafeBufferPointer(rebasing: bytes[segments[j].start..<segments[j].end]))
                    if j > i && dictionary.keys.contains(key) { matched = j }
                    j += 1
                }
                if matched > i {
                    gap(upTo: segments[i].start)
                    lastEnd = segments[matched].end
                    whole(makeToken(UnsafeBufferPointer(rebasing: bytes[segments[i].start..<segments[matched].end])))
                    i = matched + 1
                } else {
                    emit(segments[i].start, segments[i].end, segments[i].status)
                    i += 1
                }
            }
            gap(upTo: length)
            return (words, characters)
        }
    }

    /// ICU's word-like segments of `text` (no dictionary merging, no character split): each
    /// token with its UTF-8 byte range and whether it is ideographic (Chinese, Japanese kanji).
    func segments(in text: String) -> [(token: String, start: Int, end: Int, ideographic: Bool)] {
        var text = text
        return text.withUTF8 { bytes in
            guard bytes.count > 0, let base = bytes.baseAddress else { return [] }
            var out: [(token: String, start: Int, end: Int, ideographic: Bool)] = []
            pool.withSegments(of: base, length: Self.prefixLength(bytes, limit: Int(Int32.max) / 4)) { start, end, status in
                out.append((makeToken(UnsafeBufferPointer(rebasing: bytes[start..<end])), start, end, (400..<500).contains(status)))
            }
            return out
        }
    }

    private func makeToken(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        let token = String(decoding: bytes, as: UTF8.self)
        guard lowercased, Self.mayHaveUpperCase(bytes) else { return token }
        return token.lowercased()
    }

    /// False when lower-casing cannot change the token: ASCII without capitals, or characters
    /// from U+3000 up (CJK, kana, hangul: UTF-8 lead bytes E3–EE), which have no case. Cased
    /// scripts (Latin, Greek, Cyrillic…, lead bytes C3–E2) and full-width Latin (EF) are
    /// lower-cased by the standard library.
    @inline(__always)
    static func mayHaveUpperCase(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        for byte in bytes {
            if byte >= 0x41 && byte <= 0x5A { return true }  // A–Z
            if byte >= 0xC0 && (byte < 0xE3 || byte == 0xEF) { return true }
        }
        return false
    }

    /// Bytes in the UTF-8 sequence that starts with `byte` (1 for a stray continuation byte;
    /// Swift strings hold valid UTF-8).
    @inline(__always)
    private static func scalarWidth(leadByte byte: UInt8) -> Int {
        byte < 0xC0 ? 1 : byte < 0xE0 ? 2 : byte < 0xF0 ? 3 : 4
    }

    /// Whether one scalar's UTF-8 bytes are white space. Every non-ASCII white space (U+0085,
    /// U+00A0, U+1680, U+2000–U+205F, U+3000) starts with C2, E1, E2 or E3, so the ideographs
    /// (E4–E9) and most other characters are answered from the lead byte.
    private static func isWhiteSpace(_ scalar: UnsafeBufferPointer<UInt8>) -> Bool {
        let lead = scalar[0]
        if scalar.count == 1 { return lead == 0x20 || (0x09...0x0D).contains(lead) }
        guard lead == 0xC2 || (0xE1...0xE3).contains(lead) else { return false }
        return String(decoding: scalar, as: UTF8.self).unicodeScalars.first?.properties.isWhitespace ?? false
    }

    private static func prefixLength(_ bytes: UnsafeBufferPointer<UInt8>, limit: Int) -> Int {
        guard bytes.count > limit else { return bytes.count }
        var end = limit
        while end > 0 && bytes[end] & 0xC0 == 0x80 { end -= 1 }  // not inside a character
        return end
    }
}

/// ICU break iterators for one locale, handed out one per concurrent caller.
private final class BreakIteratorPool: @unchecked Sendable {
    private let prototype: Handle
    // Guarded by `lock`. NSLock (pthread) rather than Synchronization.Mutex: ThreadSanitizer
    // understands pthread locks, and reported Mutex's futex-based locking as races.
    private var idle: [Handle] = []
    private let lock = NSLock()

    /// An owned `CICUWordBreaker`; only ever used by one thread at a time.
    private final class Handle: @unchecked Sendable {
        let pointer: OpaquePointer
        init(_ pointer: OpaquePointer) { self.pointer = pointer }
        deinit { cicu_word_breaker_close(pointer) }
    }

    init(locale: String) throws {
        var error = [CChar](repeating: 0, count: 64)
        guard let pointer = cicu_word_breaker_open(locale, &error, Int32(error.count)) else {
            let reason = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw TextClassificationError.tokenizerUnavailable(locale: locale, reason: reason)
        }
        prototype = Handle(pointer)
    }

    /// Calls `body(start, end, ruleStatus)` for each word-like segment of the UTF-8 text.
    func withSegments(of text: UnsafePointer<UInt8>, length: Int,
                      _ body: (Int, Int, Int32) -> Void) {
        // Cloning happens under the lock too: the prototype is shared.
        let handle = lock.withLock { idle.popLast() ?? clonePrototype() }
        defer { lock.withLock { idle.append(handle) } }
        let capacity = length
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: 3 * capacity) { buffer in
            let starts = buffer.baseAddress!
            let ends = starts + capacity
            let statuses = ends + capacity
            let count = cicu_word_breaker_segment(
                handle.pointer, text, Int32(length), 100, starts, ends, statuses, Int32(capacity))
            for k in 0..<Int(max(count, 0)) {
                body(Int(starts[k]), Int(ends[k]), statuses[k])
            }
        }
    }

    private func clonePrototype() -> Handle {
        // Cloning only fails when memory runs out; nothing sensible can continue then.
        guard let pointer = cicu_word_breaker_clone(prototype.pointer) else {
            fatalError("ICU could not clone a word break iterator (out of memory)")
        }
        return Handle(pointer)
    }
}
