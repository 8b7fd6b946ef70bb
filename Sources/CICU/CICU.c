#include "CICU.h"

#include <stdlib.h>
#include <string.h>
#include <unicode/ubrk.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utext.h>
#include <unicode/utrans.h>

struct CICUWordBreaker {
    UBreakIterator *iterator;
};

static void copy_error(UErrorCode status, char *error, int32_t capacity) {
    if (error == NULL || capacity <= 0) return;
    strncpy(error, u_errorName(status), (size_t)capacity - 1);
    error[capacity - 1] = '\0';
}

CICUWordBreaker *cicu_word_breaker_open(const char *locale, char *error, int32_t errorCapacity) {
    UErrorCode status = U_ZERO_ERROR;
    UBreakIterator *iterator = ubrk_open(UBRK_WORD, locale, NULL, 0, &status);
    if (U_FAILURE(status) || iterator == NULL) {
        copy_error(status, error, errorCapacity);
        return NULL;
    }
    CICUWordBreaker *breaker = malloc(sizeof *breaker);
    if (breaker == NULL) {
        ubrk_close(iterator);
        copy_error(U_MEMORY_ALLOCATION_ERROR, error, errorCapacity);
        return NULL;
    }
    breaker->iterator = iterator;
    return breaker;
}

CICUWordBreaker *cicu_word_breaker_clone(const CICUWordBreaker *breaker) {
    UErrorCode status = U_ZERO_ERROR;
    UBreakIterator *iterator = ubrk_clone(breaker->iterator, &status);
    if (U_FAILURE(status) || iterator == NULL) return NULL;
    CICUWordBreaker *copy = malloc(sizeof *copy);
    if (copy == NULL) {
        ubrk_close(iterator);
        return NULL;
    }
    copy->iterator = iterator;
    return copy;
}

void cicu_word_breaker_close(CICUWordBreaker *breaker) {
    if (breaker == NULL) return;
    ubrk_close(breaker->iterator);
    free(breaker);
}

int32_t cicu_word_breaker_segment(CICUWordBreaker *breaker, const uint8_t *text, int32_t length,
                                  int32_t minimumStatus, int32_t *starts, int32_t *ends,
                                  int32_t *statuses, int32_t capacity) {
    UErrorCode status = U_ZERO_ERROR;
    // Segments the caller's bytes in place: no UTF-16 copy.
    UText *utext = utext_openUTF8(NULL, (const char *)text, length, &status);
    if (U_FAILURE(status)) return -1;
    ubrk_setUText(breaker->iterator, utext, &status);
    if (U_FAILURE(status)) {
        utext_close(utext);
        return -1;
    }
    int32_t count = 0;
    int32_t start = ubrk_first(breaker->iterator);
    for (int32_t end = ubrk_next(breaker->iterator); end != UBRK_DONE;
         start = end, end = ubrk_next(breaker->iterator)) {
        int32_t rule = ubrk_getRuleStatus(breaker->iterator);
        if (rule < minimumStatus) continue;
        if (count >= capacity) break;
        starts[count] = start;
        ends[count] = end;
        statuses[count] = rule;
        count++;
    }
    // Detach the iterator from the text before the text goes away.
    ubrk_setText(breaker->iterator, NULL, 0, &status);
    utext_close(utext);
    return count;
}

/* UTF-8 to a malloc'd UTF-16 buffer; NULL on error. */
static UChar *to_utf16(const uint8_t *text, int32_t length, int32_t *length16) {
    UErrorCode status = U_ZERO_ERROR;
    UChar *buffer = malloc(sizeof(UChar) * ((size_t)length + 1));
    if (buffer == NULL) return NULL;
    u_strFromUTF8(buffer, length + 1, length16, (const char *)text, length, &status);
    if (U_FAILURE(status)) { free(buffer); return NULL; }
    return buffer;
}

/* UTF-16 to a malloc'd UTF-8 buffer; NULL on error. */
static uint8_t *to_utf8(const UChar *text, int32_t length, int32_t *length8) {
    UErrorCode status = U_ZERO_ERROR;
    int32_t capacity = length * 3 + 1;
    uint8_t *buffer = malloc((size_t)capacity);
    if (buffer == NULL) return NULL;
    u_strToUTF8((char *)buffer, capacity, length8, text, length, &status);
    if (U_FAILURE(status)) { free(buffer); return NULL; }
    return buffer;
}

