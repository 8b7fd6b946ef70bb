/// Hashed rows for n-grams, as fastText's `-bucket`: the words keep their vocabulary indices,
/// and every n-gram (word pair, character, run of characters) takes row
/// `wordRows + FNV-1a(UTF-8) mod count`, with no dictionary. Memory then stays bounded
/// whatever the corpus (a million headlines hold millions of distinct n-grams), at the price
/// of collisions: n-grams in one bucket share a vector (with n distinct n-grams in b buckets,
/// a fraction of about 1 − e^(−n/b) of them shares its bucket; docs/training-at-scale.md gives
/// what that costs in accuracy).
///
/// ```swift
/// let buckets = NGramBuckets(count: 1 << 20)
/// buckets.bucket(of: "文本+分")    // the same number on every machine and run
/// ```
public struct NGramBuckets: Equatable, Sendable {
    /// How many rows the n-grams share.
    public let count: Int

    /// `count` shared rows for the n-grams.
    public init(count: Int) {
        self.count = count
    }

    /// The bucket of `token`: 64-bit FNV-1a over its UTF-8 bytes, modulo ``count``.
    public func bucket(of token: String) -> Int {
        var token = token
        return token.withUTF8 { bytes in
            var hash: UInt64 = 0xCBF2_9CE4_8422_2325
            for byte in bytes {
                hash ^= UInt64(byte)
                hash &*= 0x0000_0100_0000_01B3
            }
            return Int(hash % UInt64(count))
        }
    }
}
