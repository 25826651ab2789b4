#!/usr/bin/env bash
# rss_runs.sh - binary-trees RSS spread (issue 12): run
# build/bench/binarytrees-pacegc N times (depth 21, 1 thread) with
# PGCDEBUG=gctrace=1,pacertrace=1 (plus $RSS_PGCDEBUG, e.g. blackonce=1),
# and print per run the peak RSS, pacegc's heap_alloc peak, the cycle count,
# and the three cycles that reached the largest heap: mark wall time, heap
# at mark start / end, bytes marked, of those the heap bytes traced (pacer
# work) and the rest (allocated black during the mark), and the goal that
# cycle left (MB). Logs go to build/bench/rss/.
#
# usage: bench/rss_runs.sh [runs]    default 8
set -u
cd "$(dirname "$0")/.." || exit 1
N=${1:-8}
OUT=build/bench/rss
BIN=build/bench/binarytrees-pacegc
[ -x "$BIN" ] || { echo "rss_runs.sh: $BIN missing (make build/bench/binarytrees-pacegc)" >&2; exit 2; }
mkdir -p "$OUT"
dbg="gctrace=1,pacertrace=1${RSS_PGCDEBUG:+,$RSS_PGCDEBUG}"
for i in $(seq 1 "$N"); do
    PGCDEBUG=$dbg "$BIN" 21 1 >"$OUT/out.$i" 2>"$OUT/trace.$i"
    r=$(grep '^RESULT' "$OUT/out.$i")
    rss=$(echo "$r" | grep -o 'rss_kb=[0-9]*' | cut -d= -f2)
    echo "run $i ($dbg): rss $((rss / 1024)) MiB, $(echo "$r" | grep -o 'heap_peak_mib=[0-9.]*\|num_gc=[0-9]*\| wall_ms=[0-9.]*' | tr '\n' ' ')"
    awk '/^gc [0-9]+ @/ {
            for (i = 1; i <= NF; i++)
                if ($(i + 1) == "MB," && $(i + 4) == "goal,") { split($i, a, "->"); s = a[1]; e = a[2]; m = a[3]; g = $(i + 2) }
            cyc = $2; t = $3; split($5, c, "+"); ms = c[2] }
         /^pacer: [0-9]+% CPU/ { split($7, w, "+"); h = w[1] / 1048576
            printf "%d   cycle %s %s mark %s ms, heap %s->%s, marked %s = traced %.0f + black %.0f, goal %s\n", e, cyc, t, ms, s, e, m, h, m - h, g }' \
        "$OUT/trace.$i" | sort -n | tail -3 | cut -d' ' -f2-
done
