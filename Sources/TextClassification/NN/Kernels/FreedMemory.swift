/// Memory the process freed but the allocator keeps: glibc holds freed small blocks (such
/// as a million texts' strings) in its heap, where they still count in the resident set
/// while the next large arrays are mapped afresh beside them. `fit` calls it once the training
/// texts are tokenized, `serve` after each model load.
public enum FreedMemory {
    /// Gives the heap's whole free pages back to the system (glibc's `malloc_trim`); a few
    /// milliseconds on a heap of hundreds of megabytes. Elsewhere nothing.
    public static func returnToSystem() {
        #if canImport(Glibc)
        _ = mallocTrim(0)
        #endif
    }
}

#if canImport(Glibc)
/// glibc's `malloc_trim`, which Swift's Glibc module does not export.
@_silgen_name("malloc_trim")
private func mallocTrim(_ pad: Int) -> Int32
#endif
