import Foundation

/// New-word discovery on a corpus, the standard unsupervised method: candidate words are runs
/// of 2–4 adjacent ideographic ICU tokens, kept when they are frequent, cohesive (their parts
/// occur together far more often than chance: pointwise mutual information) and free (many
/// different characters occur to their left and to their right: entropy). What it finds is a
/// user dictionary (``UserDictionary``) for the shop or domain vocabulary ICU splits.
///
/// ```swift
/// let words = WordDiscovery(tokenizer: try ICUTokenizer()).discover(in: reviews)
/// words.prefix(3).map(\.word)    // e.g. ["性价比", "好评", …]
/// ```
public struct WordDiscovery: Sendable {
    /// A word found, with the figures that kept it.
    public struct Candidate: Equatable, Sendable {
        /// The tokens joined.
        public var word: String
        /// Times the run of tokens occurs.
        public var count: Int
        /// The smallest pointwise mutual information over the ways to cut the word in two:
        /// log(p(word) / (p(left) · p(right))), natural log.
        public var cohesion: Double
        /// The smaller of the entropies of the characters to the word's left and to its right
        /// (a text boundary counts as one more character), natural log.
        public var freedom: Double
        /// How candidates are ranked: cohesion × freedom × log(count).
        public var score: Double { cohesion * freedom * Foundation.log(Double(count)) }
    }

    /// Cuts the texts into the pieces candidates are made of.
    public var tokenizer: ICUTokenizer
    /// Applied to each text before it is cut.
    public var normalizer: TextNormalizer
    /// Candidates seen fewer times are not considered.
    public var minimumCount = 5
    /// Kept candidates need at least this cohesion and this freedom.
    public var minimumCohesion = 3.0
    /// See ``minimumCohesion``.
    public var minimumFreedom = 1.5
    /// Tokens a candidate joins at most.
    public var maximumPieces = 4

    /// Discovery over `tokenizer`'s words, with the default thresholds.
    public init(tokenizer: ICUTokenizer, normalizer: TextNormalizer = TextNormalizer()) {
        self.tokenizer = tokenizer
        self.normalizer = normalizer
    }

    /// A run of up to four token ids.
    private struct Gram: Hashable {
        var ids: (Int32, Int32, Int32, Int32) = (-1, -1, -1, -1)
        var count: Int
        static func == (a: Gram, b: Gram) -> Bool {
            a.count == b.count && a.ids.0 == b.ids.0 && a.ids.1 == b.ids.1 && a.ids.2 == b.ids.2 && a.ids.3 == b.ids.3
        }
        func hash(into h: inout Hasher) {
            h.combine(ids.0); h.combine(ids.1); h.combine(ids.2); h.combine(ids.3)
        }
        init(_ slice: ArraySlice<Int32>) {
            count = slice.count
            let values = Array(slice) + [-1, -1, -1]
            ids = (values[0], values[1], values[2], values[3])
        }
        subscript(range: Range<Int>) -> Gram {
            let all = [ids.0, ids.1, ids.2, ids.3]
            return Gram(all[range])
        }
    }

