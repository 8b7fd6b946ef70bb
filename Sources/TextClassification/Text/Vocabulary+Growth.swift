/// Growing a fitted vocabulary without moving its words: what a continued fit does with
/// words it has not seen (Keras's `fit_on_texts` would re-rank every word, and so every
/// embedding row, by the new counts).
extension Vocabulary {
    /// Appends the words of `documents` the vocabulary lacks, most frequent first (then first
    /// seen), at most `limit` of them, after the last index; the words it has keep their
    /// indices. Counts are added for all. Returns how many words were added.
    @discardableResult
    mutating func appendNewWords<Documents: Sequence>(of documents: Documents, limit: Int) -> Int
    where Documents.Element: Sequence, Documents.Element.Element == String {
        var known = [String: Int](minimumCapacity: words.count)
        for (k, word) in words.enumerated() { known[word] = k }
        var newWords: [String] = [], newCounts: [Int] = [], newDocuments: [Int] = []
        var newPosition: [String: Int] = [:]
        for document in documents {
            documentCount += 1
            var seen = Set<String>()
            for word in document {
                let first = seen.insert(word).inserted
                if let k = known[word] {
                    counts[k] += 1
                    if first { documentCounts[k] += 1 }
                } else if let k = newPosition[word] {
                    newCounts[k] += 1
                    if first { newDocuments[k] += 1 }
                } else {
                    newPosition[word] = newWords.count
                    newWords.append(word)
                    newCounts.append(1)
                    newDocuments.append(1)
                }
            }
        }
        let ranked = newWords.indices.sorted { newCounts[$0] != newCounts[$1] ? newCounts[$0] > newCounts[$1] : $0 < $1 }
            .prefix(max(0, limit))
        for k in ranked {
            words.append(newWords[k])
            counts.append(newCounts[k])
            documentCounts.append(newDocuments[k])
            wordIndex[newWords[k]] = indexWord.count
            indexWord.append(newWords[k])
        }
        return ranked.count
    }
}
