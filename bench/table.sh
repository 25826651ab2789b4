#!/usr/bin/env bash
# table.sh - issue 12's peer table: pacegc, bdwgc and Go side by side in one
# run, medians of 3, plus where pacegc's (and Go's) time goes. Started by
# `make bench-table` (bench/bench.mk builds the programs first); ~10-15
# minutes on 2 cores. Prints the tables and writes them to
# build/bench/table/table.md; raw RESULT lines in build/bench/table/results.txt,
# each run's stderr (Go: GODEBUG=gctrace=1) beside it.
#
# Rows (each workload's program is written once per backend from the same
# description; see its header comment):
#   gcbench        bench/gcbench.c, args 18 16 16 500000
#   binarytrees-1t bench/binarytrees.c, depth 21, 1 thread
#   binarytrees-2t the same, 2 threads
#   mtgcbench-1t   bench/mtgcbench.c, 1 thread, args 1 16 16 18 (ours, not
#                  Whippet's program: no fixed heap, each collector paces)
#   mtgcbench-2t   the same, 2 threads
#   latency        bench/latency.c, 256 MiB live, 1536 MiB churn; the probe is
#                  a light allocating thread (32 bytes every 100 us,
#                  BENCH_PROBE_ALLOC_US=100): longest stall, MMU 10/100 ms
#   fairness       bench/fairness.c, 3 threads x 1 KiB at GOGC=1 (pacegc
#                  PGC_GOGC=1, Go GOGC=1, bdwgc defaults), 3 s window
# quads (Whippet's) has no port here; it is not in the table.
#
# Environment: BENCH_REPS (3), BENCH_TABLE_ROWS (subset of the rows above),
# BENCH_BIN (build/bench), BENCH_TABLE_OUT (build/bench/table),
# BENCH_TIMEOUT_S (300 per run), BENCH_TABLE_REPORT_ONLY=1 (no runs: print
# the tables again from the existing results.txt).
set -u
cd "$(dirname "$0")/.." || exit 1
BIN=${BENCH_BIN:-build/bench}
OUT=${BENCH_TABLE_OUT:-build/bench/table}
REPS=${BENCH_REPS:-3}
TIMEOUT=${BENCH_TIMEOUT_S:-300}
ROWS=(${BENCH_TABLE_ROWS:-gcbench binarytrees-1t binarytrees-2t mtgcbench-1t mtgcbench-2t latency fairness})
BACKENDS=(pacegc bdwgc go)
declare -A PROG ARGS ENVS
PROG[gcbench]=gcbench;            ARGS[gcbench]="18 16 16 500000"
PROG[binarytrees-1t]=binarytrees; ARGS[binarytrees-1t]="21 1"
PROG[binarytrees-2t]=binarytrees; ARGS[binarytrees-2t]="21 2"
PROG[mtgcbench-1t]=mtgcbench;     ARGS[mtgcbench-1t]="1 16 16 18"
PROG[mtgcbench-2t]=mtgcbench;     ARGS[mtgcbench-2t]="2 16 16 18"
PROG[latency]=latency;            ARGS[latency]="256 1536";  ENVS[latency]="BENCH_PROBE_ALLOC_US=100"
PROG[fairness]=fairness;          ARGS[fairness]="3000"
for w in "${ROWS[@]}"; do
    [ -n "${PROG[$w]:-}" ] || { echo "table.sh: unknown row $w" >&2; exit 2; }
    for b in "${BACKENDS[@]}"; do
        [ -x "$BIN/${PROG[$w]}-$b" ] || { echo "table.sh: $BIN/${PROG[$w]}-$b missing (make bench-table builds it)" >&2; exit 2; }
    done
done
mkdir -p "$OUT"
RES=$OUT/results.txt
START=$(date -u '+%Y-%m-%d %H:%M UTC')
if [ "${BENCH_TABLE_REPORT_ONLY:-}" = 1 ]; then
    REPS=0
    START="$(date -u -r "$RES" '+%Y-%m-%d %H:%M UTC') (end)"
else
    : >"$RES"
