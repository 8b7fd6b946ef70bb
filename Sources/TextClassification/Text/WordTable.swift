import Foundation

/// A model's vocabulary in the form a reader uses without parsing it: `vocabulary.table`, read
/// in place from the mapped file. vocabulary.json (Keras's layout) stays beside it as the
/// human-readable, Keras-compatible copy; this one is what opens a model in milliseconds.
///
/// Layout, little-endian, every part starting at a multiple of 8 bytes:
/// - header, 9 × UInt64: magic `textclf-words` (as 8 bytes: "tclfword"), version (1), slot
///   count (a power of two), word-index entries (`indexWord.count`, padding included), words
///   in first-seen order, byte count, `numWords` (0: none), OOV token (1: `indexWord[1]`, 0:
///   none), document count;
/// - slots: ``WordLookup``'s open-addressing table, 16 bytes each, for the words it encodes;
/// - `starts`, UInt64 × (entries + 1): where `indexWord[k]`'s UTF-8 bytes begin (`starts[k + 1]`
///   is where they end);
/// - `firstSeen`, UInt32 × words: each first-seen word's index; then its count and its
///   document count, Int64 × words each (what Keras's `word_counts` and `word_docs` hold);
/// - the bytes of `indexWord`'s words, in index order.
///
/// A loaded table is checked in full before use (every slot, offset and index within bounds,
/// an empty slot to end every probe), so a damaged or forged file is refused with an error
/// rather than read out of bounds.
struct WordTable: @unchecked Sendable {
    static let magic = UInt64(littleEndian: 0x6472_6f77_666c_6374)  // "tclfword"
    static let version: UInt64 = 1
    private static let headerWords = 9

    /// The encoding, looked up in place.
    let lookup: WordLookup
    /// Keeps the bytes read alive: the mapped file, or a copy of it.
    private let storage: any Sendable & AnyObject
    private let entries: Int
    private let firstSeenCount: Int
    private let numWords: Int?
    private let hasOOV: Bool
    private let documentCount: Int
    private let starts: UnsafePointer<UInt64>
    private let firstSeen: UnsafePointer<UInt32>
    private let counts: UnsafePointer<Int64>
    private let documentCounts: UnsafePointer<Int64>
    private let bytes: UnsafePointer<UInt8>

    /// The number of word-index entries, padding included (`indexWord.count`).
    var indexCount: Int { entries }

    /// The table of `vocabulary` as its file's bytes.
    static func encode(_ vocabulary: Vocabulary) -> Data {
        var bytes: [UInt8] = [], starts: [UInt64] = []
        for word in vocabulary.indexWord {
            starts.append(UInt64(bytes.count))
            bytes.append(contentsOf: word.utf8)
        }
        starts.append(UInt64(bytes.count))
        let slots = WordLookup.slots(for: vocabulary) { _, index in UInt32(starts[index]) }
        let capacity = slots.count
        let header: [UInt64] = [magic, version, UInt64(capacity), UInt64(vocabulary.indexWord.count),
                                UInt64(vocabulary.words.count), UInt64(bytes.count), UInt64(vocabulary.numWords ?? 0),
                                vocabulary.oovToken == nil ? 0 : 1, UInt64(vocabulary.documentCount)]
        var data = Data()
        func append<T>(_ values: [T]) {
            values.withUnsafeBytes { data.append(contentsOf: $0) }
            while data.count % 8 != 0 { data.append(0) }
        }
        append(header.map(\.littleEndian))
        append(slots)
        append(starts.map(\.littleEndian))
        append(vocabulary.words.map { UInt32(vocabulary.wordIndex[$0]!).littleEndian })
        append(vocabulary.counts.map { Int64($0).littleEndian })
        append(vocabulary.documentCounts.map { Int64($0).littleEndian })
        append(bytes)
        return data
    }