uint8_t *cicu_nfkc(const uint8_t *text, int32_t length, int32_t *outLength) {
    *outLength = -1;
    UErrorCode status = U_ZERO_ERROR;
    const UNormalizer2 *nfkc = unorm2_getNFKCInstance(&status);
    if (U_FAILURE(status)) return NULL;
    int32_t length16 = 0;
    UChar *source = to_utf16(text, length, &length16);
    if (source == NULL) return NULL;
    int32_t normal = unorm2_spanQuickCheckYes(nfkc, source, length16, &status);
    if (U_SUCCESS(status) && normal == length16) {
        free(source);
        *outLength = 0;
        return NULL;
    }
    status = U_ZERO_ERROR;
    /* NFKC rarely grows text much; retry once with the size ICU asks for. */
    int32_t capacity = length16 * 2 + 16;
    UChar *target = malloc(sizeof(UChar) * (size_t)capacity);
    int32_t written = target ? unorm2_normalize(nfkc, source, length16, target, capacity, &status) : -1;
    if (status == U_BUFFER_OVERFLOW_ERROR) {
        free(target);
        status = U_ZERO_ERROR;
        capacity = written + 1;
        target = malloc(sizeof(UChar) * (size_t)capacity);
        written = target ? unorm2_normalize(nfkc, source, length16, target, capacity, &status) : -1;
    }
    free(source);
    if (target == NULL || U_FAILURE(status)) { free(target); return NULL; }
    uint8_t *result = to_utf8(target, written, outLength);
    free(target);
    if (result == NULL) *outLength = -1;
    return result;
}

uint8_t *cicu_transliterate(const char *transform, const uint8_t *text, int32_t length, int32_t *outLength,
                            char *error, int32_t errorCapacity) {
    *outLength = -1;
    UErrorCode status = U_ZERO_ERROR;
    int32_t idLength = 0;
    UChar *id = to_utf16((const uint8_t *)transform, (int32_t)strlen(transform), &idLength);
    if (id == NULL) return NULL;
    UTransliterator *transliterator = utrans_openU(id, idLength, UTRANS_FORWARD, NULL, 0, NULL, &status);
    free(id);
    if (U_FAILURE(status)) { copy_error(status, error, errorCapacity); return NULL; }
    int32_t length16 = 0;
    UChar *source = to_utf16(text, length, &length16);
    if (source == NULL) { utrans_close(transliterator); return NULL; }
    /* Transliteration may lengthen the text: room to grow, retried once with what ICU needs. */
    int32_t capacity = length16 * 2 + 16;
    UChar *buffer = realloc(source, sizeof(UChar) * (size_t)capacity);
    if (buffer == NULL) { free(source); utrans_close(transliterator); return NULL; }
    int32_t textLength = length16, limit = length16;
    utrans_transUChars(transliterator, buffer, &textLength, capacity, 0, &limit, &status);
    if (status == U_BUFFER_OVERFLOW_ERROR) {
        copy_error(status, error, errorCapacity);
        free(buffer);
        utrans_close(transliterator);
        return NULL;
    }
    utrans_close(transliterator);
    if (U_FAILURE(status)) { copy_error(status, error, errorCapacity); free(buffer); return NULL; }
    uint8_t *result = to_utf8(buffer, textLength, outLength);
    free(buffer);
    if (result == NULL) *outLength = -1;
    return result;
}

int32_t cicu_nfkc_kind(uint32_t c) {
    UErrorCode status = U_ZERO_ERROR;
    const UNormalizer2 *nfkc = unorm2_getNFKCInstance(&status);
    if (U_FAILURE(status)) return 2;
    if (unorm2_isInert(nfkc, (UChar32)c)) return 0;
    return unorm2_hasBoundaryBefore(nfkc, (UChar32)c) ? 1 : 2;
}

void cicu_free(void *pointer) { free(pointer); }
