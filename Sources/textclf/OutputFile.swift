import Foundation
import TextClassification

/// Buffered output to standard output or to a file. A regular file is written beside its
/// target and renamed into place by ``commit()``, so an interrupted run never leaves a partial
/// file (Ctrl-C or SIGTERM remove the partial one); a symbolic link is followed, so the file it
/// points to is replaced and the link stays; a device or FIFO (`-o /dev/stdout`) is written
/// straight through, never replaced.
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
        guard let path, path != "-" else {
            descriptor = STDOUT_FILENO
            target = nil
            temporary = nil
            buffer.reserveCapacity(1 << 16)
            return
        }
        let resolved = Self.followingLinks(path)
        var info = stat()
        let exists = stat(resolved, &info) == 0
        let kind = info.st_mode & S_IFMT
        if exists && kind == S_IFDIR {
            throw TextClassificationError.cannotWrite(file: path, reason: "it is a directory; name a file")
        }
        if exists && kind != S_IFREG {
            // A device, FIFO or socket: write into it; renaming over it would replace it.
            let fd = open(resolved, O_WRONLY | O_CLOEXEC)
            guard fd >= 0 else { throw TextClassificationError.cannotWrite(file: path, reason: String(cString: strerror(errno))) }
            descriptor = fd
            target = path
            temporary = nil
        } else {
            let directory = (resolved as NSString).deletingLastPathComponent
            let name = (resolved as NSString).lastPathComponent
            // A new name nobody can have planted (O_EXCL), never a link (O_NOFOLLOW): in a
            // shared directory another user could otherwise redirect the write.
            let temporary = (directory.isEmpty ? "" : directory + "/") + ".\(name).partial-\(getpid())-\(UInt32.random(in: 0 ... .max))"
            let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                throw TextClassificationError.cannotWrite(file: path, reason: String(cString: strerror(errno)))
            }
            // A replaced file keeps its permissions (a 0600 file of labels stays private).
            if exists { fchmod(fd, info.st_mode & 0o7777) }
            descriptor = fd
            target = resolved
            self.temporary = temporary
            PartialFile.remember(temporary)
        }
        buffer.reserveCapacity(1 << 16)
    }

    /// `path` with symbolic links followed to what they finally name (which may not exist yet).
    static func followingLinks(_ path: String) -> String {
        var current = path
        for _ in 0..<40 {  // as the kernel's limit on nested links
            var info = stat()
            guard lstat(current, &info) == 0, info.st_mode & S_IFMT == S_IFLNK else { return current }
            var destination = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let length = readlink(current, &destination, Int(PATH_MAX))
            guard length > 0 else { return current }
            let link = String(decoding: destination[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            // A relative target is relative to the link's own directory: "" for a link named
            // without one (`-o latest.csv`), which must not become "/" + target.
            let directory = (current as NSString).deletingLastPathComponent
            current = link.hasPrefix("/") || directory.isEmpty ? link : directory + "/" + link
        }
        return current
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
        guard let target else { return }
        guard let temporary else {
            guard close(descriptor) == 0 else { throw TextClassificationError.cannotWrite(file: target, reason: String(cString: strerror(errno))) }
            return
        }
        defer { PartialFile.forget() }
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
        PartialFile.forget()
    }
}

/// Standard output's reader closed the pipe: the command is done, not failed.
struct ReaderWentAway: Error {}

/// The partial file being written, removed if SIGINT, SIGTERM or SIGHUP ends the process
/// before it is renamed into place. One at a time: textclf writes one output file.
enum PartialFile {
    /// A C string, so that the signal handler touches nothing but `unlink`.
    nonisolated(unsafe) private static var path: UnsafeMutablePointer<CChar>?

    static func remember(_ temporary: String) {
        forget()
        path = strdup(temporary)
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
            let previous = signal(signalNumber) { received in
                if let path = PartialFile.path { unlink(path) }
                signal(received, SIG_DFL)
                raise(received)  // end as the signal would have: the shell sees it
            }
            // A signal the parent set to be ignored (`nohup`, `cmd &` in a script) stays ignored.
            if let previous, unsafeBitCast(previous, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self) {
                signal(signalNumber, SIG_IGN)
                continue
            }
            // Some parents spawn with these blocked (Foundation's Process from a thread that
            // blocks them); a handler that never runs would leave the partial file behind.
            var set = sigset_t()
            sigemptyset(&set)
            sigaddset(&set, signalNumber)
            sigprocmask(SIG_UNBLOCK, &set, nil)
        }
    }

    static func forget() {
        guard let old = path else { return }
        path = nil
        free(old)
    }
}
