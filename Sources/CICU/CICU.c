#include "CICU.h"

#include <stdlib.h>
#include <string.h>
#include <unicode/ubrk.h>
#include <unicode/utext.h>

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
