import Foundation
import TextClassification

/// Buffered output to standard output or to a file. A file is written beside its target
/// and renamed into place by ``commit()``, so an interrupted run never leaves a partial file.
/// On a closed pipe (`textclf predict … | head`) ``flush()`` throws ``ReaderWentAway``, which
/// ``reportingErrors(_:)`` turns into a quiet exit with status 0 once the stack has unwound.
final class OutputFile {
    private let descriptor: Int32
    private let target: String?
    private let temporary: String?
    private var buffer: [UInt8] = []

    /// Standard output when `path` is nil or "-".
    init(path: String?) throws {
        signal(SIGPIPE, SIG_IGN)  // EPIPE is handled in flush
        if let path, path != "-" {
            let directory = (path as NSString).deletingLastPathComponent
            let name = (path as NSString).lastPathComponent
            let temporary = (directory.isEmpty ? "" : directory + "/") + ".\(name).partial-\(getpid())"
            let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                throw TextClassificationError.cannotWrite(file: path, reason: String(cString: strerror(errno)))
            }
            descriptor = fd
            target = path
            self.temporary = temporary
        } else {
            descriptor = STDOUT_FILENO
            target = nil
            temporary = nil
        }
        buffer.reserveCapacity(1 << 16)
    }

    func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { try flush() }
    }

    func flush() throws {
        var start = 0
        while start < buffer.count {
            let written = buffer[start...].withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                if errno == EPIPE && target == nil { throw ReaderWentAway() }  // done: nobody reads on
                let reason = String(cString: strerror(errno))
                discard()
                throw TextClassificationError.cannotWrite(file: target ?? "<stdout>", reason: reason)
            }
            start += written
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes and, for a file, moves it into place.
    func commit() throws {
        try flush()
        guard let target, let temporary else { return }
        guard fsync(descriptor) == 0, close(descriptor) == 0, rename(temporary, target) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw TextClassificationError.cannotWrite(file: target, reason: reason)
        }
    }

    /// Removes a partial file after an error.
    func discard() {
        guard let temporary else { return }
        close(descriptor)
        unlink(temporary)
    }
}

/// Standard output's reader closed the pipe: the command is done, not failed.
struct ReaderWentAway: Error {}
