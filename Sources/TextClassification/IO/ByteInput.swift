import Foundation

/// Buffered bytes from a file descriptor, read with `read(2)` 64 KiB at a time, which returns
/// what a pipe has so far rather than waiting for a full buffer (so streamed input is
/// processed as it arrives).
public final class ByteInput {
    /// The input's name in error messages (a path, or "<stdin>").
    public let name: String
    private let descriptor: Int32
    private let ownsDescriptor: Bool
    private var buffer: [UInt8] = []
    private var start = 0, end = 0
    private(set) var atEnd = false
    /// Bytes consumed before the buffer's first byte.
    private(set) var bufferOffset = 0
    private var first = true

    /// Opens `url` for reading; a leading UTF-8 byte-order mark is skipped unless
    /// `skippingByteOrderMark` is false (binary files).
    public init(url: URL, skippingByteOrderMark: Bool = true) throws {
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let reason = errno == ENOENT ? "no such file" : String(cString: strerror(errno))
            throw TextClassificationError.cannotRead(file: url.path, reason: reason)
        }
        var info = stat()
        if fstat(fd, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw TextClassificationError.cannotRead(file: url.path, reason: "is a directory, not a file")
        }
        descriptor = fd
        ownsDescriptor = true
        name = url.path
        first = skippingByteOrderMark
    }

    /// Reads an open file descriptor, which it closes when done (no byte-order mark skipped).
    init(descriptor: Int32, name: String) {
        self.descriptor = descriptor
        ownsDescriptor = true
        self.name = name
        first = false
    }

    /// Reads standard input.
    public init(standardInputNamed name: String = "<stdin>") {
        descriptor = STDIN_FILENO
        ownsDescriptor = false
        self.name = name
    }

    /// Reads bytes already in memory (tests, fuzzing, data from elsewhere).
    public init(bytes: [UInt8], name: String) {
        descriptor = -1
        ownsDescriptor = false
        self.name = name
        buffer = bytes
        end = bytes.count
        atEnd = true
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { start = 3 }
        first = false
    }

    deinit { if ownsDescriptor { close(descriptor) } }

    /// The offset of the next byte from the start of the input.
    var offset: Int { bufferOffset + start }

    private func refill() throws -> Bool {
        guard !atEnd else { return false }
        if buffer.isEmpty { buffer = [UInt8](repeating: 0, count: 1 << 16) }
        bufferOffset += end
        start = 0
        end = 0
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                end = count
                if first {
                    first = false
                    // A UTF-8 byte-order mark is not part of the text.
                    if count >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF { start = 3 }
                    if start == end { continue }
                }
                return true
            }
            if count == 0 { atEnd = true; return false }
            if errno == EINTR { continue }
            throw TextClassificationError.cannotRead(file: name, reason: String(cString: strerror(errno)))
        }
    }

    @inline(__always)
    func next() throws -> UInt8? {
        if start == end, try !refill() { return nil }
        defer { start += 1 }
        return buffer[start]
    }

    @inline(__always)
    func peek() throws -> UInt8? {
        if start == end, try !refill() { return nil }
        return buffer[start]
    }

    /// Whether the next read would return at once: bytes are buffered, the input has
    /// ended, or the descriptor has data. Lets a reader of a slow pipe act on what it has.
    public func isReady() -> Bool {
        if start < end || atEnd { return true }
        var descriptorSet = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        return poll(&descriptorSet, 1, 0) > 0
    }

    /// The next line without its LF (or CRLF), or nil at the end of the input. Invalid UTF-8,
    /// and a line past `maximumBytes`, are errors naming the line (and the byte offset).
    public func readLine(number line: Int, maximumBytes: Int = .max) throws -> String? {
        var bytes: [UInt8] = []
        let lineStart = offset
        guard var byte = try next() else { return nil }
        while byte != 0x0A {
            guard bytes.count < maximumBytes else {
                throw TextClassificationError.malformedData(
                    file: name, line: line, reason: "the line runs past \(maximumBytes >> 20) MiB without a line end; is this a text file?")
            }
            bytes.append(byte)
            guard let b = try next() else { break }
            byte = b
        }
        if bytes.last == 0x0D { bytes.removeLast() }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw TextClassificationError.malformedData(
                file: name, line: line,
                reason: "invalid UTF-8 at byte offset \(lineStart + CSVReader.firstInvalidUTF8(bytes)); convert the input to UTF-8 (e.g. iconv -f GB18030 -t UTF-8)")
        }
        return text
    }
}

extension ByteInput {
    /// A whole file's bytes. (Foundation's `Data(contentsOf:)` leaks a buffer when the file is
    /// empty, found by fuzzing the model loader; this reads with `read(2)` like the rest.)
    public static func readAll(_ url: URL) throws -> Data {
        try readAll(ByteInput(url: url, skippingByteOrderMark: false))
    }

    /// The rest of `input`'s bytes.
    static func readAll(_ input: ByteInput) throws -> Data {
        var data = Data()
        while try input.refillForReadAll() { input.appendBuffered(to: &data) }
        return data
    }

    fileprivate func refillForReadAll() throws -> Bool {
        if start < end { return true }
        return try refill()
    }

    fileprivate func appendBuffered(to data: inout Data) {
        data.append(contentsOf: buffer[start..<end])
        start = end
    }
}
