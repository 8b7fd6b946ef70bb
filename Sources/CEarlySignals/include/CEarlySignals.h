#ifndef CEARLYSIGNALS_H
#define CEARLYSIGNALS_H

// textclf-serve catches SIGHUP from before `main`: its default action ends the process, and a
// deploy script may send it right after a restart, before Swift code runs (measured: a HUP
// 10 ms after exec killed the server). A constructor installs a handler that does nothing;
// the server's reload handler (a dispatch source) takes the signal over once it starts.

/// 1 if the early handler is installed. Calling it also keeps this file linked.
int textclf_hangup_trapped(void);

#endif
