import Foundation

/// XXH64 (xxHash, 64 bits, seed 0) of a file's bytes: config.json records one for every other
/// file of a model, so a load notices a file swapped in from another model or damaged. Not a
/// defence against someone forging a file on purpose; it runs at memory speed (~0.02 s for a
/// 100 MB model on this project's machine) so every load can afford it.
enum ContentHash {
    private static let p1: UInt64 = 11_400_714_785_074_694_791
    private static let p2: UInt64 = 14_029_467_366_897_019_727
    private static let p3: UInt64 = 1_609_587_929_392_839_161
    private static let p4: UInt64 = 9_650_029_242_287_828_579
    private static let p5: UInt64 = 2_870_177_450_012_600_261

    /// The hash as 16 lower-case hexadecimal digits, as `xxhsum -H64` prints it.
    static func hex<Bytes: ContiguousBytes>(of bytes: Bytes) -> String {
        hex(bytes.withUnsafeBytes { xxh64($0) })
    }

    static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    @inline(__always) private static func round(_ accumulator: UInt64, _ input: UInt64) -> UInt64 {
        rotate(accumulator &+ input &* p2, 31) &* p1
    }

    @inline(__always) private static func merge(_ accumulator: UInt64, _ value: UInt64) -> UInt64 {
        (accumulator ^ round(0, value)) &* p1 &+ p4
    }

    @inline(__always) private static func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { x << k | x >> (64 - k) }

    static func xxh64(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        xxh64(bytes, checkingFloatsIn: 0..<0).hash
    }

    /// The hash of `bytes` and whether the 32-bit floats in byte range `floats` (4-aligned)
    /// are all finite, from one pass: a model's weights are larger than the caches, and
    /// reading them once instead of twice is most of what opening a model costs.
    static func xxh64(_ bytes: UnsafeRawBufferPointer, checkingFloatsIn floats: Range<Int>) -> (hash: UInt64, allFinite: Bool) {
        let count = bytes.count
        func word(_ i: Int) -> UInt64 { UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)) }
        var i = 0
        var h: UInt64
        // Finite floats give x - x = 0; infinities and NaN give NaN, which stays.
        var residue = SIMD8<Float>(repeating: 0)
        func residueOfFloats(in range: Range<Int>) {
            for k in stride(from: range.lowerBound, to: range.upperBound, by: 4) {
                let x = bytes.loadUnaligned(fromByteOffset: k, as: Float.self)
                residue[0] += x - x
            }
        }
        // Whole 32-byte stripes inside `floats` are checked as they are hashed; its ends apart.
        let checkedFrom = min(count / 32 * 32, (floats.lowerBound + 31) / 32 * 32)
        let checkedTo = max(checkedFrom, min(count / 32 * 32, floats.upperBound / 32 * 32))
        if count >= 32 {
            var v1 = p1 &+ p2, v2 = p2, v3: UInt64 = 0, v4 = 0 &- p1
            @inline(__always) func stripes(to end: Int, checking: Bool) {
                while i + 32 <= end {
                    v1 = round(v1, word(i)); v2 = round(v2, word(i + 8))
                    v3 = round(v3, word(i + 16)); v4 = round(v4, word(i + 24))
                    if checking {
                        let x = bytes.loadUnaligned(fromByteOffset: i, as: SIMD8<Float>.self)
                        residue += x - x
                    }
                    i += 32
                }
            }
            stripes(to: checkedFrom, checking: false)
            stripes(to: checkedTo, checking: true)
            stripes(to: count, checking: false)
            h = rotate(v1, 1) &+ rotate(v2, 7) &+ rotate(v3, 12) &+ rotate(v4, 18)
            h = merge(merge(merge(merge(h, v1), v2), v3), v4)
        } else {
            h = p5
        }
        if checkedFrom < checkedTo {
            residueOfFloats(in: floats.lowerBound ..< checkedFrom)
            residueOfFloats(in: checkedTo ..< floats.upperBound)
        } else {
            residueOfFloats(in: floats)
        }
        h &+= UInt64(count)
        while i + 8 <= count {
            h = rotate(h ^ round(0, word(i)), 27) &* p1 &+ p4
            i += 8
        }
        if i + 4 <= count {
            let half = UInt64(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt32.self)))
            h = rotate(h ^ half &* p1, 23) &* p2 &+ p3
            i += 4
        }
        while i < count {
            h = rotate(h ^ UInt64(bytes[i]) &* p5, 11) &* p1
            i += 1
        }
        h ^= h >> 33; h &*= p2
        h ^= h >> 29; h &*= p3
        return (h ^ h >> 32, residue == SIMD8(repeating: 0))
    }
}
