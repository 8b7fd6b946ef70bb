#if canImport(Glibc)
import Glibc
#endif

/// Token → first-seen position by the token's UTF-8 bytes, growing as tokens come: what
/// ``Vocabulary/Builder`` counts with. A `[String: Int]` normalises every non-ASCII key under
/// Unicode canonical equivalence to hash and compare it; counting ten million headlines' words
/// and n-grams that way took most of a streamed fit's vocabulary pass. Same layout and hash as
/// ``WordLookup`` (a tag, a position and the place of the bytes in one slot, at most half full),
/// with the bytes kept in an arena of its own. Bytes are what Keras's Python dict compares.
// Positions are Int32 and byte offsets UInt32 (WordLookup's slots): 2^31 distinct tokens or
// 4 GiB of their bytes, far past any count (a streamed fit bounds its count at a few million).
struct TokenPositions {
    private var slots: [WordLookup.Slot]
    private var arena: [UInt8] = []
    /// The tokens in position order, each slot's tag, start and length (to rebuild the slots).
    private var placed: [WordLookup.Slot] = []

    /// Room for `capacity` tokens before the first growth.
    init(minimumCapacity capacity: Int = 0) {
        var size = 16
        while size < capacity * 2 { size *= 2 }
        slots = [WordLookup.Slot](repeating: WordLookup.Slot(), count: size)
    }

    /// The tokens counted.
    var count: Int { placed.count }

    /// The position of `token`; a new token gets the next one (`count` before the call).
    mutating func position(of token: inout String) -> (position: Int, isNew: Bool) {
        token.withUTF8 { position(of: $0) }
    }

    mutating func position(of utf8: UnsafeBufferPointer<UInt8>) -> (position: Int, isNew: Bool) {
        let hash = WordLookup.hash(utf8), tag = WordLookup.tag(hash)
        let mask = slots.count - 1
        var k = Int(truncatingIfNeeded: hash) & mask
        let found: Int? = arena.withUnsafeBufferPointer { arena in
            slots.withUnsafeBufferPointer { slots in
                while slots[k].tag != 0 {
                    let slot = slots[k]
                    if slot.tag == tag && Int(slot.length) == utf8.count
                        && (utf8.isEmpty || memcmp(arena.baseAddress! + Int(slot.start), utf8.baseAddress!, utf8.count) == 0) {
                        return Int(slot.index)
                    }
                    k = (k + 1) & mask
                }
                return nil
            }
        }
        if let found { return (found, false) }
        let slot = WordLookup.Slot(tag: tag, index: Int32(placed.count), start: UInt32(arena.count), length: UInt32(utf8.count))
        arena.append(contentsOf: utf8)
        placed.append(slot)
        slots[k] = slot
        if placed.count * 2 > slots.count { rebuild(size: slots.count * 2) }
        return (Int(slot.index), true)
    }

    /// Keeps the tokens at `kept` (ascending positions), which become positions 0, 1, … in order.
    mutating func keep(_ kept: [Int]) {
        var arena: [UInt8] = [], placed: [WordLookup.Slot] = []
        arena.reserveCapacity(kept.reduce(0) { $0 + Int(self.placed[$1].length) })
        placed.reserveCapacity(kept.count)
        for old in kept {
            var slot = self.placed[old]
            let start = Int(slot.start)
            slot.start = UInt32(arena.count)
            slot.index = Int32(placed.count)
            arena.append(contentsOf: self.arena[start ..< start + Int(slot.length)])
            placed.append(slot)
        }
        self.arena = arena
        self.placed = placed
        var size = 16
        while size < placed.count * 2 { size *= 2 }
        rebuild(size: size)
    }

    /// Places every token again in `size` slots (the tags keep the hashes' high halves; the
    /// low bits are hashed again from the bytes).
    private mutating func rebuild(size: Int) {
        var slots = [WordLookup.Slot](repeating: WordLookup.Slot(), count: size)
        let mask = size - 1
        arena.withUnsafeBufferPointer { arena in
            for slot in placed {
                let bytes = UnsafeBufferPointer(rebasing: arena[Int(slot.start) ..< Int(slot.start) + Int(slot.length)])
                var k = Int(truncatingIfNeeded: WordLookup.hash(bytes)) & mask
                while slots[k].tag != 0 { k = (k + 1) & mask }
                slots[k] = slot
            }
        }
        self.slots = slots
    }
}
