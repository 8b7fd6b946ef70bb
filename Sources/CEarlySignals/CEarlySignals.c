#include "CEarlySignals.h"
#include <signal.h>
#include <string.h>

static int trapped = 0;

static void ignore_hangup(int signal_number) { (void)signal_number; }

// A handler, not SIG_IGN: an ignored signal is discarded before the dispatch source sees it.
__attribute__((constructor)) static void trap_hangup_before_main(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = ignore_hangup;
    sigemptyset(&action.sa_mask);
    trapped = sigaction(SIGHUP, &action, 0) == 0;
    // Started by `textclf serve`, which blocks SIGHUP until this handler is in place
    // (CServeLauncher): let a waiting one in now.
    sigset_t hangup;
    sigemptyset(&hangup);
    sigaddset(&hangup, SIGHUP);
    sigprocmask(SIG_UNBLOCK, &hangup, 0);
}

int textclf_hangup_trapped(void) { return trapped; }
