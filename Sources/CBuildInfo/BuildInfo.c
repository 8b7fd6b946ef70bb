#include "CBuildInfo.h"

#ifndef TEXTCLF_COMMIT
#define TEXTCLF_COMMIT "development build"
#endif

const char *textclf_build_commit(void) { return TEXTCLF_COMMIT; }
