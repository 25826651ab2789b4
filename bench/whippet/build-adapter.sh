#!/bin/bash
# bench/whippet/build-adapter.sh - build Whippet's benchmarks/mt-gcbench.c on
# pacegc through bench/whippet/pgc-whippet-adapter.h (issue 12).
#
# usage: bench/whippet/build-adapter.sh WHIPPET_DIR
#
# WHIPPET_DIR is a Whippet tree (github.com/wingo/whippet), or any directory
# with its benchmarks/mt-gcbench.c, benchmarks/mt-gcbench-types.h and
# benchmarks/heap-objects.h. Whippet is not part of this repository and
# nothing in `make test` needs it: with no such directory the script says so
# and exits 0. Run from the repository root; builds build/libpacegc.a if
# needed. Those three files are copied into build/bench/whippet-src/, next to
# one-line headers under the other names the benchmark includes, each of
# which includes the adapter (so Whippet's own headers are never picked up).
# Writes:
#   build/bench/mt-gcbench-pgc          nodes inline pgc_alloc (conservative)
#   build/bench/mt-gcbench-pgc-precise  nodes pgc_alloc_kind (bitmap, a call)
# Run as Whippet's: build/bench/mt-gcbench-pgc MULTIPLIER NTHREADS (the
# multiplier is ignored; PGC_GOGC paces the heap); the last line, "PGCW ...",
# has pacegc's counters.
set -eu
dir=${1:-}
if [ -z "$dir" ] || [ ! -f "$dir/benchmarks/mt-gcbench.c" ]; then
    echo "build-adapter.sh: no Whippet benchmarks/mt-gcbench.c under '${dir}'; skipping"
    exit 0
fi
cc=${CC:-gcc}
make -s build/libpacegc.a
src=build/bench/whippet-src
mkdir -p "$src"
for f in mt-gcbench.c mt-gcbench-types.h heap-objects.h; do
    if [ ! -f "$dir/benchmarks/$f" ]; then
        echo "build-adapter.sh: $dir/benchmarks/$f missing; skipping"
        exit 0
    fi
    cp "$dir/benchmarks/$f" "$src/$f"
done
for h in assert.h gc-api.h gc-basic-stats.h simple-roots-api.h gc-inline.h gc-edge.h \
         simple-tagging-scheme.h; do
    echo '#include "pgc-whippet-adapter.h"' >"$src/$h"
done
printf '#define PGC_WHIPPET_ALLOCATOR 1\n#include "pgc-whippet-adapter.h"\n' >"$src/simple-allocator.h"
# Whippet's opt build flags, less what needs its own build (LTO across the
# collector; the library here is a static archive built by make).
flags="-O2 -g -DNDEBUG -fno-strict-aliasing -std=gnu11 -D_GNU_SOURCE -pthread -Wall -Wno-unused-parameter"
inc="-iquote $src -iquote bench/whippet -Iinclude"
$cc $flags $inc -o build/bench/mt-gcbench-pgc "$src/mt-gcbench.c" build/libpacegc.a -lpthread
$cc $flags $inc -DPGC_WHIPPET_PRECISE -o build/bench/mt-gcbench-pgc-precise "$src/mt-gcbench.c" \
    build/libpacegc.a -lpthread
echo "build-adapter.sh: built build/bench/mt-gcbench-pgc build/bench/mt-gcbench-pgc-precise"
