#!/usr/bin/env bash
# plot-gclog.sh - draw pacegc's event log (PGCDEBUG=gclog=FILE) with gnuplot.
#
# usage: tools/plot-gclog.sh GCLOG.csv [OUT_PREFIX]
#
# Writes OUT_PREFIX.svg and OUT_PREFIX.png (default: GCLOG without .csv):
#   top:    heap in use (heap_alloc), the pacer's heap (heap_live), the goal
#           and the trigger against time, a dashed line at every cycle start
#           and a mark at every mark termination;
#   bottom: GC CPU by kind, in cores (the slope of the cumulative columns):
#           assist, background and idle marking, and time allocators spent
#           blocked waiting to pay assist debt.
#
# Input (header first, columns found by name):
#   time_ms,event,cycle,heap_alloc,heap_live,heap_goal,heap_trigger,
#   assist_work_per_byte,assist_cpu_ms,bg_cpu_ms,idle_cpu_ms,blocked_ms
# events: start, mark, markterm, sweepdone, sample; the *_ms CPU and blocked
# columns are cumulative since pgc_init. A synthetic example is in
# tools/testdata/gclog-synthetic.csv.
set -eu

if [ $# -lt 1 ] || [ "$1" = -h ] || [ "$1" = --help ]; then
    sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
in=$1
out=${2:-${in%.csv}}
if ! command -v gnuplot >/dev/null 2>&1; then
    echo "plot-gclog.sh: gnuplot not found; for the pictures: apt-get install gnuplot-nox, then tools/plot-gclog.sh $*"
    exit 0
fi
[ -r "$in" ] || { echo "plot-gclog.sh: cannot read $in" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/plot-gclog.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# heap.dat:   time_s alloc_MiB live_MiB goal_MiB trigger_MiB
# cpu.dat:    time_s assist bg idle blocked (cores, over the preceding step)
# term.dat:   time_s alloc_MiB at each markterm
# starts.gp:  one dashed vertical line per cycle start (at most 2000)
awk -F, -v tmp="$tmp" '
NR == 1 {
    for (i = 1; i <= NF; i++) { gsub(/[ \r]/, "", $i); col[$i] = i }
    need = "time_ms event heap_alloc heap_live heap_goal heap_trigger assist_cpu_ms bg_cpu_ms idle_cpu_ms blocked_ms"
    n = split(need, nd, " ")
    for (i = 1; i <= n; i++)
        if (!(nd[i] in col)) { print "plot-gclog.sh: column " nd[i] " missing from the header" > "/dev/stderr"; bad = 1; exit 1 }
    next
}
NF < 2 { next }
{
    gsub(/\r/, "")
    t = $col["time_ms"] / 1000; ev = $col["event"]; M = 1048576
    printf "%.6f %.3f %.3f %.3f %.3f\n", t, $col["heap_alloc"] / M, $col["heap_live"] / M, \
        $col["heap_goal"] / M, $col["heap_trigger"] / M > (tmp "/heap.dat")
    a = $col["assist_cpu_ms"]; b = $col["bg_cpu_ms"]; d = $col["idle_cpu_ms"]; k = $col["blocked_ms"]
    if (rows > 0 && $col["time_ms"] > pt) {
        dt = $col["time_ms"] - pt
        printf "%.6f %.4f %.4f %.4f %.4f\n", t, (a - pa) / dt, (b - pb) / dt, (d - pd) / dt, (k - pk) / dt > (tmp "/cpu.dat")
        pt = $col["time_ms"]; pa = a; pb = b; pd = d; pk = k
    } else if (rows == 0) {
        pt = $col["time_ms"]; pa = a; pb = b; pd = d; pk = k
    }
    rows++
    if (ev == "markterm") printf "%.6f %.3f\n", t, $col["heap_alloc"] / M > (tmp "/term.dat")
    if (rows == 1 || t < tmin) tmin = t
    if (rows == 1 || t > tmax) tmax = t
    if (ev == "start" && starts++ < 2000)
        printf "set arrow from %.6f, graph 0 to %.6f, graph 1 nohead dashtype 3 linecolor rgb \"#b0b0b0\"\n", t, t > (tmp "/starts.gp")
}
END {
    if (bad) exit 1
    if (rows == 0) { print "plot-gclog.sh: no data rows" > "/dev/stderr"; exit 1 }
    if (tmax <= tmin) tmax = tmin + 0.001
    printf "set xrange [%.6f:%.6f]\n", tmin, tmax > (tmp "/xrange.gp")
    printf "%d rows, %d cycle starts\n", rows, starts > "/dev/stderr"
}' "$in"
touch "$tmp/cpu.dat" "$tmp/term.dat" "$tmp/starts.gp"
[ -s "$tmp/cpu.dat" ] || echo "0 0 0 0 0" >"$tmp/cpu.dat"

png_term="pngcairo size 1200,800 font 'sans,10'"
gnuplot -e "set terminal pngcairo" >/dev/null 2>&1 || png_term="png size 1200,800"

title=$(basename "$in")
for fmt in svg png; do
    if [ $fmt = svg ]; then term="svg size 1200,800 dynamic font 'sans,10'"; else term=$png_term; fi
    cat >"$tmp/plot.gp" <<EOF
set terminal $term
set output '$out.$fmt'
set multiplot layout 2,1 title "pacegc GC log: $title"
set lmargin 12
set rmargin 4
set grid
set key top left horizontal
load '$tmp/xrange.gp'
set ylabel 'MiB'
set format x ''
set size 1, 0.62
set origin 0, 0.36
load '$tmp/starts.gp'
plot '$tmp/heap.dat' using 1:2 with lines linewidth 1.5 linecolor rgb '#1f77b4' title 'heap in use (heap\_alloc)', \
     '' using 1:3 with lines linewidth 1 linecolor rgb '#9467bd' title 'heap\_live', \
     '' using 1:4 with steps linewidth 2 linecolor rgb '#d62728' title 'goal', \
     '' using 1:5 with steps linewidth 1.5 dashtype 2 linecolor rgb '#ff7f0e' title 'trigger', \
     '$tmp/term.dat' using 1:2 with points pointtype 7 pointsize 0.6 linecolor rgb '#2ca02c' title 'mark termination'
unset arrow
set size 1, 0.34
set origin 0, 0.02
set format x '%g'
set xlabel 'time (s)'
set ylabel 'GC CPU (cores)'
set yrange [0:*]
plot '$tmp/cpu.dat' using 1:2 with fsteps linewidth 1.5 linecolor rgb '#d62728' title 'assist', \
     '' using 1:3 with fsteps linewidth 1 linecolor rgb '#1f77b4' title 'background', \
     '' using 1:4 with fsteps linewidth 1 linecolor rgb '#7f7f7f' title 'idle', \
     '' using 1:5 with fsteps linewidth 1 dashtype 2 linecolor rgb '#000000' title 'blocked on assist'
unset multiplot
EOF
    gnuplot "$tmp/plot.gp"
done
echo "wrote $out.svg and $out.png"
