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
        func fail(_ reason: String) -> TextClassificationError { .invalidModel(path: source, reason: reason) }
        guard data.count >= 8 else { throw fail("the file is \(data.count) bytes, too short for a safetensors header (truncated?)") }
        let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(data.count - 8) else {
            throw fail("the header claims \(headerLength) bytes but the file has \(data.count - 8) after the length (truncated?)")
        }
        let body = data.dropFirst(8 + Int(headerLength))
        // Our own reader, not JSONSerialization: it keeps every member, so a name given twice
        // is seen rather than one of them silently winning.
        guard let header = try? JSONValue.parse(data.subdata(in: 8..<8 + Int(headerLength))), let members = header.members else {
            throw fail("the safetensors header is not a JSON object")
        }
        var seen = Set<String>()
        var tensors: [String: Tensor] = [:]
        var ranges: [(start: Int, end: Int, name: String)] = []
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
                  offsets[0] >= 0, offsets[1] <= body.count, offsets[0] <= offsets[1] else {
                throw fail("tensor '\(name)' of shape \(shape) does not fit bytes \(offsets) of \(body.count) (truncated?)")
            }
            ranges.append((offsets[0], offsets[1], name))
            var scalars = [Float](repeating: 0, count: elements)
            if size == 1 {
                for (k, byte) in body.dropFirst(offsets[0]).prefix(elements).enumerated() {
                    scalars[k] = Float(Int8(bitPattern: byte))
                }
            } else {
                scalars.withUnsafeMutableBytes { out in
                    _ = body.dropFirst(offsets[0]).prefix(offsets[1] - offsets[0]).copyBytes(to: out)
                }
            }
            tensors[name] = Tensor(shape: shape, scalars: scalars)
        }
        // As the reference reader: the tensors tile the data, each starting where the last ended.
        var end = 0
        for range in ranges.sorted(by: { ($0.start, $0.end) < ($1.start, $1.end) }) {
            guard range.start == end else {
                throw fail(range.start < end ? "tensor '\(range.name)' overlaps another one's bytes (offset \(range.start) < \(end))"
                                             : "bytes \(end)..<\(range.start) before tensor '\(range.name)' belong to no tensor")
            }
            end = range.end
        }
        guard end == body.count else { throw fail("\(body.count - end) bytes after the last tensor belong to no tensor") }
        return tensors
    }
}