fi
echo "table.sh: ${#ROWS[@]} rows x ${#BACKENDS[@]} backends x $REPS rounds; load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2

# Sums of Go's GODEBUG=gctrace=1 lines (Go 1.19 has no CPU-class metrics):
# "gc N @t s P%: a+b+c ms clock, A+B/C/D+E ms cpu, ..." with a, c the two
# pauses, b the concurrent mark, B assist, C background workers, D idle.
go_breakdown() {
    awk '/^gc [0-9]+ @/ {
        for (i = 1; i <= NF; i++) {
            if ($(i + 1) == "ms" && $(i + 2) == "clock,") { split($i, c, "+"); pause += c[1] + c[3]; mark += c[2] }
            if ($(i + 1) == "ms" && $(i + 2) == "cpu,") { split($i, p, "+"); split(p[2], q, "/"); as += q[1]; bg += q[2]; id += q[3] }
        }
    } END { printf "go_assist_ms=%.1f,go_bg_ms=%.1f,go_idle_ms=%.1f,go_pause_total_ms=%.2f,go_mark_wall_ms=%.1f", as, bg, id, pause, mark }' "$1"
}

for r in $(seq 1 "$REPS"); do
    [ "$REPS" -gt 0 ] || break
    for w in "${ROWS[@]}"; do
        # rotate the backend order each round
        order=("${BACKENDS[@]:$(( (r - 1) % 3 ))}" "${BACKENDS[@]:0:$(( (r - 1) % 3 ))}")
        for b in "${order[@]}"; do
            envs=(${ENVS[$w]:-})
            case $b in
            pacegc) envs+=(PGC_GOGC=100); [ "$w" = fairness ] && envs+=(PGC_GOGC=1) ;;
            go) envs+=(GOGC=100 GODEBUG=gctrace=1); [ "$w" = fairness ] && envs+=(GOGC=1) ;;
            esac
            tag=$OUT/$w-$b-$r
            line=$(env "${envs[@]}" timeout "$TIMEOUT" "$BIN/${PROG[$w]}-$b" ${ARGS[$w]} 2>"$tag.err" | grep '^RESULT' | tail -1)
            if [ -z "$line" ]; then
                echo "table.sh: $w on $b (round $r) failed; see $tag.err" >&2
                continue
            fi
            [ "$b" = go ] && line="$line,$(go_breakdown "$tag.err")"
            echo "ROW=$w ROUND=$r $line" >>"$RES"
            echo "  round $r $w $b: $(echo "$line" | grep -o ' wall_ms=[0-9.]*')" >&2
        done
    done
done

python3 - "$RES" "$START" "$(cut -d' ' -f1-3 /proc/loadavg)" "${ROWS[*]}" >"$OUT/table.md" <<'PY'
import sys, statistics
res, start, load, rows = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split()
runs = {}
for line in open(res):
    f = {}
    for tok in line.split():
        if '=' in tok:
            k, v = tok.split('=', 1)
            f[k] = v
    for kv in f.pop('extra', '-').split(','):
        if '=' in kv:
            k, v = kv.split('=', 1)
            f.setdefault(k, v)
    runs.setdefault((f['ROW'], f['backend']), []).append(f)

def num(f, k):
    try:
        return float(f[k])
    except (KeyError, ValueError):
        return None

def med(w, b, k):
    v = [x for x in (num(f, k) for f in runs.get((w, b), [])) if x is not None]
    return statistics.median(v) if v else None

