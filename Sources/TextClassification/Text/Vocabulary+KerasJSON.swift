import Foundation

extension Vocabulary {
    /// The vocabulary in the JSON layout of Keras's `Tokenizer.to_json()`, so that
    /// `keras.preprocessing.text.tokenizer_from_json` reads it. Five fields are JSON strings
    /// holding JSON, as Keras writes them. The tokenizer settings say "no filters, no
    /// lower-casing, split on spaces": our tokens are already clean, so Keras encodes
    /// space-joined tokens exactly as we do. `word_counts` is written in first-seen order, as
    /// Keras writes its OrderedDict, and read back in that order.
    public func kerasJSON() throws -> Data {
        func object(_ pairs: [(String, Int)]) throws -> String {
            let body = try pairs.map { "\(try quoted($0.0)): \($0.1)" }.joined(separator: ", ")
            return "{\(body)}"
        }
        func quoted(_ string: String) throws -> String {
            String(decoding: try JSONEncoder.plain.encode(string), as: UTF8.self)
        }
        let indexDocsBody = try words.map { (String(wordIndex[$0]!), wordDocumentCounts[$0] ?? 0) }
            .map { "\(try quoted($0.0)): \($0.1)" }.joined(separator: ", ")
        let indexWordBody = try indexWord.enumerated().dropFirst()
            .map { "\(try quoted(String($0.offset))): \(try quoted($0.element))" }
            .joined(separator: ", ")
        let config: [String: Any] = [
            "num_words": numWords.map { $0 as Any } ?? NSNull(),
            "filters": "",
            "lower": false,
            "split": " ",
            "char_level": false,
            "oov_token": oovToken.map { $0 as Any } ?? NSNull(),
            "document_count": documentCount,
            "word_counts": try object(words.map { ($0, wordCounts[$0]!) }),
            "word_docs": try object(words.map { ($0, wordDocumentCounts[$0] ?? 0) }),
            "index_docs": "{\(indexDocsBody)}",
            "index_word": "{\(indexWordBody)}",
            "word_index": try object(indexWord.dropFirst().map { ($0, wordIndex[$0]!) }),
        ]
        let root: [String: Any] = ["class_name": "Tokenizer", "config": config]
        return try JSONSerialization.data(withJSONObject: root, options: [.sortedKeys, .withoutEscapingSlashes])
    }

    /// Reads a vocabulary written by ``kerasJSON()`` or by Keras's `Tokenizer.to_json()`.
    /// - Parameter source: names the data in error messages (a file path).
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
        wordCounts = dictionary(counts)
        wordDocumentCounts = dictionary(docs)
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
    }
}

extension JSONEncoder {
    /// Compact JSON, slashes unescaped, keys sorted: the same bytes for the same value.
    static var plain: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
