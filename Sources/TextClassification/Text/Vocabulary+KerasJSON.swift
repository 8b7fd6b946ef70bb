import Foundation

extension Vocabulary {
    /// The vocabulary in the JSON layout of Keras's `Tokenizer.to_json()`, so that
    /// `keras.preprocessing.text.tokenizer_from_json` reads it. Five fields are JSON strings
    /// holding JSON, as Keras writes them. The tokenizer settings say "no filters, no
    /// lower-casing, split on spaces": our tokens are already clean, so Keras encodes
    /// space-joined tokens exactly as we do. `word_counts` is written in first-seen order, as
    /// Keras writes its OrderedDict, and read back in that order.
    public func kerasJSON() throws -> Data {
        /// One of the maps Keras stores as JSON text inside a string.
        @Sendable func embedded(_ count: Int, _ member: (Int, inout JSONWriter) -> Void) -> [UInt8] {
            var inner = JSONWriter(spaced: true)
            inner.object { json in for k in 0..<count { member(k, &json) } }
            return inner.bytes
        }
        // The five maps on all cores: hundreds of thousands of words each (n-gram vocabularies).
        var maps = [[UInt8]](repeating: [], count: 5)
        maps.withUnsafeMutableBufferPointer { maps in
            let out = SharedPointer(base: maps.baseAddress!)
            Parallel.forEach(5) { map in
                switch map {
                case 0: out.base[0] = embedded(words.count) { k, json in json.key(words[k]); json.integer(counts[k]) }
                case 1: out.base[1] = embedded(words.count) { k, json in json.key(words[k]); json.integer(documentCounts[k]) }
                case 2:
                    let index = indexOfWords()
                    out.base[2] = embedded(words.count) { k, json in json.key(String(index[k])); json.integer(documentCounts[k]) }
                case 3: out.base[3] = embedded(indexWord.count - 1) { k, json in json.key(String(k + 1)); json.string(indexWord[k + 1]) }
                default:
                    out.base[4] = embedded(indexWord.count - 1) { k, json in
                        // Indices are 1...n, one word each; only an OOV token that also occurs in
                        // the texts has another index than its place (see fit).
                        let word = indexWord[k + 1]
                        json.key(word); json.integer(word == oovToken ? wordIndex[word]! : k + 1)
                    }
                }
            }
        }
        let (wordCounts, wordDocs, indexDocs, indexWords, wordIndexes) = (maps[0], maps[1], maps[2], maps[3], maps[4])
        // Keys sorted, as Keras's json.dumps(sort_keys) and JSONSerialization(.sortedKeys) write them.
        var json = JSONWriter()
        json.object { json in
            json.key("class_name"); json.string("Tokenizer")
            json.key("config")
            json.object { json in
                json.key("char_level"); json.bool(false)
                json.key("document_count"); json.integer(documentCount)
                json.key("filters"); json.string("")
                json.key("index_docs"); json.string(utf8: indexDocs)
                json.key("index_word"); json.string(utf8: indexWords)
                json.key("lower"); json.bool(false)
                json.key("num_words"); if let numWords { json.integer(numWords) } else { json.null() }
                json.key("oov_token"); if let oovToken { json.string(oovToken) } else { json.null() }
                json.key("split"); json.string(" ")
                json.key("word_counts"); json.string(utf8: wordCounts)
                json.key("word_docs"); json.string(utf8: wordDocs)
                json.key("word_index"); json.string(utf8: wordIndexes)
            }
        }
        return Data(json.bytes)
    }

    /// Each of ``words``' index, without hashing a word (a vocabulary of n-grams holds hundreds of
    /// thousands): the ranking ``rebuildIndex()`` gives, checked word by word against
    /// ``indexWord`` (the same strings, so compared by their storage); a word where it does not
    /// hold (a vocabulary read from a file may rank otherwise) is looked up.
    private func indexOfWords() -> [Int] {
        let counts = counts, shift = oovToken == nil ? 1 : 2
        let ranked = words.indices.sorted { a, b in counts[a] != counts[b] ? counts[a] > counts[b] : a < b }
        var index = [Int](repeating: 0, count: words.count)
        for (rank, k) in ranked.enumerated() { index[k] = rank + shift }
        for k in words.indices {
            let i = index[k]
            if i >= indexWord.count || indexWord[i] != words[k] || words[k] == oovToken { index[k] = wordIndex[words[k]]! }
        }
        return index
    }

    /// Reads a vocabulary written by ``kerasJSON()`` or by Keras's `Tokenizer.to_json()`.
    /// - Parameters:
    ///   - data: the JSON's bytes.
    ///   - source: names the data in error messages (a file path).
    public init(kerasJSON data: Data, source: String = "vocabulary") throws {
        func fail(_ reason: String) -> TextClassificationError {
            .invalidModel(path: source, reason: reason)
        }
        let root: JSONValue
        do { root = try JSONValue.parse(data) } catch let error as JSONValue.SyntaxError {
            throw fail("not valid JSON (\(error.reason) at byte \(error.offset))")
        }
        guard root["class_name"]?.string == "Tokenizer", let config = root["config"], config.members != nil else {
            throw fail("not a Keras Tokenizer JSON (no class_name \"Tokenizer\" with a config)")
        }
        /// One of the objects Keras stores as JSON text inside a string, as ordered pairs.
        func embedded(_ key: String) throws -> [(key: String, value: Int)] {
            guard let text = config[key]?.string, let members = (try? JSONValue.parse(text.utf8))?.members else {
                throw fail("config.\(key) is missing or not a JSON object in a string")
            }
            return try members.map { member in
                guard let count = member.value.int else { throw fail("config.\(key)[\"\(member.key)\"] is not an integer") }
                return (member.key, count)
            }
        }
        let counts = try embedded("word_counts")
        let docs = (try? embedded("word_docs")) ?? []
        let index = try embedded("word_index")

        self.init(numWords: config["num_words"]?.int, oovToken: config["oov_token"]?.string)
        documentCount = config["document_count"]?.int ?? 0
        /// Later duplicates win, as in Python's json.loads; sized up front (tens of thousands of words).
        func dictionary(_ pairs: [(key: String, value: Int)]) -> [String: Int] {
            var result = [String: Int](minimumCapacity: pairs.count)
            for (key, value) in pairs { result[key] = value }
            return result
        }
        wordIndex = dictionary(index)
        // index → word, checking that the indices are exactly 1...n.
        var byIndex = [String?](repeating: nil, count: wordIndex.count + 1)
        for (word, k) in wordIndex {
            guard k >= 1 && k <= wordIndex.count else { throw fail("word_index has index \(k) outside 1...\(wordIndex.count)") }
            if byIndex[k] == nil || word == oovToken { byIndex[k] = word }
        }
        // An OOV token that also occurs in the texts leaves a gap at index 1 (see fit).
        if let oovToken, byIndex.count > 1, byIndex[1] == nil { byIndex[1] = oovToken }
        guard byIndex.dropFirst().allSatisfy({ $0 != nil }) else { throw fail("word_index skips indices") }
        indexWord = [""] + byIndex.dropFirst().map { $0! }
        // word_counts keeps first-seen order in its text (Keras writes an OrderedDict).
        words = counts.map(\.key)
        self.counts = counts.map(\.value)
        // textclf writes word_docs in word_counts' order; Keras in another.
        if docs.count == counts.count && zip(docs, counts).allSatisfy({ $0.key == $1.key }) {
            documentCounts = docs.map(\.value)
        } else {
            let documents = dictionary(docs)
            documentCounts = words.map { documents[$0] ?? 0 }
        }
    }
}
