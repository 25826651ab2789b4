#!/usr/bin/env bash
# plot-gclog.sh - draw pacegc's event log (PGCDEBUG=gclog=FILE) with gnuplot.
#
# usage: tools/plot-gclog.sh GCLOG.csv [OUT_PREFIX [TITLE]]
#
# Writes OUT_PREFIX.svg and OUT_PREFIX.png (default: GCLOG without .csv):
#   top:    heap in use (heap_alloc), the pacer's heap (heap_live), the goal
#           and the trigger against time, a dashed line at every cycle start
#           (left out when too dense to see) and a mark at every mark
#           termination;
#   middle: GC CPU in cores (ms of CPU per ms of wall time), stacked:
#           assist, background marking, idle marking;
#   bottom: allocators blocked, in threads (ms waited per ms of wall time):
#           waits for assist credit and waits for a triggered cycle to start.
# The two lower panels are averages over equal time bins (PLOT_GCLOG_BINS of
# them, default 200); a counter's growth between two log rows is spread
# evenly over that interval. Blocked time is counted when a wait ends, so a
# long wait shows up in the bins just before its end.
# PLOT_GCLOG_WINDOW=FROM_MS:TO_MS draws only the rows in that time window
# (to see single cycles when there are hundreds).
#
# Input (header first, columns found by name):
#   time_ms,event,cycle,heap_alloc,heap_live,heap_goal,heap_trigger,
#   assist_work_per_byte,assist_cpu_ms,bg_cpu_ms,idle_cpu_ms,blocked_ms
# events: start, mark, markterm, sweepdone, sample; the *_ms CPU and blocked
# columns are cumulative since pgc_init. A synthetic example is in
# tools/testdata/gclog-synthetic.csv.
set -eu

if [ $# -lt 1 ] || [ "$1" = -h ] || [ "$1" = --help ]; then
    sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
in=$1
out=${2:-${in%.csv}}
title=${3:-$(basename "$in")}
bins=${PLOT_GCLOG_BINS:-200}
case $bins in '' | *[!0-9]* | 0) echo "plot-gclog.sh: PLOT_GCLOG_BINS must be a positive integer" >&2; exit 1 ;; esac
window=${PLOT_GCLOG_WINDOW:-}
wfrom=-1e300 wto=1e300
if [ -n "$window" ]; then
    case $window in
    *:*) wfrom=${window%%:*} wto=${window#*:} ;;
    *) echo "plot-gclog.sh: PLOT_GCLOG_WINDOW is FROM_MS:TO_MS" >&2; exit 1 ;;
    esac
    title="$title, $wfrom to $wto ms"
fi
if ! command -v gnuplot >/dev/null 2>&1; then
    echo "plot-gclog.sh: gnuplot not found; for the pictures: apt-get install gnuplot-nox, then tools/plot-gclog.sh $*"
    exit 0
fi
[ -r "$in" ] || { echo "plot-gclog.sh: cannot read $in" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/plot-gclog.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# heap.dat:   time_s alloc_MiB live_MiB goal_MiB trigger_MiB
# cum.dat:    time_ms assist_ms bg_ms idle_ms blocked_ms (cumulative)
# term.dat:   time_s alloc_MiB at each markterm
# starts.gp:  one dashed vertical line per cycle start (at most 2000)
# range.txt:  tmin_ms tmax_ms rows starts
awk -F, -v tmp="$tmp" -v wfrom="$wfrom" -v wto="$wto" '
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
    tm = $col["time_ms"] + 0; t = tm / 1000; ev = $col["event"]; M = 1048576
    if (tm < wfrom + 0 || tm > wto + 0) next
    printf "%.6f %.3f %.3f %.3f %.3f\n", t, $col["heap_alloc"] / M, $col["heap_live"] / M, \
        $col["heap_goal"] / M, $col["heap_trigger"] / M > (tmp "/heap.dat")
    printf "%.6f %s %s %s %s\n", tm, $col["assist_cpu_ms"] + 0, $col["bg_cpu_ms"] + 0, \
        $col["idle_cpu_ms"] + 0, $col["blocked_ms"] + 0 > (tmp "/cum.dat")
    rows++
    if (ev == "markterm") printf "%.6f %.3f\n", t, $col["heap_alloc"] / M > (tmp "/term.dat")
    if (rows == 1 || tm < tmin) tmin = tm
    if (rows == 1 || tm > tmax) tmax = tm
    if (ev == "start" && starts++ < 2000)
        printf "set arrow from %.6f, graph 0 to %.6f, graph 1 nohead linewidth 1 linecolor rgb \"#c8c8c8\"\n", t, t > (tmp "/starts.gp")
}
END {
    if (bad) exit 1
    if (rows == 0) { print "plot-gclog.sh: no data rows" (wfrom > -1e300 ? " in the window" : "") > "/dev/stderr"; exit 1 }
    if (tmax <= tmin) tmax = tmin + 1
    printf "%.6f %.6f %d %d\n", tmin, tmax, rows, starts > (tmp "/range.txt")
    printf "%d rows, %d cycle starts\n", rows, starts > "/dev/stderr"
}' "$in"
touch "$tmp/term.dat" "$tmp/starts.gp"
read -r tmin tmax _ starts <"$tmp/range.txt"

