#!/bin/bash
# bench/whippet.sh - run Whippet's mt-gcbench next to pacegc's mtgcbench,
# interleaved, if a built Whippet tree is at hand.
#
# usage: bench/whippet.sh WHIPPET_DIR [ROUNDS]
#
# WHIPPET_DIR must hold Whippet's benchmark binaries bin/mt-gcbench.<collector>
# (as Whippet's own Makefile names them, e.g. `make bin/mt-gcbench.mmc`).
# Whippet is not vendored here and CI never needs it: with no such directory
# or no binaries the script says so and exits 0. Each round runs, in turn,
# every Whippet collector binary found (mmc, heap-conservative-mmc,
# generational-mmc, parallel-mmc) at heap multiplier 2.5, then Whippet's own
# mt-gcbench built on pacegc (build/bench/mt-gcbench-pgc, from
# bench/whippet/build-adapter.sh, if built) and build/bench/mtgcbench-pacegc
# (both PGC_GOGC=100, or PGC_GOGCS="100 120" for several), at 1 and 2
# threads; it prints one line per run (wall seconds and max RSS from
# /usr/bin/time, load average), the medians, and each config's median over
# rounds of its wall time / mmc's in the same round.
# Run from the repository root after `make bench-build` (`make bench` runs
# the whole suite, ~8 minutes, and regenerates docs/BENCHMARKS.md).
set -u
dir=${1:-}
rounds=${2:-5}
if [ -z "$dir" ] || [ ! -d "$dir" ]; then
    echo "whippet.sh: no Whippet tree at '${dir}'; skipping"
    exit 0
fi
pgc=build/bench/mtgcbench-pacegc
if [ ! -x "$pgc" ]; then
    echo "whippet.sh: $pgc not built (run make bench-build); skipping"
    exit 0
fi
cfgs=()
for c in mmc heap-conservative-mmc generational-mmc parallel-mmc; do
    [ -x "$dir/bin/mt-gcbench.$c" ] && cfgs+=("$c")
done
if [ ${#cfgs[@]} -eq 0 ]; then
    echo "whippet.sh: no $dir/bin/mt-gcbench.* binaries; skipping"
    exit 0
fi
adapter=build/bench/mt-gcbench-pgc
for g in ${PGC_GOGCS:-100}; do
    [ -x "$adapter" ] && cfgs+=("adapter-gogc$g")
    cfgs+=("pacegc-gogc$g")
done
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# median of the numbers on stdin, one per line, sorted
median() { awk '{ v[NR] = $1 } END { if (NR) print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
for r in $(seq 1 "$rounds"); do
    for t in 1 2; do
        for c in "${cfgs[@]}"; do
            case $c in
            adapter-gogc*) cmd=(env PGC_GOGC="${c#adapter-gogc}" "$adapter" 2.5 "$t") ;;
            pacegc-gogc*) cmd=(env PGC_GOGC="${c#pacegc-gogc}" "$pgc" "$t") ;;
            *) cmd=("$dir/bin/mt-gcbench.$c" 2.5 "$t") ;;
            esac
            tm=$({ /usr/bin/time -f "%e %M" "${cmd[@]}" >/dev/null; } 2>&1 | tail -1)
            line="round=$r threads=$t cfg=$c wall_s=${tm% *} rss_kib=${tm#* } load=$(cut -d' ' -f1 /proc/loadavg)"
            echo "$line"
            echo "$line" >>"$out"
        done
    done
done
echo "medians (wall seconds):"
for t in 1 2; do
    for c in "${cfgs[@]}"; do
        vals=$(grep " threads=$t cfg=$c " "$out" | sed 's/.*wall_s=\([0-9.]*\).*/\1/' | sort -n)
        echo "  threads=$t cfg=$c median=$(echo "$vals" | median) n=$(echo "$vals" | grep -c .)"
    done
done
if [ "${cfgs[0]}" = mmc ]; then
    echo "ratios to mmc (median over rounds of wall / mmc's wall in the same round):"
    for t in 1 2; do
        for c in "${cfgs[@]:1}"; do
            # lines read "round=R threads=T cfg=C wall_s=W ..."
            vals=$(awk -v t="threads=$t" -v c="cfg=$c" '
                $2 == t && $3 == "cfg=mmc" { m[$1] = substr($4, 8) }
                $2 == t && $3 == c { x[$1] = substr($4, 8) }
                END { for (r in x) if (m[r] > 0) printf "%.4f\n", x[r] / m[r] }' "$out" | sort -n)
            med=$(echo "$vals" | median)
            echo "  threads=$t cfg=$c ratio=${med:+$(printf %.2f "$med")} n=$(echo "$vals" | grep -c .)"
        done
    done
fi