    /// The kept candidates, best first.
    public func discover(in texts: [String]) -> [Candidate] {
        // Token ids, and per text its runs of adjacent ideographic tokens with their byte ranges.
        var ids: [String: Int32] = [:], names: [String] = []
        var runs: [(text: Int, ids: [Int32], starts: [Int], ends: [Int])] = []
        var counts: [Gram: Int] = [:]
        var total = 0
        let normalized = texts.map(normalizer.callAsFunction)
        for (t, text) in normalized.enumerated() {
            var run: (ids: [Int32], starts: [Int], ends: [Int]) = ([], [], [])
            func close() {
                if run.ids.count >= 2 { runs.append((t, run.ids, run.starts, run.ends)) }
                run = ([], [], [])
            }
            for segment in tokenizer.segments(in: text) {
                total += 1
                let id: Int32
                if let known = ids[segment.token] { id = known } else {
                    id = Int32(names.count)
                    ids[segment.token] = id
                    names.append(segment.token)
                }
                counts[Gram([id][...]), default: 0] += 1
                guard segment.ideographic, run.ends.last.map({ $0 == segment.start }) ?? true else {
                    close()
                    if segment.ideographic {
                        run = ([id], [segment.start], [segment.end])
                    }
                    continue
                }
                run.ids.append(id)
                run.starts.append(segment.start)
                run.ends.append(segment.end)
            }
            close()
        }
        // Every run of 2…maximumPieces tokens, counted.
        for run in runs {
            for i in run.ids.indices {
                for n in 2...maximumPieces where i + n <= run.ids.count {
                    counts[Gram(run.ids[i ..< i + n]), default: 0] += 1
                }
            }
        }
        let frequent = Set(counts.filter { $0.key.count >= 2 && $0.value >= minimumCount }.keys)
        guard !frequent.isEmpty, total > 0 else { return [] }
        // The characters around each frequent candidate.
        var left: [Gram: [UInt32: Int]] = [:], right: [Gram: [UInt32: Int]] = [:]
        for run in runs {
            var text = normalized[run.text]
            text.withUTF8 { bytes in
                for i in run.ids.indices {
                    for n in 2...maximumPieces where i + n <= run.ids.count {
                        let gram = Gram(run.ids[i ..< i + n])
                        guard frequent.contains(gram) else { continue }
                        left[gram, default: [:]][Self.scalar(before: run.starts[i], in: bytes), default: 0] += 1
                        right[gram, default: [:]][Self.scalar(at: run.ends[i + n - 1], in: bytes), default: 0] += 1
                    }
                }
            }
        }
        func entropy(_ histogram: [UInt32: Int]) -> Double {
            let n = Double(histogram.values.reduce(0, +))
            return histogram.values.reduce(0.0) { $0 - Double($1) / n * Foundation.log(Double($1) / n) }
        }
        let n = Double(total)
        var kept: [Candidate] = []
        for gram in frequent {
            let count = counts[gram]!
            let cohesion = (1..<gram.count).map { cut -> Double in
                let l = Double(counts[gram[0..<cut]] ?? 1), r = Double(counts[gram[cut..<gram.count]] ?? 1)
                return Foundation.log(Double(count) * n / (l * r))
            }.min() ?? 0
            let freedom = min(entropy(left[gram] ?? [:]), entropy(right[gram] ?? [:]))
            guard cohesion >= minimumCohesion, freedom >= minimumFreedom else { continue }
            let word = [gram.ids.0, gram.ids.1, gram.ids.2, gram.ids.3].prefix(gram.count).map { names[Int($0)] }.joined()
            kept.append(Candidate(word: word, count: count, cohesion: cohesion, freedom: freedom))
        }
        return kept.sorted { $0.score != $1.score ? $0.score > $1.score : $0.word < $1.word }
    }

    /// The scalar that ends just before byte `offset` (a boundary marker at the start).
    private static func scalar(before offset: Int, in bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
        guard offset > 0 else { return 0x2402 }  // ␂, start of text
        var start = offset - 1
        while start > 0 && bytes[start] & 0xC0 == 0x80 { start -= 1 }
        return scalar(at: start, in: bytes)
    }

    /// The scalar that starts at byte `offset` (a boundary marker at the end).
    private static func scalar(at offset: Int, in bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
        guard offset < bytes.count else { return 0x2403 }  // ␃, end of text
        let b0 = bytes[offset]
        guard b0 >= 0x80 else { return UInt32(b0) }
        let length = b0 < 0xE0 ? 2 : b0 < 0xF0 ? 3 : 4
        var value = UInt32(b0) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
        for k in 1..<length where offset + k < bytes.count { value = value << 6 | UInt32(bytes[offset + k] & 0x3F) }
        return value
    }
}
