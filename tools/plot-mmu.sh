#!/usr/bin/env bash
# plot-mmu.sh - draw minimum mutator utilization curves with gnuplot.
#
# usage: tools/plot-mmu.sh [DIR [OUT_PREFIX]]     DIR defaults to build/bench
#
# Reads DIR/mmu-<backend>.dat, written by the latency benchmark
# (bench/latency.c, bench/go/latency: lines "window_ms mmu", '#' comments),
# and draws one curve per backend, window size on a log x axis against MMU,
# pacegc first. Writes OUT_PREFIX.svg and OUT_PREFIX.png (default DIR/mmu).
set -eu

case ${1:-} in -h | --help)
    sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
dir=${1:-build/bench}
out=${2:-$dir/mmu}
if ! command -v gnuplot >/dev/null 2>&1; then
    echo "plot-mmu.sh: gnuplot not found; for the pictures: apt-get install gnuplot-nox, then tools/plot-mmu.sh $*"
    exit 0
fi

files=()
for b in pacegc bdwgc bdwgc-incr go malloc mimalloc; do
    [ -s "$dir/mmu-$b.dat" ] && files+=("$dir/mmu-$b.dat")
done
for f in "$dir"/mmu-*.dat; do
    [ -s "$f" ] || continue
    case " ${files[*]:-} " in *" $f "*) ;; *) files+=("$f") ;; esac
done
if [ ${#files[@]} -eq 0 ]; then
    echo "plot-mmu.sh: no $dir/mmu-*.dat (run the latency benchmark first)" >&2
    exit 1
fi

declare -A color=([pacegc]='#d62728' [bdwgc]='#1f77b4' [bdwgc-incr]='#17becf'
    [go]='#2ca02c' [malloc]='#7f7f7f' [mimalloc]='#bcbd22')
plots=""
for f in "${files[@]}"; do
    b=$(basename "$f" .dat)
    b=${b#mmu-}
    lw=1.5
    [ "$b" = pacegc ] && lw=2.5
    extra=""
    [ "$b" = malloc ] && extra=" (no GC: machine noise)"
    plots="$plots${plots:+, }'$f' using 1:2 with linespoints linewidth $lw pointtype 7 pointsize 0.5 linecolor rgb '${color[$b]:-#000000}' title '$b$extra'"
done
# The live size, from the heading comment the latency benchmark writes.
live=$(sed -n "s/^#.*live \([0-9]*\) MiB.*/\1/p" "${files[@]}" | head -n 1)
title="Minimum mutator utilization of the latency probe${live:+ ($live MiB live)}"

png_term="pngcairo size 900,600 font 'sans,10'"
gnuplot -e "set terminal pngcairo" >/dev/null 2>&1 || png_term="png size 900,600"
for fmt in svg png; do
    if [ $fmt = svg ]; then term="svg size 900,600 dynamic font 'sans,10'"; else term=$png_term; fi
    gnuplot <<EOF
set terminal $term
set output '$out.$fmt'
set title "$title"
set logscale x 10
set xlabel 'window (ms)'
set ylabel 'MMU'
set yrange [0:1.02]
set format x '%g'
set grid xtics ytics mxtics
set key top left
plot $plots
EOF
done
echo "wrote $out.svg and $out.png"
