#ifndef CFILESYSTEM_H
#define CFILESYSTEM_H

// Linux's renameat2(RENAME_EXCHANGE), which Swift's Glibc module does not import (it is
// declared only under _GNU_SOURCE). It swaps two paths in one step, so a model directory is
// replaced without a moment in which its name is missing or half old, half new.

/// Atomically exchanges the entries at `a` and `b` (both must exist). Returns 0, or -1 with
/// errno set (EINVAL or ENOSYS where the file system or kernel cannot exchange).
int textclf_exchange_paths(const char *_Nonnull a, const char *_Nonnull b);

#endif
