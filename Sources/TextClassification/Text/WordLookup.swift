#if canImport(Glibc)
import Glibc
#endif

/// Token → index by the token's UTF-8 bytes: ``Vocabulary/encode(_:)``'s answers, faster.
/// A `[String: Int]` lookup hashes and compares under Unicode canonical equivalence (each
/// non-ASCII token normalised on every lookup) and, storing no hashes, compares the key at
/// every occupied slot it probes, which a token outside the vocabulary (most n-grams of a
/// `numWords` model) does several times: a third of `textclf predict`'s time with n-gram
/// tokens. This table keeps each slot's hash, index and the place of its bytes together in 16
/// bytes (one cache line holds four slots), at most half full, so a probe compares bytes only
/// when the hashes agree.
///
/// Bytes are what Keras's Python dict compares too; the tokens reaching it are normalised
/// (NFKC) first unless the configuration says `.none`, and then two spellings of one
/// character are two words, as in Keras.
// Unchecked: the pointers are into storage it keeps alive and never writes after init.
struct WordLookup: @unchecked Sendable {
    /// 16 bytes, the same in memory and in a saved table (``WordLookup/table()``).
    struct Slot {
        /// The word's hash's high half (0: an empty slot; its low half picks the slot).
        var tag: UInt32 = 0
        var index: Int32 = 0
        /// Where its bytes are in `bytes`.
        var start: UInt32 = 0
        var length: UInt32 = 0
    }

    /// The slots and the words' bytes: arrays of this table's own, or a saved table's pages
    /// read in place (``init(mapping:)``).
    private let slots: UnsafePointer<Slot>
    private let bytes: UnsafePointer<UInt8>
    private let storage: any Sendable & AnyObject
    private let mask: Int
    /// The index unknown words encode to, if any.
    var oov: Int32?

    /// Arrays a table built in memory keeps its slots and bytes in.
    private final class Arrays: @unchecked Sendable {
        let slots: UnsafeMutableBufferPointer<Slot>
        let bytes: UnsafeMutableBufferPointer<UInt8>

        init(slots: [Slot], bytes: [UInt8]) {
            self.slots = .allocate(capacity: slots.count)
            _ = self.slots.initialize(from: slots)
            self.bytes = .allocate(capacity: max(1, bytes.count))
            _ = self.bytes.initialize(from: bytes)
        }

        deinit {
            slots.deallocate()
            bytes.deallocate()
        }
    }

    /// The words `vocabulary` encodes (those within `numWords`).
    init(_ vocabulary: Vocabulary) {
        var bytes: [UInt8] = []
        let slots = Self.slots(for: vocabulary) { utf8, _ in
            defer { bytes.append(contentsOf: utf8) }
            return UInt32(bytes.count)
        }
        let arrays = Arrays(slots: slots, bytes: bytes)
        self.init(slots: UnsafePointer(arrays.slots.baseAddress!), bytes: UnsafePointer(arrays.bytes.baseAddress!),
                  slotCount: slots.count, oov: vocabulary.oovIndex.map { Int32($0) }, storage: arrays)
    }

    /// The open-addressing slots of the words `vocabulary` encodes, at most half full;
    /// `place(word, index)` says where the word's bytes are (and may put them there).
    static func slots(for vocabulary: Vocabulary, placing place: (UnsafeBufferPointer<UInt8>, Int) -> UInt32) -> [Slot] {
        let limit = (vocabulary.numWords ?? 0) > 0 ? vocabulary.numWords! : Int.max
        let kept = vocabulary.wordIndex.filter { $0.value < limit }
        var capacity = 16
        while capacity < kept.count * 2 { capacity *= 2 }
        var slots = [Slot](repeating: Slot(), count: capacity)
        for (word, index) in kept {
            var word = word
            word.withUTF8 { utf8 in
                let hash = Self.hash(utf8)
                var k = Int(truncatingIfNeeded: hash) & (capacity - 1)
                while slots[k].tag != 0 { k = (k + 1) & (capacity - 1) }
                slots[k] = Slot(tag: Self.tag(hash), index: Int32(index), start: place(utf8, index), length: UInt32(utf8.count))
            }
        }
        return slots
    }

    /// A table over `slotCount` slots (a power of two, at least one empty) and their words'
    /// bytes, kept alive by `storage`.
    init(slots: UnsafePointer<Slot>, bytes: UnsafePointer<UInt8>, slotCount: Int, oov: Int32?, storage: any Sendable & AnyObject) {
        self.slots = slots
        self.bytes = bytes
        self.storage = storage
        mask = slotCount - 1
        self.oov = oov
    }

    /// FNV-1a over the bytes, then mixed: its low bits pick the slot, its high half is the tag.
    @inline(__always)
    static func hash(_ utf8: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
        h ^= h >> 32
        h = h &* 0xd6e8_feb8_6659_fd93
        return h ^ (h >> 29)
    }

    @inline(__always)
    static func tag(_ hash: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: hash >> 32) | 1 }

    /// The index of the word with these bytes, if it is one.
    func index(of utf8: UnsafeBufferPointer<UInt8>) -> Int32? {
        let hash = Self.hash(utf8), tag = Self.tag(hash)
        var k = Int(truncatingIfNeeded: hash) & mask
        while slots[k].tag != 0 {
            let slot = slots[k]
            if slot.tag == tag && Int(slot.length) == utf8.count
                && (utf8.isEmpty || memcmp(bytes + Int(slot.start), utf8.baseAddress!, utf8.count) == 0) {
                return slot.index
            }
            k = (k + 1) & mask
        }
        return nil
    }

    /// The indices of `tokens`: unknown ones dropped, or the OOV index (as ``Vocabulary/encode(_:)``).
    func encode<Tokens: Sequence>(_ tokens: Tokens) -> [Int32] where Tokens.Element == String {
        var sequence: [Int32] = []
        sequence.reserveCapacity(tokens.underestimatedCount)
        for var token in tokens {
            if let k = token.withUTF8({ index(of: $0) }) ?? oov { sequence.append(k) }
        }
        return sequence
    }

    /// The indices of `tokens`, unknown ones given by `unknown` (their hashed rows).
    func encode<Tokens: Sequence>(_ tokens: Tokens, unknown: (String) -> Int32) -> [Int32] where Tokens.Element == String {
        var sequence: [Int32] = []
        sequence.reserveCapacity(tokens.underestimatedCount)
        for var token in tokens { sequence.append(token.withUTF8({ index(of: $0) }) ?? unknown(token)) }
        return sequence
    }
}
