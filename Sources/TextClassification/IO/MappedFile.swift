import CFileSystem
import Foundation

/// A regular file mapped read-only into memory: a model's weights and word table are read in
/// place instead of copied and decoded, so a model opens in milliseconds, and every process
/// that maps the same file shares its pages (they are the page cache's).
///
/// A mapping sees the file as it is now, not as it was when mapped. Files that textclf saves
/// are never changed in place (a save writes new files and swaps the directory), so a reader
/// keeps the model it opened; but a file truncated or overwritten in place by something else
/// (`truncate`, `cp` over it) would change under the reader, and a read past the new end
/// would kill the process with SIGBUS. So the mapping is guarded: such a read gets zeros
/// instead (CFileSystem's handler), and ``checkIntact()``, which every answer computed from
/// the mapping passes through, refuses it with a named error.
final class MappedFile: @unchecked Sendable {
    let path: String
    /// The file's bytes as they were mapped.
    let bytes: UnsafeRawBufferPointer
    private let descriptor: Int32
    private let guardSlot: Int32
    private let identity: Identity

    /// What changes when a file is written in place: its size and modification time.
    private struct Identity: Equatable {
        var size: Int
        var seconds: Int
        var nanoseconds: Int

        init(_ info: stat) {
            size = Int(info.st_size)
            seconds = info.st_mtim.tv_sec
            nanoseconds = info.st_mtim.tv_nsec
        }
    }

    /// Maps the regular file open on `descriptor` (which it then owns and closes), `path`
    /// naming it in errors.
    init(descriptor: Int32, path: String) throws {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            let reason = DirectoryHandle.lastError()
            close(descriptor)
            throw TextClassificationError.cannotRead(file: path, reason: reason)
        }
        let size = Int(info.st_size)
        var base: UnsafeRawPointer?
        if size > 0 {
            // MAP_POPULATE: the pages the load's checks read anyway, mapped in one call.
            let address = mmap(nil, size, PROT_READ, MAP_SHARED | MAP_POPULATE, descriptor, 0)
            guard let address, address != MAP_FAILED else {
                let reason = DirectoryHandle.lastError()
                close(descriptor)
                throw TextClassificationError.cannotRead(file: path, reason: "cannot map it into memory: \(reason)")
            }
            base = UnsafeRawPointer(address)
        }
        self.path = path
        self.descriptor = descriptor
        bytes = UnsafeRawBufferPointer(start: base, count: size)
        identity = Identity(info)
        guardSlot = base.map { textclf_guard_mapping($0, size) } ?? -1
    }

    deinit {
        textclf_unguard_mapping(guardSlot)
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
        close(descriptor)
    }

    /// Throws if the file was truncated or written in place since it was mapped (a read of it
    /// may then have seen other bytes, or zeros where pages were cut off).
    func checkIntact() throws {
        var info = stat()
        let damaged = textclf_mapping_damaged(guardSlot) != 0
        guard !damaged, fstat(descriptor, &info) == 0, Identity(info) == identity else {
            throw TextClassificationError.invalidModel(
                path: path,
                reason: "the file was \(damaged ? "truncated" : "changed") while the model was open (written in place, not saved by textclf); load the model again")
        }
    }
}