# cpu.dat: bin_start_s assist bg idle blocked, each the counter's growth in
# the bin divided by the bin width (ms per ms: cores, or threads for blocked);
# a last row at tmax repeats the last bin so that the steps reach the edge.
# labels.gp: gnuplot variables for the legend (totals, bin width).
awk -v tmin="$tmin" -v tmax="$tmax" -v nb="$bins" -v tmp="$tmp" '
function spread(j, d,    lo, hi, b, b0, b1, f) {
    if (d <= 0) return           # counters only grow; ignore resets
    if (t1 <= t0) { b = int((t1 - tmin) / w); if (b >= nb) b = nb - 1; if (b < 0) b = 0; S[j, b] += d; return }
    b0 = int((t0 - tmin) / w); b1 = int((t1 - tmin) / w)
    if (b1 >= nb) b1 = nb - 1
    if (b0 < 0) b0 = 0
    for (b = b0; b <= b1; b++) {
        lo = tmin + b * w; hi = lo + w
        if (lo < t0) lo = t0
        if (b == nb - 1 || hi > t1) hi = t1
        if (hi > lo) S[j, b] += d * (hi - lo) / (t1 - t0)
    }
}
BEGIN { w = (tmax - tmin) / nb }
{
    t1 = $1
    if (NR > 1) for (j = 1; j <= 4; j++) { spread(j, $(j + 1) - c[j]); }
    if (NR == 1) for (j = 1; j <= 4; j++) first[j] = $(j + 1)
    for (j = 1; j <= 4; j++) c[j] = $(j + 1)
    t0 = t1
}
END {
    for (b = 0; b < nb; b++) {
        printf "%.6f", (tmin + b * w) / 1000 > (tmp "/cpu.dat")
        for (j = 1; j <= 4; j++) printf " %.4f", S[j, b] / w > (tmp "/cpu.dat")
        printf "\n" > (tmp "/cpu.dat")
    }
    printf "%.6f", tmax / 1000 > (tmp "/cpu.dat")
    for (j = 1; j <= 4; j++) printf " %.4f", S[j, nb - 1] / w > (tmp "/cpu.dat")
    printf "\n" > (tmp "/cpu.dat")
    for (j = 1; j <= 4; j++) tot[j] = (NR ? c[j] - first[j] : 0)
    printf "tot_assist = \"%.1f\"; tot_bg = \"%.1f\"; tot_idle = \"%.1f\"; tot_blocked = \"%.1f\"\n", \
        tot[1], tot[2], tot[3], tot[4] > (tmp "/labels.gp")
    printf "binw = \"%.3g\"\n", w > (tmp "/labels.gp")
}' "$tmp/cum.dat"

# Past about one cycle start per 6 pixels the dashed lines only grey out
# the panel; leave them out then and say so in the legend.
starts_note=""
if [ "$starts" -gt 180 ]; then
    : >"$tmp/starts.gp"
    starts_note=" ($starts cycles; start lines left out)"
elif [ "$starts" -gt 0 ]; then
    starts_note=" (grey lines: cycle starts)"
fi

W=1200 H=950
png_term="pngcairo size $W,$H font 'sans,10'"
gnuplot -e "set terminal pngcairo" >/dev/null 2>&1 || png_term="png size $W,$H"

for fmt in svg png; do
    if [ $fmt = svg ]; then term="svg size $W,$H dynamic font 'sans,10'"; else term=$png_term; fi
    cat >"$tmp/plot.gp" <<EOF
set terminal $term
set output '$out.$fmt'
load '$tmp/labels.gp'
set multiplot title "pacegc GC log: $title"
set lmargin 14
set rmargin 4
set grid
set xrange [$tmin/1000.0:$tmax/1000.0]
set format x ''
set offsets 0, 0, graph 0.14, 0
set key top left horizontal opaque box width 1 samplen 3

# heap: unchanged but for headroom above the goal for the legend
set ylabel 'MiB'
set size 1, 0.52
set origin 0, 0.46
load '$tmp/starts.gp'
plot '$tmp/heap.dat' using 1:2 with steps linewidth 1.5 linecolor rgb '#1f77b4' title 'heap in use (heap\_alloc)', \
     '' using 1:3 with steps linewidth 1 linecolor rgb '#9467bd' title 'heap\_live', \
     '' using 1:4 with steps linewidth 2 linecolor rgb '#d62728' title 'goal', \
     '' using 1:5 with steps linewidth 1.5 dashtype 2 linecolor rgb '#ff7f0e' title 'trigger', \
     '$tmp/term.dat' using 1:2 with points pointtype 7 pointsize 0.6 linecolor rgb '#2ca02c' title 'mark termination$starts_note'
unset arrow

# GC CPU, stacked: the top edge is the total
set tmargin 0.5
set size 1, 0.25
set origin 0, 0.22
set ylabel "GC CPU, stacked (cores)\nms CPU per ms wall"
set yrange [0:*]
set style fill solid 0.85 noborder
plot '$tmp/cpu.dat' using 1:(\$2+\$3+\$4) with fillsteps linecolor rgb '#b8b8b8' title 'idle mark ('.tot_idle.' ms)', \
     '' using 1:(\$2+\$3) with fillsteps linecolor rgb '#1f77b4' title 'background mark ('.tot_bg.' ms)', \
     '' using 1:2 with fillsteps linecolor rgb '#d62728' title 'assist ('.tot_assist.' ms)', \
     '' using 1:(\$2+\$3+\$4) with steps linewidth 1 linecolor rgb '#404040' notitle

# allocators blocked, on its own scale
set size 1, 0.21
set origin 0, 0.0
set bmargin 3.5
set format x '%g'
set xlabel 'time (s)          (lower two panels: averages over '.binw.' ms bins)'
set ylabel "allocators blocked\n(threads: ms waited per ms)"
set style fill solid 0.5 noborder
plot '$tmp/cpu.dat' using 1:5 with fillsteps linecolor rgb '#555555' title 'waiting for assist credit or a cycle start ('.tot_blocked.' ms in all; counted as each wait ends)', \
     '' using 1:5 with steps linewidth 1 linecolor rgb '#000000' notitle
unset multiplot
EOF
    gnuplot "$tmp/plot.gp"
done
echo "wrote $out.svg and $out.png"