    /// The table in `file`, checked; `rows` is the embedding's row count, which every index
    /// must stay below. `copying` reads it into memory of its own instead of in place.
    init(mapping file: MappedFile, rows: Int, copying: Bool = false) throws {
        let storage: any Sendable & AnyObject = copying ? OwnedBytes(copying: file.bytes) : file
        let raw = (storage as? OwnedBytes)?.bytes ?? file.bytes
        func fail(_ reason: String) -> TextClassificationError {
            .invalidModel(path: file.path, reason: reason + "; save the model again with textclf fit")
        }
        guard raw.count >= Self.headerWords * 8, let base = raw.baseAddress else { throw fail("the word table is truncated") }
        let header = (0..<Self.headerWords).map { UInt64(littleEndian: raw.load(fromByteOffset: $0 * 8, as: UInt64.self)) }
        guard header[0] == Self.magic, header[1] == Self.version else {
            throw fail("not a textclf word table of version \(Self.version)")
        }
        let limit = UInt64(Int32.max)
        guard header[2...5].allSatisfy({ $0 <= limit }), header[2] >= 16, header[2] & (header[2] - 1) == 0,
              header[3] >= 1, header[6] <= limit else {
            throw fail("the word table's sizes are out of range")
        }
        let slotCount = Int(header[2])
        entries = Int(header[3])
        firstSeenCount = Int(header[4])
        let byteCount = Int(header[5])
        numWords = header[6] == 0 ? nil : Int(header[6])
        hasOOV = header[7] == 1
        documentCount = Int(clamping: header[8])
        func padded(_ n: Int) -> Int { (n + 7) / 8 * 8 }
        let slotsAt = Self.headerWords * 8, startsAt = slotsAt + slotCount * 16
        let firstSeenAt = startsAt + (entries + 1) * 8, countsAt = firstSeenAt + padded(firstSeenCount * 4)
        let documentsAt = countsAt + firstSeenCount * 8, bytesAt = documentsAt + firstSeenCount * 8
        guard raw.count == bytesAt + padded(byteCount), !hasOOV || entries >= 2 else {
            throw fail("the word table is \(raw.count) bytes, its header implies \(bytesAt + padded(byteCount)) (truncated?)")
        }
        let slots = (base + slotsAt).assumingMemoryBound(to: WordLookup.Slot.self)
        let starts = (base + startsAt).assumingMemoryBound(to: UInt64.self), entries = entries
        let firstSeen = (base + firstSeenAt).assumingMemoryBound(to: UInt32.self)
        self.starts = starts
        self.firstSeen = firstSeen
        counts = (base + countsAt).assumingMemoryBound(to: Int64.self)
        documentCounts = (base + documentsAt).assumingMemoryBound(to: Int64.self)
        let bytes = (base + bytesAt).assumingMemoryBound(to: UInt8.self)
        self.bytes = bytes
        // Every offset and index in bounds, and an empty slot to end each probe.
        guard starts[0] == 0, starts[entries] == UInt64(byteCount),
              (0..<entries).allSatisfy({ starts[$0] <= starts[$0 + 1] }) else {
            throw fail("the word table's word offsets are out of order")
        }
        guard (0..<firstSeenCount).allSatisfy({ Int(firstSeen[$0]) < entries }) else {
            throw fail("the word table names a word index past its \(entries) entries")
        }
        // Reductions rather than a branch per slot, so the loop runs at memory speed. An
        // empty slot's other fields are zero, as written, and pass.
        var empty = 0, largestIndex: UInt32 = 0, largestEnd: UInt64 = 0
        for k in 0..<slotCount {
            let slot = slots[k]
            empty += slot.tag == 0 ? 1 : 0
            largestIndex = max(largestIndex, UInt32(bitPattern: slot.index))
            largestEnd = max(largestEnd, UInt64(slot.start) + UInt64(slot.length))
        }
        guard Int(largestIndex) < min(entries, rows), largestEnd <= UInt64(byteCount) else {
            throw fail("a slot of the word table points outside its words or the embedding's \(rows) rows")
        }
        guard empty > 0 else { throw fail("the word table has no empty slot") }
        self.storage = storage
        var lookup = WordLookup(slots: slots, bytes: bytes, slotCount: slotCount, oov: nil, storage: storage)
        if hasOOV {
            // The OOV token's index: where the lookup finds `indexWord[1]` (the token may also
            // occur in the texts and keep a later index, as in Keras).
            let token = UnsafeBufferPointer(start: bytes + Int(starts[1]), count: Int(starts[2] - starts[1]))
            lookup.oov = lookup.index(of: token)
        }
        self.lookup = lookup
    }

    /// Word `k` of the index.
    private func word(_ k: Int) -> String {
        String(decoding: UnsafeBufferPointer(start: bytes + Int(starts[k]), count: Int(starts[k + 1] - starts[k])), as: UTF8.self)
    }

    /// The ``Vocabulary`` the table was written from.
    func vocabulary() -> Vocabulary {
        let indexWord = (0..<entries).map(word)
        var vocabulary = Vocabulary(numWords: numWords, oovToken: hasOOV ? indexWord[1] : nil)
        vocabulary.documentCount = documentCount
        vocabulary.indexWord = indexWord
        vocabulary.words = (0..<firstSeenCount).map { indexWord[Int(firstSeen[$0])] }
        vocabulary.counts = (0..<firstSeenCount).map { Int(counts[$0]) }
        vocabulary.documentCounts = (0..<firstSeenCount).map { Int(documentCounts[$0]) }
        var wordIndex = [String: Int](minimumCapacity: entries)
        // Later entries win, as Keras's dict(zip(...)) (an OOV token seen in the texts).
        for k in 1..<entries { wordIndex[indexWord[k]] = k }
        vocabulary.wordIndex = wordIndex
        return vocabulary
    }
}

/// A copy of a file's bytes in memory of its own (8-byte aligned), for a reader that must not
/// depend on the file afterwards.
final class OwnedBytes: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer

    init(copying source: UnsafeRawBufferPointer) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(8, source.count), alignment: 8)
        if let base = source.baseAddress { buffer.baseAddress!.copyMemory(from: base, byteCount: source.count) }
        bytes = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(buffer)[0..<source.count])
    }

    deinit { UnsafeMutableRawPointer(mutating: bytes.baseAddress!).deallocate() }
}
