#include "CServeLauncher.h"
#include <signal.h>
#include <string.h>

static int blocked = 0;

// glibc passes main's arguments to constructors. Only `textclf serve` blocks SIGHUP: every
// other command keeps its default action (a closed terminal ends a fit).
__attribute__((constructor)) static void block_hangup_for_serve(int argc, char **argv, char **envp) {
    (void)envp;
    if (argc < 2 || argv == 0 || argv[1] == 0 || strcmp(argv[1], "serve") != 0) return;
    sigset_t hangup;
    sigemptyset(&hangup);
    sigaddset(&hangup, SIGHUP);
    blocked = sigprocmask(SIG_BLOCK, &hangup, 0) == 0;
}

int textclf_hangup_blocked_for_serve(void) { return blocked; }
