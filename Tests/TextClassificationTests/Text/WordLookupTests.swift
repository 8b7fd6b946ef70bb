import Testing
@testable import TextClassification

@Suite struct WordLookupTests {
    /// The byte-keyed lookup gives ``Vocabulary/encode(_:)``'s indices: words cut by
    /// `numWords` dropped, or the OOV index when there is one, and unknown tokens likewise.
    @Test func encodesAsTheVocabularyDoes() {
        let texts = [["这", "是", "一段", "文本", "。"], ["这", "是", "另", "一段", "文本", "。"], ["第三", "段", "文本", "。"],
                     ["ascii", "é", "文+本", ""]]
        let tokens = texts.flatMap { $0 } + ["unknown", "未知", "一", "段落"]
        for numWords in [nil, 4, 1000] as [Int?] {
            for oov in [nil, "<OOV>", "文本"] as [String?] {
                var vocabulary = Vocabulary(numWords: numWords, oovToken: oov)
                vocabulary.fit(texts)
                #expect(WordLookup(vocabulary).encode(tokens) == vocabulary.encode(tokens), "numWords \(numWords as Any), oov \(oov as Any)")
            }
        }
    }

    /// Bytes, as Keras's Python dict: é (one scalar) and e + ◌́ (two) are two words (a `String`
    /// key would take them for one).
    @Test func comparesBytesNotCanonicalEquivalence() {
        var vocabulary = Vocabulary()
        vocabulary.fit([["é"]])
        let lookup = WordLookup(vocabulary)
        #expect(lookup.encode(["é"]) == [1])
        #expect(lookup.encode(["e\u{301}"]) == [])
    }

    /// Many words (more than one probe apart): every one is found at its own index.
    @Test func findsEveryWordOfALargeVocabulary() {
        var vocabulary = Vocabulary()
        let words = (0..<50_000).map { "词\($0)" }
        vocabulary.fit([words])
        #expect(WordLookup(vocabulary).encode(words) == vocabulary.encode(words))
    }
}
