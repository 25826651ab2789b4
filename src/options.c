/*
 * options.c - every run-time option, read once from the environment by
 * pgc_init:
 *   PGC_GOGC      integer percent (default 100), or "off"
 *   PGC_MEMLIMIT  bytes, with optional B/KiB/MiB/GiB/TiB (or KB/MB/GB/TB)
 *                 suffix, or "off"
 *   PGC_SIGNAL    signal number used to stop threads (default SIGRTMIN+4)
 *   PGC_BARRIER   "barrier" (default for pgc_init) or "none" (plain stores;
 *                 marking stops the world; the default for GC_init)
 *   PGCDEBUG      comma list: gctrace=1, pacertrace=1, gccheckmark=1,
 *                 finalizers=1, stoptrace=1, blackonce=1, gclog=FILE, idleworker=0
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


static const struct {
    const char *suffix;
    int64_t mult;
} units[] = {
    { "TiB", (int64_t)1 << 40 }, { "GiB", (int64_t)1 << 30 }, { "MiB", (int64_t)1 << 20 },
    { "KiB", (int64_t)1 << 10 }, { "TB", 1000000000000 }, { "GB", 1000000000 },
    { "MB", 1000000 }, { "KB", 1000 }, { "B", 1 },
};

/* "512MiB" -> 536870912. *ok = false on anything else. */
int64_t parse_bytes(const char *s, bool *ok)
{
    *ok = false;
    if (!s || !*s)
        return 0;
    if (strcmp(s, "off") == 0) {
        *ok = true;
        return INT64_MAX;
    }
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || v < 0)
        return 0;
    int64_t mult = 1;
    if (*end) {
        size_t i;
        for (i = 0; i < sizeof units / sizeof units[0]; i++)
            if (strcmp(end, units[i].suffix) == 0)
                break;
        if (i == sizeof units / sizeof units[0])
            return 0;
        mult = units[i].mult;
    }
    if (v > INT64_MAX / mult)
        return 0;
    *ok = true;
    return (int64_t)v * mult;
}

static void parse_debug(const char *s)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", s);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (strcmp(tok, "gctrace=1") == 0)
            G.gctrace = true;
        else if (strcmp(tok, "pacertrace=1") == 0)
            G.pacertrace = true;
        else if (strcmp(tok, "gccheckmark=1") == 0)
            G.checkmark = true;
        else if (strcmp(tok, "finalizers=1") == 0)
            G.debug_finalizers = true;
        else if (strcmp(tok, "stoptrace=1") == 0)
            G.stoptrace = true;
        else if (strcmp(tok, "blackonce=1") == 0)
            G.black_once = true;
        else if (strcmp(tok, "blackonce=0") == 0)
            G.black_once = false;
        else if (strcmp(tok, "idleworker=0") == 0)
            G.no_idle_worker = true;
        else if (strncmp(tok, "gclog=", 6) == 0) {
            G.gclog_fd = open(tok + 6, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
            if (G.gclog_fd < 0)
                fprintf(stderr, "pacegc: PGCDEBUG: cannot open gclog file %s: %s\n", tok + 6,
                        strerror(errno));
        } else if (!strstr(tok, "=0"))
            fprintf(stderr, "pacegc: PGCDEBUG: unknown setting '%s' ignored (known: gctrace=1, "
                            "pacertrace=1, gccheckmark=1, finalizers=1, stoptrace=1, blackonce=1, gclog=FILE, "
                            "idleworker=0)\n", tok);
    }
}

void options_init(int *gogc, int64_t *memlimit)
{
    G.gclog_fd = -1;
    *gogc = 100;
    *memlimit = INT64_MAX;
    const char *s = getenv("PGC_GOGC");
    if (s && *s) {
        char *end;
        long v = strtol(s, &end, 10);
        if (strcmp(s, "off") == 0)
            *gogc = -1;
        else if (*end == 0 && end != s)
            *gogc = v < 0 ? -1 : (int)v;
        else
            fprintf(stderr, "pacegc: PGC_GOGC=%s is not a percent or 'off'; using 100\n", s);
    }
    s = getenv("PGC_MEMLIMIT");
    if (s && *s) {
        bool ok;
        int64_t v = parse_bytes(s, &ok);
        if (ok)
            *memlimit = v;
        else
            fprintf(stderr, "pacegc: PGC_MEMLIMIT=%s is not a byte count (e.g. 512MiB, 2GiB, off); "
                            "no limit set\n", s);
    }
    G.stop_signal = SIGRTMIN + 4;
    s = getenv("PGC_SIGNAL");
    if (s && *s) {
        int sig = atoi(s);
        if (sig > 0 && sig < NSIG && sig != SIGKILL && sig != SIGSTOP)
            G.stop_signal = sig;
        else
            fprintf(stderr, "pacegc: PGC_SIGNAL=%s is not a usable signal number; using %d\n", s,
                    G.stop_signal);
    }
    s = getenv("PGCDEBUG");
    if (s && *s)
        parse_debug(s);
}
