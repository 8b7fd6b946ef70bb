import Foundation
import Testing
import TextClassification

// Expected values are worked by hand from Keras's Tokenizer (keras/src/legacy/preprocessing/
// text.py): counts in first-seen order, a stable sort by count (ties keep first-seen order),
// the OOV token prepended, indices from 1, `num_words` applied only when encoding.
@Suite struct VocabularyTests {
    let documents = [["the", "cat", "the"], ["dog", "cat"], ["bird"]]

    @Test func ranksByCountThenFirstSeen() {
        var vocabulary = Vocabulary()
        vocabulary.fit(documents)
        #expect(vocabulary.wordIndex == ["the": 1, "cat": 2, "dog": 3, "bird": 4])
        #expect(vocabulary.indexWord == ["", "the", "cat", "dog", "bird"])
        #expect(vocabulary.words == ["the", "cat", "dog", "bird"])
        #expect(vocabulary.wordCounts == ["the": 2, "cat": 2, "dog": 1, "bird": 1])
        #expect(vocabulary.wordDocumentCounts == ["the": 1, "cat": 2, "dog": 1, "bird": 1])
        #expect(vocabulary.documentCount == 3)
    }

    /// A count bounded as fastText's dictionary is: past the limit the rarest go (counts
    /// below 2, then 3, …) until three quarters of it are left; the frequent keep their counts.
    @Test func aBoundedCountForgetsTheRarestWords() {
        var builder = Vocabulary.Builder(Vocabulary())
        for k in 0..<10 { builder.add(["常见", "也常见", "偶尔\(k % 3)", "一次\(k)"]) }
        #expect(builder.distinctCount == 2 + 3 + 10)
        #expect(builder.bound(to: 20) == nil, "under the limit nothing goes")
        #expect(builder.bound(to: 8) == 2)  // the ten seen once go; 5 ≤ 6 are left
        let (vocabulary, _) = builder.finish()
        #expect(vocabulary.indexWord == ["", "常见", "也常见", "偶尔0", "偶尔1", "偶尔2"])
        #expect(vocabulary.wordCounts["常见"] == 10 && vocabulary.wordCounts["偶尔0"] == 4)
        #expect(vocabulary.wordDocumentCounts["偶尔1"] == 3)
    }

    @Test func tiesKeepFirstSeenOrderEvenWhenALaterWordOutranksThem() {
        var vocabulary = Vocabulary()
        vocabulary.fit([["x", "y"], ["z", "z"]])
        #expect(vocabulary.indexWord == ["", "z", "x", "y"])
    }

    @Test func numWordsKeepsIndicesBelowItAndDropsTheRest() {
        var vocabulary = Vocabulary(numWords: 3)
        vocabulary.fit(documents)
        // Keras's off-by-one: num_words=3 keeps indices 1 and 2 only.
        #expect(vocabulary.encode(["the", "dog", "cat", "fish"]) == [1, 2])
        #expect(vocabulary.wordIndex.count == 4, "the index itself is not cut")
        #expect(vocabulary.indexCount == 3)
    }

    @Test func oovTokenTakesIndexOneAndStandsForUnknownAndCutWords() {
        var vocabulary = Vocabulary(numWords: 3, oovToken: "<oov>")
        vocabulary.fit(documents)
        #expect(vocabulary.wordIndex == ["<oov>": 1, "the": 2, "cat": 3, "dog": 4, "bird": 5])
        #expect(vocabulary.encode(["the", "dog", "cat", "fish"]) == [2, 1, 1, 1])
        // sequences_to_texts: padding and unknown indices show as the OOV token too.
        #expect(vocabulary.decode([0, 2, 4, 9]) == ["<oov>", "the", "<oov>", "<oov>"])
    }

    @Test func withoutNumWordsUnknownWordsAreDropped() {
        var vocabulary = Vocabulary()
        vocabulary.fit(documents)
        #expect(vocabulary.encode(["bird", "fish", "the"]) == [4, 1])
        #expect(vocabulary.decode([0, 4, 9, 1]) == ["bird", "the"])
    }

    @Test func oovTokenThatOccursInTheTextsKeepsItsLaterIndex() {
        // Keras builds word_index with dict(zip(...)): the later duplicate wins.
        var vocabulary = Vocabulary(oovToken: "the")
        vocabulary.fit(documents)
        #expect(vocabulary.wordIndex["the"] == 2)
        #expect(vocabulary.oovIndex == 2)
        #expect(vocabulary.encode(["fish"]) == [2])
    }

    @Test func fittingAgainAccumulates() {
        var vocabulary = Vocabulary()
        vocabulary.fit(documents)
        vocabulary.fit([["bird", "bird"]])
        #expect(vocabulary.wordCounts["bird"] == 3)
        #expect(vocabulary.indexWord == ["", "bird", "the", "cat", "dog"])
        #expect(vocabulary.documentCount == 4)
    }

    @Test func roundTripsThroughKerasJSON() throws {
        var vocabulary = Vocabulary(numWords: 1000, oovToken: "<oov>")
        vocabulary.fit(documents + [["文本", "\"quoted\"", "a/b"]])
        let data = try vocabulary.kerasJSON()
        #expect(try Vocabulary(kerasJSON: data) == vocabulary)
    }

    @Test func kerasJSONHasKerasLayout() throws {
        var vocabulary = Vocabulary()
        vocabulary.fit(documents)
        let root = try #require(JSONSerialization.jsonObject(with: vocabulary.kerasJSON()) as? [String: Any])
        #expect(root["class_name"] as? String == "Tokenizer")
        let config = try #require(root["config"] as? [String: Any])
        // Keras double-encodes these five as JSON strings.
        #expect(config["word_counts"] as? String == #"{"the": 2, "cat": 2, "dog": 1, "bird": 1}"#)
        #expect(config["index_word"] as? String == #"{"1": "the", "2": "cat", "3": "dog", "4": "bird"}"#)
        #expect(config["split"] as? String == " ")
    }

    @Test func rejectsDamagedJSON() {
        #expect(throws: TextClassificationError.self) { try Vocabulary(kerasJSON: Data("{".utf8)) }
        let gap = #"{"class_name":"Tokenizer","config":{"word_counts":"{\"a\": 1}","word_index":"{\"a\": 3}"}}"#
        #expect(throws: TextClassificationError.self) { try Vocabulary(kerasJSON: Data(gap.utf8)) }
    }

    /// What a model saves: only the words `numWords` keeps, encoding every text as the whole
    /// vocabulary does, before and after a JSON round trip.
    @Test func keepingEncodedWordsEncodesTheSame() throws {
        var vocabulary = Vocabulary(numWords: 3)
        vocabulary.fit([["a", "b", "a", "c"], ["d", "b", "a"], ["e"]])
        let kept = vocabulary.keepingEncodedWords()
        #expect(kept.words == ["a", "b"] && kept.indexWord == ["", "a", "b"])
        let loaded = try Vocabulary(kerasJSON: kept.kerasJSON())
        for text in [["a", "c", "b", "e"], ["zzz", "d"], []] {
            #expect(kept.encode(text) == vocabulary.encode(text) && loaded.encode(text) == vocabulary.encode(text))
        }
        var all = Vocabulary()
        all.fit([["a", "b"]])
        #expect(all.keepingEncodedWords() == all, "no numWords: nothing to drop")
    }
}
