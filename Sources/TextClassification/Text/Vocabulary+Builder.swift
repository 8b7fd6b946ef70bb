extension Vocabulary {
    /// Fits a vocabulary document by document, as ``Vocabulary/fit(_:)`` does, without holding
    /// the documents: each token is counted and its position among the words seen so far
    /// (first-seen order) handed back, so a caller can keep small integers instead of strings
    /// and turn them into indices once the ranking is known (``finish()``).
    ///
    /// ```swift
    /// var builder = Vocabulary.Builder(Vocabulary(numWords: 1000))
    /// var positions: [Int32] = []
    /// builder.add(["这", "是", "文本"], positions: &positions)   // positions [0, 1, 2]
    /// builder.add(["文本"], positions: &positions)               // … 2
    /// let (vocabulary, index) = builder.finish()                // index[2] == 1: 文本 ranks first
    /// ```
    public struct Builder {
        private var vocabulary: Vocabulary
        /// One lookup per token, by its bytes: counts live in arrays by first-seen position
        /// (n-gram models see millions of tokens).
        private var positions: TokenPositions
        /// The document that last counted each word (documents are numbered from 1).
        private var lastDocument: [Int]

        /// Goes on counting into `vocabulary` (empty for a fresh fit).
        public init(_ vocabulary: Vocabulary) {
            self.vocabulary = vocabulary
            positions = TokenPositions(minimumCapacity: vocabulary.words.count)
            for var word in vocabulary.words { _ = positions.position(of: &word) }
            lastDocument = [Int](repeating: 0, count: vocabulary.words.count)
        }

        /// Counts one document; appends each token's first-seen position to `positions`.
        public mutating func add<Document: Sequence>(_ document: Document, positions: inout [Int32])
        where Document.Element == String {
            add(document) { positions.append(Int32($0)) }
        }

        /// Counts one document.
        public mutating func add<Document: Sequence>(_ document: Document) where Document.Element == String {
            add(document) { _ in }
        }

        private mutating func add<Document: Sequence>(_ document: Document, each: (Int) -> Void)
        where Document.Element == String {
            vocabulary.documentCount += 1
            let documentNumber = vocabulary.documentCount
            for var word in document {
                let (k, isNew) = positions.position(of: &word)
                if !isNew {
                    vocabulary.counts[k] += 1
                } else {
                    vocabulary.words.append(word)
                    vocabulary.counts.append(1)
                    vocabulary.documentCounts.append(0)
                    lastDocument.append(0)
                }
                if lastDocument[k] != documentNumber {
                    lastDocument[k] = documentNumber
                    vocabulary.documentCounts[k] += 1
                }
                each(k)
            }
        }

        /// The distinct words counted so far.
        public var distinctCount: Int { vocabulary.words.count }

        /// Forgets the words counted fewer than `threshold` times, as fastText's dictionary
        /// does when it grows too large: memory then stays bounded whatever the corpus, and a
        /// word forgotten and seen again counts from there (first seen anew). Positions handed
        /// back before are no longer valid. Deterministic: the same documents prune alike.
        public mutating func prune(below threshold: Int) {
            let kept = vocabulary.counts.indices.filter { vocabulary.counts[$0] >= threshold }
            vocabulary.words = kept.map { vocabulary.words[$0] }
            vocabulary.counts = kept.map { vocabulary.counts[$0] }
            vocabulary.documentCounts = kept.map { vocabulary.documentCounts[$0] }
            lastDocument = kept.map { lastDocument[$0] }
            positions.keep(kept)
        }

        /// Prunes the rarest words (counts below 2, then 3, …) until at most three quarters of
        /// `limit` are left, once more than `limit` were counted; returns the threshold it
        /// reached, or `nil` when nothing was pruned.
        @discardableResult
        public mutating func bound(to limit: Int) -> Int? {
            guard distinctCount > limit else { return nil }
            var threshold = 1
            while distinctCount > limit * 3 / 4 {
                threshold += 1
                prune(below: threshold)
            }
            return threshold
        }

        /// The fitted vocabulary, and each first-seen position's index in it (before `numWords`
        /// cuts: compare with ``Vocabulary/numWords`` as ``Vocabulary/encode(_:)`` does).
        public func finish() -> (vocabulary: Vocabulary, index: [Int32]) {
            var fitted = vocabulary
            let ranked = fitted.rebuildIndex()
            // Index 1 is the OOV token's when there is one.
            let first = fitted.oovToken == nil ? 1 : 2
            var index = [Int32](repeating: 0, count: ranked.count)
            for (rank, position) in ranked.enumerated() { index[position] = Int32(rank + first) }
            return (fitted, index)
        }
    }
}
