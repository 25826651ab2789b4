#!/usr/bin/env bash
# TEST-ASAN: no
# TEST-TIMEOUT: 120
# The inline allocation path (include/pacegc.h) in a dlopened module: a host
# that does not link pacegc dlopens a plugin built with -fPIC against
# libpacegc.so, so libpacegc.so itself arrives by dlopen and its
# initial-exec TLS (pgc__tl) must come from the static TLS surplus.
# Asserts: the plugin inlines pgc_alloc (it references pgc__tl, not
# pgc_alloc); dlopen succeeds; 100000 inline allocations are zeroed; the
# inline path ran (pgc__tl set); after pgc_collect every object, reachable
# only from the plugin's data segment, is intact.
# Run by make test through the wrapper build/tests/test_inline_dlopen (sets
# SRCDIR and BUILD). Skipped under the sanitizers: a host without the
# sanitizer runtime cannot dlopen an instrumented library.
set -eu
SRCDIR=${SRCDIR:-.}
BUILD=${BUILD:-build}
CC=${CC:-cc}
if [ -n "${PGC_ASAN:-}${PGC_TSAN:-}" ]; then
  echo "skipped under a sanitizer"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat > "$tmp/plugin.c" <<'EOF'
#include <pacegc.h>
#include <string.h>
#define N 100000
static void **keep;
int plug_run(void)
{
    pgc_init();
    keep = pgc_alloc(N * sizeof(void *)); /* above 256 bytes: the library */
    for (int i = 0; i < N; i++) {
        unsigned char *p = pgc_alloc(48);
        for (int k = 0; k < 48; k++)
            if (p[k] != 0)
                return 1;
        memset(p, (i & 0x7f) | 1, 48);
        keep[i] = p; /* a fresh slot: a store over NULL */
    }
    if (pgc__tl == NULL)
        return 2;
    pgc_collect();
    for (int i = 0; i < N; i++) {
        unsigned char *p = keep[i];
        if (pgc_base(p) != p)
            return 3;
        for (int k = 0; k < 48; k++)
            if (p[k] != ((i & 0x7f) | 1))
                return 4;
    }
    return 0;
}
EOF
cat > "$tmp/host.c" <<'EOF'
#include <dlfcn.h>
#include <stdio.h>
int main(int argc, char **argv)
{
    (void)argc;
    void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        printf("FAIL: dlopen: %s\n", dlerror());
        return 1;
    }
    int (*run)(void) = (int (*)(void))dlsym(h, "plug_run");
    int rc = run ? run() : 9;
    if (rc)
        printf("FAIL: plug_run returned %d (1 not zeroed, 2 inline path unused, 3/4 object lost)\n", rc);
    return rc != 0;
}
EOF
"$CC" -std=c11 -O2 -Wall -Wextra -fPIC -shared -I"$SRCDIR/include" "$tmp/plugin.c" -o "$tmp/plugin.so" \
  -L"$BUILD" -lpacegc -Wl,-rpath,"$BUILD"
"$CC" -std=c11 -O2 -Wall -Wextra "$tmp/host.c" -o "$tmp/host" -ldl
syms=$(nm -D "$tmp/plugin.so")
if printf '%s\n' "$syms" | grep -qE ' U pgc_alloc$'; then
  echo "FAIL: the plugin calls pgc_alloc instead of inlining it"; exit 1
fi
if ! printf '%s\n' "$syms" | grep -qE ' U pgc__tl$'; then
  echo "FAIL: the plugin does not reference pgc__tl"; exit 1
fi
if ! "$tmp/host" "$tmp/plugin.so"; then
  exit 1
fi
echo "ok inline path in a dlopened module (libpacegc.so loaded by dlopen)"
