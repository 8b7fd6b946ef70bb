#ifndef CICU_H
#define CICU_H

// A minimal C interface to ICU's word break iterator. It declares no ICU types: the system
// ICU headers clash with the ICU that Foundation bundles, and ICU's versioned function
// macros cannot be imported into Swift. Not a stable API; used by TextClassification only.

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// An ICU word break iterator. Not thread-safe: use one per thread (see cicu_word_breaker_clone).
typedef struct CICUWordBreaker CICUWordBreaker;

/// Opens a word break iterator for `locale` (e.g. "zh"). Returns NULL on failure and writes
/// ICU's error name (e.g. "U_MISSING_RESOURCE_ERROR") into `error`, if not NULL.
CICUWordBreaker *_Nullable cicu_word_breaker_open(const char *_Nonnull locale,
                                                  char *_Nullable error, int32_t errorCapacity);

/// A new, independent iterator with the same rules (cheaper than opening one).
CICUWordBreaker *_Nullable cicu_word_breaker_clone(const CICUWordBreaker *_Nonnull breaker);

void cicu_word_breaker_close(CICUWordBreaker *_Nullable breaker);

/// Segments `length` bytes of UTF-8 at `text` into words and writes, for each segment whose
/// rule status is at least `minimumStatus` (100 keeps numbers, letters, kana and ideographs;
/// 0 keeps everything), its byte range [starts[k], ends[k]) and its rule status.
/// `capacity` must be at least `length`, which bounds the number of segments.
/// Returns the number of segments written, or -1 if ICU reported an error.
int32_t cicu_word_breaker_segment(CICUWordBreaker *_Nonnull breaker,
                                  const uint8_t *_Nonnull text, int32_t length,
                                  int32_t minimumStatus,
                                  int32_t *_Nonnull starts, int32_t *_Nonnull ends,
                                  int32_t *_Nonnull statuses, int32_t capacity);

/// Unicode NFKC of `length` bytes of UTF-8 (full-width Latin and digits to ASCII, ① to 1,
/// compatibility characters folded). Returns a malloc'd UTF-8 buffer the caller frees with
/// cicu_free, its length in `outLength`; or NULL with `outLength` 0 when the text is already in
/// NFKC (the common case, checked quickly), or -1 if ICU reported an error.
uint8_t *_Nullable cicu_nfkc(const uint8_t *_Nonnull text, int32_t length, int32_t *_Nonnull outLength);

/// The text transliterated by the ICU transform `transform` (e.g. "Traditional-Simplified"),
/// UTF-8 in and out; malloc'd (free with cicu_free), its length in `outLength`. NULL on error,
/// with ICU's error name in `error` if not NULL.
uint8_t *_Nullable cicu_transliterate(const char *_Nonnull transform, const uint8_t *_Nonnull text,
                                      int32_t length, int32_t *_Nonnull outLength,
                                      char *_Nullable error, int32_t errorCapacity);

/// How NFKC treats the code point `c` on its own: 0 when it is inert (unchanged and never
/// interacting with its neighbours), 1 when text can always be split just before it (so it
/// may be normalised alone), 2 otherwise (normalise the whole text).
int32_t cicu_nfkc_kind(uint32_t c);

void cicu_free(void *_Nullable pointer);

#ifdef __cplusplus
}
#endif

#endif
