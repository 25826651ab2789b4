/*
 * diag.c - diagnostics of the base layer: printing to stderr without malloc
 * or stdio locks (safe with the world stopped), the fatal-error path, and
 * internal assertions. Every layer may call these; they call nothing of
 * pacegc's.
 */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void vsay(const char *fmt, va_list ap)
{
    char buf[1024];
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    if (n > (int)sizeof buf - 1)
        n = (int)sizeof buf - 1;
    if (n > 0 && write(2, buf, (size_t)n) < 0) {
        /* nothing more we can do */
    }
}

/* Print to stderr. Formats into a stack buffer and writes with write(2):
 * no malloc, no stdio lock, so it works with the world stopped. */
void pgc_say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsay(fmt, ap);
    va_end(ap);
}

/* Print (as pgc_say) and abort. */
void pgc_fatal(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsay(fmt, ap);
    va_end(ap);
    abort();
}

void pgc_assert_fail(const char *expr, const char *file, int line)
{
    pgc_fatal("pacegc: internal assertion failed: %s (%s:%d)\n", expr, file, line);
}
