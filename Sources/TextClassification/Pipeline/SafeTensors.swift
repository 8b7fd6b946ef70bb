import Foundation

/// The safetensors format: an 8-byte little-endian header length, a JSON header naming each
/// tensor's dtype, shape and byte range, then the raw little-endian data. Read by Hugging
/// Face's `safetensors` (and so by Keras users) without running any code.
enum SafeTensors {
    /// - Parameter int8: names of tensors whose values are whole numbers in -127…127, stored
    ///   as I8 (a quantized embedding).
    static func encode(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:],
                       int8: Set<String> = []) throws -> Data {
        var header: [String: Any] = [:]
        var offset = 0
        for (name, tensor) in tensors {
            let bytes = tensor.count * (int8.contains(name) ? 1 : 4)
            header[name] = ["dtype": int8.contains(name) ? "I8" : "F32", "shape": tensor.shape,
                            "data_offsets": [offset, offset + bytes]]
            offset += bytes
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        // Pad with spaces so the data starts 8-byte aligned, as the reference writer does.
        while (json.count + 8) % 8 != 0 { json.append(0x20) }
        var data = Data(capacity: 8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        for (name, tensor) in tensors {
            if int8.contains(name) {
                data.append(contentsOf: tensor.scalars.map { UInt8(bitPattern: Int8(max(-127, min(127, $0)))) })
                continue
            }
            tensor.scalars.withUnsafeBufferPointer { buffer in
                // Little-endian hosts only (x86-64, arm64): the bytes are already in order.
                data.append(UnsafeBufferPointer(start: UnsafeRawPointer(buffer.baseAddress!)
                    .assumingMemoryBound(to: UInt8.self), count: buffer.count * 4))
            }
        }
        return data
    }

    /// Every tensor in `data`, by name: F32 as they are, I8 as their integer values. `source`
    /// names the file in errors.
    static func decode(_ data: Data, source: String) throws -> [String: Tensor] {
        try data.withUnsafeBytes { bytes in
            let layout = try Layout(parsing: bytes, source: source)
            return layout.entries.mapValues { layout.tensor($0, in: bytes) }
        }
    }

    /// Where each tensor of a safetensors file lies, checked: read in place from a mapped file
    /// (``view(_:in:)``), or copied out (``tensor(_:in:)``).
    struct Layout {
        enum DType { case f32, i8 }

        struct Entry {
            var dtype: DType
            var shape: [Int]
            /// Its bytes, from the start of the file.
            var bytes: Range<Int>
            var count: Int { shape.reduce(1, *) }
        }

        var entries: [String: Entry]

        /// The layout of the file `bytes`, refused with an error naming `source` unless the
        /// tensors tile the data exactly, each of a supported dtype and a shape its bytes fill.
        init(parsing bytes: UnsafeRawBufferPointer, source: String) throws {
            func fail(_ reason: String) -> TextClassificationError { .invalidModel(path: source, reason: reason) }
            guard bytes.count >= 8 else { throw fail("the file is \(bytes.count) bytes, too short for a safetensors header (truncated?)") }
            let headerLength = (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[$1]) << (8 * UInt64($1)) }
            guard headerLength <= UInt64(bytes.count - 8) else {
                throw fail("the header claims \(headerLength) bytes but the file has \(bytes.count - 8) after the length (truncated?)")
            }
            let bodyStart = 8 + Int(headerLength), bodyCount = bytes.count - bodyStart
            // Our own reader, not JSONSerialization: it keeps every member, so a name given twice
            // is seen rather than one of them silently winning.
            guard let header = try? JSONValue.parse(bytes[8..<bodyStart]), let members = header.members else {
                throw fail("the safetensors header is not a JSON object")
            }
            var seen = Set<String>()
            entries = [:]
            for (name, value) in members where name != "__metadata__" {
                guard seen.insert(name).inserted else { throw fail("tensor '\(name)' is named twice in the header") }
                guard let dtype = value["dtype"]?.string, let shape = value["shape"]?.array?.compactMap(\.int),
                      shape.count == value["shape"]?.array?.count,
                      let offsets = value["data_offsets"]?.array?.compactMap(\.int), offsets.count == 2 else {
                    throw fail("tensor '\(name)' has no dtype, shape and data_offsets")
                }
                guard dtype == "F32" || dtype == "I8" else { throw fail("tensor '\(name)' is \(dtype); only F32 and I8 are supported") }
                let size = dtype == "I8" ? 1 : 4
                // The element count, refusing shapes whose product overflows.
                var elements: Int? = 1
                for dimension in shape {
                    guard let so_far = elements, dimension >= 0 else { elements = nil; break }
                    let (product, overflow) = so_far.multipliedReportingOverflow(by: dimension)
                    elements = overflow || product > Int(Int32.max) ? nil : product
                }
                guard let elements, elements * size == offsets[1] - offsets[0],
                      offsets[0] >= 0, offsets[1] <= bodyCount, offsets[0] <= offsets[1] else {
                    throw fail("tensor '\(name)' of shape \(shape) does not fit bytes \(offsets) of \(bodyCount) (truncated?)")
                }
                entries[name] = Entry(dtype: size == 1 ? .i8 : .f32, shape: shape,
                                      bytes: bodyStart + offsets[0] ..< bodyStart + offsets[1])
            }
            // As the reference reader: the tensors tile the data, each starting where the last ended.
            var end = bodyStart
            for (name, entry) in entries.sorted(by: { ($0.value.bytes.lowerBound, $0.value.bytes.upperBound) < ($1.value.bytes.lowerBound, $1.value.bytes.upperBound) }) {
                guard entry.bytes.lowerBound == end else {
                    throw fail(entry.bytes.lowerBound < end
                        ? "tensor '\(name)' overlaps another one's bytes (offset \(entry.bytes.lowerBound - bodyStart) < \(end - bodyStart))"
                        : "bytes \(end - bodyStart)..<\(entry.bytes.lowerBound - bodyStart) before tensor '\(name)' belong to no tensor")
                }
                end = entry.bytes.upperBound
            }
            guard end == bytes.count else { throw fail("\(bytes.count - end) bytes after the last tensor belong to no tensor") }
        }

        /// `entry`'s values copied out of the file `bytes`: F32 as they are, I8 as their integer values.
        func tensor(_ entry: Entry, in bytes: UnsafeRawBufferPointer) -> Tensor {
            var scalars = [Float](repeating: 0, count: entry.count)
            scalars.withUnsafeMutableBytes { out in
                switch entry.dtype {
                case .f32:
                    // Little-endian hosts only (x86-64, arm64), as the writer.
                    out.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[entry.bytes]))
                case .i8:
                    let values = out.bindMemory(to: Float.self)
                    for k in 0..<entry.count { values[k] = Float(Int8(bitPattern: bytes[entry.bytes.lowerBound + k])) }
                }
            }
            return Tensor(shape: entry.shape, scalars: scalars)
        }
    }
}
