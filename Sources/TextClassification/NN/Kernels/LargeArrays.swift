#if canImport(Glibc)
import Glibc
#endif

extension Array where Element == Float {
    /// `count` values `value(0) … value(count − 1)`; when they fill several 2 MB pages, in
    /// memory the kernel is asked to back with such pages (`madvise(MADV_HUGEPAGE)`, before
    /// the first write). The embedding and its Adam moments are read a row at a time at
    /// random, and with 4 KB pages nearly every row read is a TLB miss too: one epoch on a
    /// million rows ran 33,000 samples/s with 4 KB pages, 37,900 with 2 MB (system-wide THP,
    /// 2-core EPYC). Without THP, or elsewhere, a plain array.
    init(large count: Int, _ value: (Int) -> Float) {
        self.init(unsafeUninitializedCapacity: count) { buffer, initialized in
            #if os(Linux)
            let page = 2 << 20
            if let base = buffer.baseAddress, count * MemoryLayout<Float>.stride >= 2 * page {
                let start = (Int(bitPattern: base) + page - 1) / page * page
                let end = (Int(bitPattern: base) + count * MemoryLayout<Float>.stride) / page * page
                if end > start { _ = madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, MADV_HUGEPAGE) }
            }
            #endif
            for k in 0..<count { (buffer.baseAddress! + k).initialize(to: value(k)) }
            initialized = count
        }
    }

    /// `count` zeros, as ``init(large:_:)`` places them.
    init(largeZeros count: Int) {
        self.init(large: count) { _ in 0 }
    }

    /// The same values in a buffer of their own (an array's copy otherwise shares its buffer
    /// until one of them is written, and the writer gets the new one).
    func copiedOut() -> [Float] {
        withUnsafeBufferPointer { Array($0) }
    }
}