def median_run(w, b):
    rs = [f for f in runs.get((w, b), []) if num(f, 'wall_ms') is not None]
    if not rs:
        return None
    rs.sort(key=lambda f: num(f, 'wall_ms'))
    return rs[(len(rs) - 1) // 2]

def fmt(v, kind):
    if v is None:
        return '-'
    if kind == 's':
        return '%.2f s' % (v / 1e3) if v >= 1000 else '%.0f ms' % v
    if kind == 'ms':
        return '%.1f ms' % v
    if kind == 'r':
        return '%.2f' % v
    if kind == 'mib':
        return '%.0f' % (v / 1024)
    return str(v)

def ratio(a, b):
    return '%.2f' % (a / b) if a is not None and b else '-'

B = ['pacegc', 'bdwgc', 'go']
spec = [
    ('gcbench', 'GCBench wall', 'wall_ms', 's', 1),
    ('binarytrees-1t', 'binary-trees 21, 1 thread', 'wall_ms', 's', 1),
    ('binarytrees-2t', 'binary-trees 21, 2 threads', 'wall_ms', 's', 1),
    ('mtgcbench-1t', 'mt-gcbench (ours) 16/16/18, 1 thread', 'wall_ms', 's', 1),
    ('mtgcbench-2t', 'same, 2 threads', 'wall_ms', 's', 1),
    ('latency', 'latency 256/1536: light allocating thread\'s longest stall', 'max_pause_us', 'ms', 1e-3),
    ('latency', 'same: MMU, 10 ms window', 'mmu_10ms', 'r', 1),
    ('latency', 'same: MMU, 100 ms window', 'mmu_100ms', 'r', 1),
    ('latency', 'same: churn wall', 'churn_ms', 's', 1),
    ('fairness', 'fairness, 3 threads x 1 KiB, GOGC=1: slowest / fastest', 'fairness', 'r', 1),
    ('fairness', 'same: allocations per second (all threads)', 'allocs_per_s', 'r', 1e-6),
    ('fairness', 'same: peak heap, MiB (bdwgc: its heap size)', 'heap_peak_mib', 'r', 1),
]
n = {b: min([len(runs.get((w, b), [])) for w in rows] or [0]) for b in B}
print('Run %s, load average at the end %s; medians of %s runs (pacegc / bdwgc / Go).' % (start, load, '/'.join(str(n[b]) for b in B)))
print()
print('| workload | pacegc | bdwgc 8.2.2 | Go 1.19 | pacegc / bdwgc | pacegc / Go |')
print('|---|---:|---:|---:|---:|---:|')
for w, label, k, kind, scale in spec:
    if w not in rows:
        continue
    v = {b: med(w, b, k) for b in B}
    if k == 'heap_peak_mib':  # bdwgc reports the heap it holds, not a peak
        v = {b: (x if x is not None else med(w, b, 'heap_mib')) for b, x in v.items()}
    v = {b: (x * scale if x is not None else None) for b, x in v.items()}
    if k == 'allocs_per_s':
        cells = ['%.2f M' % v[b] if v[b] is not None else '-' for b in B]
    else:
        cells = [fmt(v[b], kind) for b in B]
    print('| %s | %s | %s | %s | %s | %s |' % (label, *cells, ratio(v['pacegc'], v['bdwgc']), ratio(v['pacegc'], v['go'])))
print()
print('Peak RSS (MiB) and the collector\'s longest pause (ms; latency: the collector\'s own figure, not the probe\'s), medians:')
print()
print('| workload | RSS pacegc | RSS bdwgc | RSS Go | pause pacegc | pause bdwgc | pause Go |')
print('|---|---:|---:|---:|---:|---:|---:|')
for w in rows:
    rss = [fmt(med(w, b, 'rss_kb'), 'mib') for b in B]
    pk = 'gc_max_pause_us' if w == 'latency' else 'max_pause_us'
    ps = []
    for b in B:
        x = med(w, b, pk)
        ps.append('%.2f' % (x / 1e3) if x is not None else '-')
    print('| %s | %s | %s | %s | %s | %s | %s |' % (w, *rss, *ps))
print()
print('Where the time goes: pacegc, the median-wall run of each row, from its counters (ms).')
print('CPU = process user+system; mutator = CPU - every GC part (assist, sweep, coordinator, dedicated, fractional, idle): allocation,')
print('the program, the bench\'s 2 ms stats sampler and the coordinator\'s CPU inside pauses; sweep = sweep_ns_total (estimated from the wall')
print('time of every 8th span swept; lazy by allocators, the rest by the coordinator); coordinator = coord_ns_total less its sweeping (CPU outside pauses:')
print('handshakes, termination checks, bookkeeping); dedicated / fractional = bg_mark_ns_total by worker kind; waiting =')
print('assist_blocked_ns_total (time allocators spent blocked on assist credit); pauses = pause_total_ns (wall, all stops);')
print('mark = sum of the cycles\' concurrent mark wall time; workers\' share = bg_mark_ns / (mark x procs) (aim 25%);')
print('black / traced = MiB allocated black / marked by tracing, summed over the cycles (their sum: heap_marked).')
print()
print('| workload | wall | CPU | mutator | assist | sweep (lazy) | coordinator | dedicated | fractional | idle worker | pauses | waiting | cycles | mark wall | workers\' share of CPUs in mark | GC CPU / CPU | black / traced MiB |')
print('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
for w in rows:
    f = median_run(w, 'pacegc')
    if f is None:
        continue
    g = lambda k: num(f, k) or 0.0
    cpu, a, bg, idle = g('cpu_ms'), g('assist_ms'), g('bg_ms'), g('idle_ms')
    sw, swl = g('sweep_ms'), g('sweep_lazy_ms')
    coord = max(0.0, g('coord_ms') - (sw - swl))  # the coordinator's sweeping is in the sweep column
    ded, frac = g('ded_ms'), g('frac_ms')
    mark, procs = g('mark_wall_ms'), g('procs') or 2
    gc = a + bg + idle + sw + coord
    share = '%.1f%%' % (100 * bg / (mark * procs)) if mark else '-'
    gcf = '%.1f%%' % (100 * gc / cpu) if cpu else '-'
    bt = '%.0f / %.0f' % (g('black_mib'), g('traced_mib')) if 'traced_mib' in f else '-'
    print('| %s | %.0f | %.0f | %.0f | %.0f | %.0f (%.0f) | %.0f | %.0f | %.0f | %.0f | %.1f | %.0f | %s | %.0f | %s | %s | %s |' % (
        w, g('wall_ms'), cpu, cpu - gc, a, sw, swl, coord, ded, frac, idle, g('pause_total_ms'), g('blocked_ms'),
        f.get('num_gc', '-'), mark, share, gcf, bt))
print()
print('The same for Go (GODEBUG=gctrace=1 sums; Go 1.19 has no waiting counter) and bdwgc (collection-event callback: time from GC start to end, and stopped time), ms.')
print('Go\'s assist / workers / idle figures are time a P spent on them (wall time while holding a P), not CPU: on a loaded machine they')
print('exceed the CPU the process got, and "rest" (CPU minus them) is then shown as <0.')
print()
print('| workload | Go wall | Go CPU | Go rest | Go assist (P) | Go workers (P) | Go idle (P) | Go pauses | Go cycles | Go workers\' share in mark | bdwgc wall | bdwgc CPU | bdwgc in collections | bdwgc stopped | bdwgc cycles |')
print('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
for w in rows:
    f, h = median_run(w, 'go'), median_run(w, 'bdwgc')
    cells = []
    if f:
        g = lambda k: num(f, k) or 0.0
        cpu, a, bg, idle, mark = g('cpu_ms'), g('go_assist_ms'), g('go_bg_ms'), g('go_idle_ms'), g('go_mark_wall_ms')
        procs = g('gomaxprocs') or 2
        rest = cpu - a - bg - idle
        cells += ['%.0f' % g('wall_ms'), '%.0f' % cpu, '%.0f' % rest if rest >= 0 else '<0', '%.0f' % a, '%.0f' % bg, '%.0f' % idle,
                  '%.1f' % g('go_pause_total_ms'), f.get('num_gc', '-'), '%.1f%%' % (100 * bg / (mark * procs)) if mark else '-']
    else:
        cells += ['-'] * 9
    if h:
        g = lambda k: num(h, k) or 0.0
        cells += ['%.0f' % g('wall_ms'), '%.0f' % g('cpu_ms'), '%.0f' % g('gc_ms'), '%.0f' % g('stw_total_ms'), h.get('num_gc', '-')]
    else:
        cells += ['-'] * 5
    print('| %s | %s |' % (w, ' | '.join(cells)))
PY
cat "$OUT/table.md"
echo "table.sh: tables in $OUT/table.md, raw lines in $RES" >&2
