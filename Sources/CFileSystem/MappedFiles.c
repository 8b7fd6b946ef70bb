#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "CFileSystem.h"

// A file mapped into memory raises SIGBUS when a page past its end is read: the file was
// truncated under the reader. The handler below turns that into a flag for mappings that
// asked for it: it maps a page of zeros over the one that faulted (so the read returns 0 and
// the program goes on) and marks the mapping damaged; its owner checks the flag after reading
// and refuses the answer with a named error. Faults elsewhere go to the previous handler.

enum { MAX_GUARDED = 1024 };

struct guarded {
    _Atomic uintptr_t start;
    _Atomic uintptr_t end;
    _Atomic int damaged;
};

static struct guarded table[MAX_GUARDED];
static struct sigaction previous;
static pthread_once_t installed = PTHREAD_ONCE_INIT;
static long page_size;

static void on_bus_error(int signal, siginfo_t *info, void *context) {
    (void)signal; (void)context;
    uintptr_t address = (uintptr_t)info->si_addr;
    for (int k = 0; k < MAX_GUARDED; k++) {
        uintptr_t start = atomic_load(&table[k].start), end = atomic_load(&table[k].end);
        if (start != 0 && address >= start && address < end) {
            void *page = (void *)(address & ~(uintptr_t)(page_size - 1));
            // mmap is a system call, safe in a signal handler.
            if (mmap(page, (size_t)page_size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != MAP_FAILED) {
                atomic_store(&table[k].damaged, 1);
                return;
            }
        }
    }
    // Not a guarded mapping: restore what was there; the fault happens again and goes to it.
    sigaction(SIGBUS, &previous, NULL);
}

static void install(void) {
    page_size = sysconf(_SC_PAGESIZE);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_bus_error;
    action.sa_flags = SA_SIGINFO;
    sigemptyset(&action.sa_mask);
    sigaction(SIGBUS, &action, &previous);
}

int textclf_guard_mapping(const void *start, size_t length) {
    pthread_once(&installed, install);
    for (int k = 0; k < MAX_GUARDED; k++) {
        uintptr_t free = 0;
        // Claim a slot by its start; the end and flag are set before the range can match.
        if (atomic_compare_exchange_strong(&table[k].start, &free, (uintptr_t)1)) {
            atomic_store(&table[k].damaged, 0);
            atomic_store(&table[k].end, (uintptr_t)start + length);
            atomic_store(&table[k].start, (uintptr_t)start);
            return k;
        }
    }
    return -1;
}

int textclf_mapping_damaged(int slot) {
    return slot >= 0 && slot < MAX_GUARDED && atomic_load(&table[slot].damaged);
}

void textclf_unguard_mapping(int slot) {
    if (slot < 0 || slot >= MAX_GUARDED) return;
    atomic_store(&table[slot].end, (uintptr_t)0);
    atomic_store(&table[slot].start, (uintptr_t)0);
}
