/*
 * Preloaded into the desktop app (LD_PRELOAD) by `cargo xtask start-order`, and only there.
 *
 * Before the app's code runs, it advises the kernel that every mapping of the app's own file
 * (its code, and its data beside it) is read in no particular order (MADV_RANDOM): a page
 * fault then reads that one page from the file instead of the read-ahead window around it
 * (8 MiB here), which would bring the neighbouring code in too. Then it drops the file's pages
 * that no process maps from the page cache (POSIX_FADV_DONTNEED): the dynamic loader's
 * relocations, before this runs, have read most of the file in. From then on each page of
 * code the start runs is read, and mapped, alone: the pages present after the start are the
 * pages it ran, give or take the functions that share them, which is what the link order is
 * made from. It is meant for a copy of the binary that nothing else runs.
 *
 * Signal 40 (SIGRTMIN+6) makes the app leave, from a thread of this library that waits for it. In a build
 * instrumented for coverage, RINGSIDE_TRACE_PROFILE_WRITER gives the address of the profile
 * runtime's `__llvm_profile_write_file` in the ELF file (from `nm`; the binary does not export
 * it): it is called first, so that the counters reach LLVM_PROFILE_FILE. The app then leaves
 * with `_exit`: a normal `exit` while its threads run crashes in their destructors before the
 * runtime's own handler would write them.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int (*write_profile)(void);
static int wake[2] = {-1, -1};

/* The handler, in whichever thread the signal lands: only wakes the waiter. */
static void on_leave_signal(int signal_number) {
    (void)signal_number;
    char byte = 1;
    ssize_t written = write(wake[1], &byte, 1);
    (void)written;
}

static void *leave_when_asked(void *unused) {
    (void)unused;
    char byte = 0;
    while (read(wake[0], &byte, 1) != 1) {
    }
    int status = 0;
    if (write_profile != NULL && write_profile() != 0) {
        fprintf(stderr, "start-order trace: the counters were not written\n");
        status = 1;
    }
    _exit(status);
}

/* Signal 40 (SIGRTMIN+6) wakes a thread of this library, which leaves. Not SIGUSR1:
 * JavaScriptCore suspends its threads with it. A handler, not a blocked signal: some of the
 * app's threads unblock every signal. */
static void leave_on_signal(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_leave_signal;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    pthread_t waiter;
    if (pipe2(wake, O_CLOEXEC) != 0 || sigaction(SIGRTMIN + 6, &action, NULL) != 0 ||
        pthread_create(&waiter, NULL, leave_when_asked, NULL) != 0) {
        fprintf(stderr, "start-order trace: signal 40 will not make the app leave\n");
        return;
    }
    pthread_detach(waiter);
}

__attribute__((constructor)) static void ringside_trace_start(void) {
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) {
        return;
    }
    exe[n] = '\0';
    FILE *maps = fopen("/proc/self/maps", "r");
    if (maps == NULL) {
        return;
    }
    char line[PATH_MAX + 128];
    int advised = 0;
    unsigned long base = 0;
    while (fgets(line, sizeof line, maps) != NULL) {
        unsigned long start, end;
        char perms[5];
        int path_at = 0;
        if (sscanf(line, "%lx-%lx %4s %*s %*s %*s %n", &start, &end, perms, &path_at) < 3) {
            continue;
        }
        char *path = line + path_at;
        path[strcspn(path, "\n")] = '\0';
        if (strcmp(path, exe) == 0) {
            unsigned long offset = 0;
            if (sscanf(line, "%*s %*s %lx", &offset) == 1 && offset == 0 && base == 0) {
                base = start;
            }
            if (madvise((void *)start, end - start, MADV_RANDOM) == 0) {
                advised++;
            }
        }
    }
    fclose(maps);
    const char *writer = getenv("RINGSIDE_TRACE_PROFILE_WRITER");
    if (writer != NULL && base != 0) {
        write_profile = (int (*)(void))(base + strtoul(writer, NULL, 16));
    }
    int file = open(exe, O_RDONLY | O_CLOEXEC);
    if (file < 0 || posix_fadvise(file, 0, 0, POSIX_FADV_DONTNEED) != 0) {
        fprintf(stderr, "start-order trace: the page cache still holds %s\n", exe);
    }
    if (file >= 0) {
        close(file);
    }
    if (advised == 0) {
        fprintf(stderr, "start-order trace: no mapping of %s was advised\n", exe);
    }
    leave_on_signal();
}
