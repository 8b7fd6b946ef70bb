#ifndef CBUILDINFO_H
#define CBUILDINFO_H

// What a release build records about itself: Scripts/package.sh compiles this target with
// -DTEXTCLF_COMMIT='"<commit>"' (C macros carry strings; Swift's -D flags do not).

/// The commit the binary was built from, or "development build".
const char *_Nonnull textclf_build_commit(void);

#endif
