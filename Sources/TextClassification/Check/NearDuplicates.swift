/// Texts that are almost the same: the Jaccard similarity of their sets of character bigrams,
/// found without comparing every pair by MinHash signatures (64 hashes) and locality-sensitive
/// hashing (16 bands of 4): a pair at similarity 0.8 shares a band with probability 0.9997,
/// at 0.5 with 0.64, and every pair found is measured exactly before it is kept.
///
/// ```swift
/// let pairs = NearDuplicates(texts: ["今天股市大涨，银行股领涨", "今天股市大涨 银行股领涨！", "球队夺冠"]).pairs(atLeast: 0.7)
/// pairs   // [(0, 1, 0.77)]
/// ```
public struct NearDuplicates: Sendable {
    /// One pair of texts by index (`first < second`) and their similarity.
    public struct Pair: Equatable, Sendable {
        /// The index of the earlier text.
        public var first: Int
        /// The index of the later text.
        public var second: Int
        /// The Jaccard similarity of the two texts' character bigrams, from 0 to 1.
        public var similarity: Double
    }

    static let hashes = 64, bands = 16
    /// Rows of a band bucket beyond which its pairs are not enumerated (they would be
    /// quadratic in number): such a crowd of texts is boilerplate, counted in ``skippedTexts``.
    static let largestBucket = 1_000

    /// Each text's sorted distinct bigram hashes.
    private let shingles: [[UInt64]]
    private let signatures: [[UInt64]]
    /// Texts in buckets too large to enumerate.
    public private(set) var skippedTexts = 0

    /// Signs the texts, ready for ``pairs(atLeast:across:)``.
    public init(texts: [String]) {
        shingles = texts.map(Self.shingles)
        signatures = shingles.map(Self.signature)
    }

    /// The character bigrams of a text (the text itself when shorter), hashed, sorted, distinct.
    static func shingles(_ text: String) -> [UInt64] {
        let scalars = Array(text.unicodeScalars).filter { !$0.properties.isWhitespace }
        guard scalars.count >= 2 else { return scalars.isEmpty ? [] : [mix(UInt64(scalars[0].value))] }
        var out = (0..<scalars.count - 1).map { mix(UInt64(scalars[$0].value) << 32 | UInt64(scalars[$0 + 1].value)) }
        out.sort()
        var distinct: [UInt64] = []
        distinct.reserveCapacity(out.count)
        for value in out where value != distinct.last { distinct.append(value) }
        return distinct
    }

    static func signature(_ shingles: [UInt64]) -> [UInt64] {
        (0..<UInt64(hashes)).map { k in
            shingles.reduce(UInt64.max) { min($0, mix($1 ^ (k &* 0x9E37_79B9_7F4A_7C15))) }
        }
    }

    /// SplitMix64's finaliser: a fixed, well-mixed hash (Swift's `Hasher` is seeded per run).
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Jaccard similarity of two sorted distinct arrays.
    static func jaccard(_ a: [UInt64], _ b: [UInt64]) -> Double {
        guard !a.isEmpty || !b.isEmpty else { return 1 }
        var i = 0, j = 0, common = 0
        while i < a.count && j < b.count {
            if a[i] == b[j] { common += 1; i += 1; j += 1 } else if a[i] < b[j] { i += 1 } else { j += 1 }
        }
        return Double(common) / Double(a.count + b.count - common)
    }

    /// Every pair at or above `threshold`, ordered by `first`, then `second`; with `across`,
    /// only pairs with one text below that index and one at or above it (two files joined).
    public mutating func pairs(atLeast threshold: Double, across boundary: Int? = nil) -> [Pair] {
        let rows = Self.hashes / Self.bands
        var candidates = Set<UInt64>()
        var skipped = Set<Int>()
        for band in 0..<Self.bands {
            var buckets: [UInt64: [Int]] = [:]
            for (t, signature) in signatures.enumerated() where !shingles[t].isEmpty {
                var key = UInt64(band)
                for r in 0..<rows { key = Self.mix(key ^ signature[band * rows + r]) }
                buckets[key, default: []].append(t)
            }
            for members in buckets.values where members.count > 1 {
                guard members.count <= Self.largestBucket else { skipped.formUnion(members); continue }
                for a in 0..<members.count - 1 {
                    for b in a + 1..<members.count {
                        let (i, j) = (members[a], members[b])
                        if let boundary, (i < boundary) == (j < boundary) { continue }
                        candidates.insert(UInt64(i) << 32 | UInt64(j))
                    }
                }
            }
        }
        skippedTexts = skipped.count
        return candidates.sorted().compactMap { key in
            let (i, j) = (Int(key >> 32), Int(key & 0xFFFF_FFFF))
            let similarity = Self.jaccard(shingles[i], shingles[j])
            return similarity >= threshold ? Pair(first: i, second: j, similarity: similarity) : nil
        }
    }
}
