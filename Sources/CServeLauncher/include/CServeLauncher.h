#ifndef CSERVELAUNCHER_H
#define CSERVELAUNCHER_H

// `textclf serve` execs textclf-serve. A SIGHUP sent meanwhile (a deploy script's reload
// right after a restart) would end either process: execve resets a handler to the default
// action. So `textclf serve` blocks SIGHUP from a constructor, before main; the mask survives
// execve and the signal waits, pending, until textclf-serve's own constructor (CEarlySignals)
// has its handler in place and unblocks it. Left: the launcher's own dynamic loading, before
// any constructor runs (a few milliseconds).

/// 1 if this process is `textclf serve` and SIGHUP is blocked. Calling it also keeps this file linked.
int textclf_hangup_blocked_for_serve(void);

#endif
