import CFileSystem
import Foundation

/// A directory opened once: every file read or written through it is that directory's, even
/// if its path is renamed or replaced meanwhile. A model load reads all its files through one
/// handle, so it sees one model while another process swaps a new one in under the same name.
/// Errors name the file and say why, in the system's words (`strerror`).
final class DirectoryHandle {
    let path: String
    private let descriptor: Int32

    /// Opens the existing directory at `path`.
    init(opening path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else {
            let reason = errno == ENOENT ? "no such model directory" : errno == ENOTDIR ? "not a directory" : Self.lastError()
            throw TextClassificationError.cannotRead(file: path, reason: reason)
        }
        self.path = path
        descriptor = fd
    }

    /// Makes a new directory at `path` (it must not exist) and opens it.
    init(creating path: String) throws {
        guard mkdir(path, 0o755) == 0 else { throw TextClassificationError.cannotWrite(file: path, reason: Self.lastError()) }
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw TextClassificationError.cannotWrite(file: path, reason: Self.lastError()) }
        self.path = path
        descriptor = fd
    }

    deinit { close(descriptor) }

    static func lastError() -> String { String(cString: strerror(errno)) }

    func pathOf(_ name: String) -> String { path + "/" + name }

    /// Whether `name` exists in the directory (a file or anything else, a link not followed).
    func contains(_ name: String) -> Bool {
        var info = stat()
        return fstatat(descriptor, name, &info, AT_SYMLINK_NOFOLLOW) == 0
    }

    /// The whole of regular file `name`, refused if it is larger than `limit` bytes. A model
    /// directory may come from anyone: a symbolic link is not followed (one to /dev/zero
    /// would be read forever), and a FIFO or device is refused without waiting on it.
    /// `tooLarge` makes the error for a file of the given size over the limit.
    func read(_ name: String, atMost limit: Int = .max, tooLarge: ((Int) -> any Error)? = nil) throws -> Data {
        let (fd, size) = try openRegular(name, atMost: limit, tooLarge: tooLarge)
        defer { close(fd) }
        var data = Data(count: size)
        var start = 0
        try data.withUnsafeMutableBytes { bytes in
            while start < size {
                let count = Foundation.read(fd, bytes.baseAddress! + start, size - start)
                if count < 0 && errno == EINTR { continue }
                guard count >= 0 else { throw TextClassificationError.cannotRead(file: pathOf(name), reason: Self.lastError()) }
                if count == 0 { break }  // shrunk while read: the checks that follow say so
                start += count
            }
        }
        return data.prefix(start)
    }

    /// Regular file `name` mapped into memory (``MappedFile``), with ``read(_:atMost:tooLarge:)``'s checks.
    func map(_ name: String, atMost limit: Int = .max, tooLarge: ((Int) -> any Error)? = nil) throws -> MappedFile {
        let (fd, _) = try openRegular(name, atMost: limit, tooLarge: tooLarge)
        return try MappedFile(descriptor: fd, path: pathOf(name))
    }

    /// Opens regular file `name` (no link followed, nothing waited on) if it holds at most
    /// `limit` bytes; returns its descriptor, which the caller closes, and its size.
    private func openRegular(_ name: String, atMost limit: Int, tooLarge: ((Int) -> any Error)?) throws -> (Int32, Int) {
        let fd = openat(descriptor, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard fd >= 0 else {
            let reason = errno == ELOOP
                ? "it is a symbolic link, which a model directory may not hold; copy the file itself in (cp -L)"
                : Self.lastError()
            throw TextClassificationError.cannotRead(file: pathOf(name), reason: reason)
        }
        var info = stat()
        do {
            guard fstat(fd, &info) == 0 else { throw TextClassificationError.cannotRead(file: pathOf(name), reason: Self.lastError()) }
            guard info.st_mode & S_IFMT == S_IFREG else {
                throw TextClassificationError.cannotRead(file: pathOf(name), reason: "it is not a regular file (a FIFO, device, socket or directory)")
            }
            let size = Int(info.st_size)
            guard size <= limit else {
                if let tooLarge { throw tooLarge(size) }
                throw TextClassificationError.cannotRead(
                    file: pathOf(name), reason: "it is \(size) bytes, more than the \(limit) this file may hold; it is damaged, or not this model's")
            }
            return (fd, size)
        } catch {
            close(fd)
            throw error
        }
    }

    /// File `name` as a ``ByteInput`` (for line readers).
    func input(_ name: String) throws -> ByteInput {
        let fd = openat(descriptor, name, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw TextClassificationError.cannotRead(file: pathOf(name), reason: Self.lastError()) }
        return ByteInput(descriptor: fd, name: pathOf(name))
    }

    /// Writes a new file `name` (it must not exist) and flushes it to the disk, so that a
    /// rename after it publishes complete contents even across a power cut.
    func write(_ data: Data, to name: String) throws {
        let fd = openat(descriptor, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw TextClassificationError.cannotWrite(file: pathOf(name), reason: Self.lastError()) }
        defer { close(fd) }
        try data.withUnsafeBytes { bytes in
            var start = 0
            while start < bytes.count {
                let written = Foundation.write(fd, bytes.baseAddress! + start, bytes.count - start)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw TextClassificationError.cannotWrite(file: pathOf(name), reason: Self.lastError())
                }
                start += written
            }
        }
        guard fsync(fd) == 0 else { throw TextClassificationError.cannotWrite(file: pathOf(name), reason: Self.lastError()) }
    }

    /// Flushes the directory's own entries (the names of the files written into it).
    func synchronize() { fsync(descriptor) }

    /// Whether `path` still names this very directory (not one renamed or swapped in since).
    var isStillAtItsPath: Bool {
        var mine = stat(), there = stat()
        return fstat(descriptor, &mine) == 0 && stat(path, &there) == 0 && mine.st_dev == there.st_dev && mine.st_ino == there.st_ino
    }
}

/// Replacing one path by another in a single step.
enum PathSwap {
    /// Puts `new` at `target`. With an existing target the two are exchanged atomically
    /// (renameat2), so `target` names the old entry until it names the new one, and the old
    /// one ends up at `new`'s path (returned) for the caller to remove. Where the file system
    /// cannot exchange, falls back to two renames through `aside`, with a short moment in
    /// which `target` is missing (a load in that moment fails: "no such model directory").
    static func replace(_ target: String, with new: String, aside: String) throws -> String? {
        if rename(new, target) == 0 { return nil }  // no target yet (or an empty directory)
        guard errno == EEXIST || errno == ENOTEMPTY || errno == EISDIR || errno == ENOTDIR else {
            throw TextClassificationError.cannotWrite(file: target, reason: DirectoryHandle.lastError())
        }
        if textclf_exchange_paths(new, target) == 0 { return new }
        guard errno == EINVAL || errno == ENOSYS else {
            throw TextClassificationError.cannotWrite(file: target, reason: DirectoryHandle.lastError())
        }
        guard rename(target, aside) == 0 else { throw TextClassificationError.cannotWrite(file: target, reason: DirectoryHandle.lastError()) }
        guard rename(new, target) == 0 else {
            let reason = DirectoryHandle.lastError()
            rename(aside, target)
            throw TextClassificationError.cannotWrite(file: target, reason: reason)
        }
        return aside
    }
}
