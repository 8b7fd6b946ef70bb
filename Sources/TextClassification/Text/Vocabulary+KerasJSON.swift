import Foundation

extension Vocabulary {
    /// The vocabulary in the JSON layout of Keras's `Tokenizer.to_json()`, so that
    /// `keras.preprocessing.text.tokenizer_from_json` reads it. Five fields are JSON strings
    /// holding JSON, as Keras writes them. The tokenizer settings say "no filters, no
    /// lower-casing, split on spaces": our tokens are already clean, so Keras encodes
    /// space-joined tokens exactly as we do. One extra top-level key, `word_order`, keeps the
    /// first-seen order that JSON objects cannot carry reliably (Keras ignores it).
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
        let root: [String: Any] = ["class_name": "Tokenizer", "config": config, "word_order": words]
        return try JSONSerialization.data(withJSONObject: root, options: [.sortedKeys, .withoutEscapingSlashes])
    }

    /// Reads a vocabulary written by ``kerasJSON()`` or by Keras's `Tokenizer.to_json()`.
    /// - Parameter source: names the data in error messages (a file path).
    public init(kerasJSON data: Data, source: String = "vocabulary") throws {
        func fail(_ reason: String) -> TextClassificationError {
            .invalidModel(path: source, reason: reason)
        }
        guard let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw fail("not valid JSON")
        }
        guard root["class_name"] as? String == "Tokenizer", let config = root["config"] as? [String: Any] else {
            throw fail("not a Keras Tokenizer JSON (no class_name \"Tokenizer\" with a config)")
        }
        func embedded<T>(_ key: String, as type: T.Type) throws -> T {
            guard let text = config[key] as? String,
                  let value = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? T else {
                throw fail("config.\(key) is missing or not a JSON object in a string")
            }
            return value
        }
        let counts = try embedded("word_counts", as: [String: Int].self)
        let docs = (try? embedded("word_docs", as: [String: Int].self)) ?? [:]
        let index = try embedded("word_index", as: [String: Int].self)

        self.init(numWords: config["num_words"] as? Int, oovToken: config["oov_token"] as? String)
        documentCount = config["document_count"] as? Int ?? 0
        wordCounts = counts
        wordDocumentCounts = docs
        wordIndex = index
        // index → word, checking that the indices are exactly 1...n.
        var byIndex = [String?](repeating: nil, count: index.count + 1)
        for (word, k) in index {
            guard k >= 1 && k <= index.count else { throw fail("word_index has index \(k) outside 1...\(index.count)") }
            if byIndex[k] == nil || word == oovToken { byIndex[k] = word }
        }
        // An OOV token that also occurs in the texts leaves a gap at index 1 (see fit).
        if let oovToken, byIndex.count > 1, byIndex[1] == nil { byIndex[1] = oovToken }
        guard byIndex.dropFirst().allSatisfy({ $0 != nil }) else { throw fail("word_index skips indices") }
        indexWord = [""] + byIndex.dropFirst().map { $0! }
        if let order = root["word_order"] as? [String], Set(order) == Set(counts.keys) {
            words = order
        } else {
            // A file written by Keras: the index order is the best order we have.
            words = indexWord.dropFirst().filter { counts[$0] != nil }
        }
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
