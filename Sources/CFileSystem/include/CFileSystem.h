#ifndef CFILESYSTEM_H
#define CFILESYSTEM_H

// Linux's renameat2(RENAME_EXCHANGE), which Swift's Glibc module does not import (it is
// declared only under _GNU_SOURCE). It swaps two paths in one step, so a model directory is
// replaced without a moment in which its name is missing or half old, half new.

/// Atomically exchanges the entries at `a` and `b` (both must exist). Returns 0, or -1 with
/// errno set (EINVAL or ENOSYS where the file system or kernel cannot exchange).
int textclf_exchange_paths(const char *_Nonnull a, const char *_Nonnull b);

#include <stddef.h>

// Mapped model files (MappedFiles.c): a read past the end of a file truncated under its reader
// raises SIGBUS, which would kill the process. A guarded mapping gets a page of zeros instead
// and is marked damaged, for its owner to refuse the answer read from it.

/// Guards `length` bytes mapped at `start`; returns the guard's slot, or -1 when all are taken.
int textclf_guard_mapping(const void *_Nonnull start, size_t length);
/// Whether a read of the guarded mapping in `slot` has faulted since it was guarded.
int textclf_mapping_damaged(int slot);
/// Stops guarding `slot` (before the mapping is unmapped).
void textclf_unguard_mapping(int slot);

#endif
