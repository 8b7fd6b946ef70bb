import Testing
@testable import TextClassification

// Expectations are what the system ICU 72 (libicu-dev on Debian 12) gives; the ICU bundled
// with the Swift toolchain (76) splits some tokens differently, which is why we link libicu.
@Suite struct ICUTokenizerTests {
    let tokenizer = try! ICUTokenizer()

    @Test func splitsChineseIntoDictionaryWords() {
        #expect(tokenizer.tokens(in: "这是另一段文本。") == ["这", "是", "另一", "段", "文本"])
        #expect(tokenizer.tokens(in: "这是一段文本。") == ["这", "是", "一段", "文本"])
        #expect(tokenizer.tokens(in: "第三段文本。") == ["第三", "段", "文本"])
    }

    @Test func mixedChineseLatinAndDigitsAreLowercased() {
        #expect(tokenizer.tokens(in: "iPhone 12很好用！") == ["iphone", "12", "很好", "用"])
    }

    @Test func keepsCaseWhenAsked() throws {
        let keepCase = try ICUTokenizer(lowercased: false)
        #expect(keepCase.tokens(in: "iPhone 12很好用！") == ["iPhone", "12", "很好", "用"])
    }

    @Test func dropsFullWidthAndAsciiPunctuation() {
        #expect(tokenizer.tokens(in: "好！！，。？（不错）「真的」……") == ["好", "不错", "真的"])
        #expect(tokenizer.tokens(in: "good, bad... ok?") == ["good", "bad", "ok"])
    }

    @Test func emptyAndBlankTextGiveNoTokens() {
        #expect(tokenizer.tokens(in: "") == [])
        #expect(tokenizer.tokens(in: " \t\n　") == [])
    }

    @Test func emojiAreDroppedLikePunctuation() {
        #expect(tokenizer.tokens(in: "很好👍😀") == ["很好"])
    }

    @Test func characterUnitSplitsIdeographsOnly() throws {
        let characters = try ICUTokenizer(unit: .character)
        #expect(characters.tokens(in: "文本 Hello 12") == ["文", "本", "hello", "12"])
    }

    /// `ngrams`: the words, the pairs of adjacent words, the pairs of adjacent characters
    /// (punctuation dropped first, so 好 and 很 pair across the comma).
    @Test func ngramUnitAddsWordAndCharacterPairs() throws {
        let ngrams = try ICUTokenizer(unit: .ngrams)
        #expect(ngrams.tokens(in: "文本分类，很好") == ["文本", "分类", "很好", "文本_分类", "分类_很好",
                                                      "文+本", "本+分", "分+类", "类+很", "很+好"])
        #expect(ngrams.tokens(in: "好") == ["好"])
        #expect(ngrams.tokens(in: "") == [])
        // ngrams3: single characters and runs of three as well.
        let wide = try ICUTokenizer(unit: .ngrams3)
        #expect(wide.tokens(in: "很不好") == ["很", "不好", "很_不好", "+很", "+不", "+好", "很+不", "不+好", "很+不+好"])
    }

    /// `wordchar`: the words and word pairs, then the characters of the whole text — punctuation,
    /// each letter and digit, white space between characters as one ␣ — one by one, in pairs
    /// and in runs of three.
    @Test func wordcharUnitTakesEveryCharacterOfTheText() throws {
        let wordchar = try ICUTokenizer(unit: .wordchar)
        #expect(wordchar.tokens(in: "好(图)") == ["好", "图", "好_图", "+好", "+(", "+图", "+)",
                                                  "好+(", "(+图", "图+)", "好+(+图", "(+图+)"])
        // Latin words and numbers are split into lower-cased letters and digits; leading,
        // trailing and repeated white space leaves one ␣ between characters.
        let latin = wordchar.tokens(in: "  A股  12 ")
        #expect(latin.prefix(4) == ["a", "股", "12", "a_股"])
        #expect(latin.filter { $0.hasPrefix("+") } == ["+a", "+股", "+␣", "+1", "+2"])
        #expect(latin.suffix(3) == ["a+股+␣", "股+␣+1", "␣+1+2"])
        #expect(wordchar.tokens(in: " ") == [])
        // The words are the ngrams unit's; the old units keep their tokens.
        let text = "恒生AH溢指收平 A股对H股折价1.95，黄金周(图)"
        let words = try ICUTokenizer(unit: .word).tokens(in: text)
        #expect(Array(wordchar.tokens(in: text).prefix(2 * words.count - 1))
                == Array(try ICUTokenizer(unit: .ngrams).tokens(in: text).prefix(2 * words.count - 1)))
        #expect(try ICUTokenizer(unit: .ngrams3).tokens(in: text).contains("+1.95"))
        #expect(wordchar.tokens(in: text).contains("1+.+9"))
        // A user's dictionary word stays whole among the characters too.
        let domain = try ICUTokenizer(unit: .wordchar, dictionary: UserDictionary(words: ["性价比"]))
        #expect(domain.tokens(in: "性价比!") == ["性价比", "+性价比", "+!", "性价比+!"])
    }

    @Test func unknownLocaleStillSegments() throws {
        // ICU falls back to the root rules rather than failing.
        let root = try ICUTokenizer(locale: "xx")
        #expect(root.tokens(in: "文本") == ["文本"])
    }

    @Test func isSafeFromManyThreads() async {
        let texts = (0..<200).map { "第\($0)段文本，iPhone很好用。" }
        let expected = texts.map { tokenizer.tokens(in: $0) }
        let results = await withTaskGroup(of: (Int, [String]).self) { group in
            for (k, text) in texts.enumerated() {
                group.addTask { (k, tokenizer.tokens(in: text)) }
            }
            var results = [[String]](repeating: [], count: texts.count)
            for await (k, tokens) in group { results[k] = tokens }
            return results
        }
        #expect(results == expected)
    }
}

@Suite struct LowercasingTests {
    @Test func lowercasesEveryCasedScriptAndLeavesCJKAlone() throws {
        let tokenizer = try ICUTokenizer()
        #expect(tokenizer.tokens(in: "ÉCOLE Straße ΑΒΓ МОСКВА") == ["école", "straße", "αβγ", "москва"])
        #expect(tokenizer.tokens(in: "ＡＢＣ很好") == ["ａｂｃ", "很好"])
        #expect(tokenizer.tokens(in: "カタカナ 한국어 中文") == ["カタカナ", "한국어", "中文"])
    }
}
