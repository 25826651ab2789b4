#!/usr/bin/env bash
# run.sh - run the pacegc benchmark suite and report.
#
# Runs every workload on every backend (alternating backends, order rotated
# each round), collects the RESULT lines in build/bench/results.txt, prints
# one table of medians with the ratio of pacegc to each peer, and writes
# docs/BENCHMARKS.md (machine, tools, date, exact commands, table). Usually
# started by `make bench` (or `make bench QUICK=1`), which builds the
# programs first; see bench/bench.mk.
#
# Environment (all optional):
#   QUICK=1                    one round, smaller sizes (under 2 minutes)
#   BENCH_BACKENDS="..."       subset of: pacegc bdwgc bdwgc-incr go malloc mimalloc
#                              pacegc-libgc (the -bdwgc binary run with pacegc's
#                              libgc.so.1: LD_LIBRARY_PATH=$BENCH_DROPIN_LIB)
#   BENCH_DROPIN=1             every workload with a bdwgc build runs on bdwgc,
#                              bdwgc-incr and pacegc-libgc (bench/dropin.sh)
#   BENCH_DROPIN_LIB=build/bdwgc   where pacegc's libgc.so.1 is
#   BENCH_REF=pacegc           the backend the ratio columns divide
#   BENCH_WORKLOADS="..."      subset of the workload names below
#   BENCH_REPS=5               rounds for most workloads
#   BENCH_REPS_BINARYTREES=1   rounds for binary-trees (depth 21 takes ~4 min a round)
#   BENCH_REPS_LATENCY=1       rounds for the latency workload (~2.5 min a round)
#   BENCH_BT_DEPTH=21          binary-trees depth (each step down halves its time)
#   BENCH_BUDGET_S=780         start no new round that would end past this
#   BENCH_TIMEOUT_S=600        per-run time limit
#   BENCH_BIN=build/bench      where the programs are
#   BENCH_OUT=build/bench      results, logs, MMU curves
#   BENCH_DOC=docs/BENCHMARKS.md   generated report ("-" = none)
#   BENCH_INVOCATION           the command that started this (for the report)
#   CC, GO                     compiler names, for the report
set -u
cd "$(dirname "$0")/.." || exit 1

QUICK=${QUICK:-}
[ "$QUICK" = 0 ] && QUICK=
BIN=${BENCH_BIN:-build/bench}
OUT=${BENCH_OUT:-build/bench}
DOC=${BENCH_DOC:-docs/BENCHMARKS.md}
REPS=${BENCH_REPS:-5}
REPS_BT=${BENCH_REPS_BINARYTREES:-1}
REPS_LAT=${BENCH_REPS_LATENCY:-1}
BT_DEPTH=${BENCH_BT_DEPTH:-21}
BUDGET=${BENCH_BUDGET_S:-780}
TIMEOUT=${BENCH_TIMEOUT_S:-600}
CC_NAME=${CC:-cc}
GO_NAME=${GO:-go}
if [ -n "$QUICK" ]; then
    REPS=1 REPS_BT=1 REPS_LAT=1
    INVOCATION=${BENCH_INVOCATION:-bench/run.sh (QUICK=1)}
else
    INVOCATION=${BENCH_INVOCATION:-bench/run.sh}
fi

ALL_BACKENDS="pacegc bdwgc bdwgc-incr pacegc-libgc go malloc mimalloc"
DROPIN=${BENCH_DROPIN:-}
DROPIN_LIB=${BENCH_DROPIN_LIB:-build/bdwgc}
REF=${BENCH_REF:-pacegc}
BACKENDS=${BENCH_BACKENDS:-$ALL_BACKENDS}
GCS="pacegc bdwgc go"
ALLOCATORS="pacegc bdwgc go malloc mimalloc"

# ---- Workloads: program, full arguments, QUICK arguments, backends, rounds --
WORKLOADS=(gcbench binarytrees-1t binarytrees-2t mtgcbench init1 adversarial floating memlimit-32m latency latency-256m alloc-1t alloc-2t)
declare -A PROG ARGS QARGS BACKS REPC DESC KEYS
PROG[gcbench]=gcbench;         ARGS[gcbench]="18 16 16 500000"; QARGS[gcbench]="16 14 14 125000"
BACKS[gcbench]=$ALLOCATORS;    REPC[gcbench]=$REPS;             KEYS[gcbench]="num_gc"
DESC[gcbench]="GCBench: stretch tree 18, long-lived tree 16 and 500000 doubles, depths 4..16 step 2, top-down and bottom-up (args: stretch long-lived max-depth array)."
PROG[binarytrees-1t]=binarytrees; ARGS[binarytrees-1t]="$BT_DEPTH 1"; QARGS[binarytrees-1t]="16 1"
BACKS[binarytrees-1t]=$ALLOCATORS; REPC[binarytrees-1t]=$REPS_BT; KEYS[binarytrees-1t]="num_gc"
DESC[binarytrees-1t]="binary-trees, depth $BT_DEPTH, one thread (args: depth threads)."
PROG[binarytrees-2t]=binarytrees; ARGS[binarytrees-2t]="$BT_DEPTH 2"; QARGS[binarytrees-2t]="16 2"
BACKS[binarytrees-2t]=$ALLOCATORS; REPC[binarytrees-2t]=$REPS_BT; KEYS[binarytrees-2t]="num_gc"
DESC[binarytrees-2t]="binary-trees, depth $BT_DEPTH, iterations of each depth shared by two threads."
PROG[mtgcbench]=mtgcbench;     ARGS[mtgcbench]="2 16 16 18";    QARGS[mtgcbench]="2 14 14 16"
BACKS[mtgcbench]=$ALLOCATORS;  REPC[mtgcbench]=$REPS;           KEYS[mtgcbench]="num_gc"
DESC[mtgcbench]="mt-gcbench style: GCBench without stretch tree in each of 2 threads sharing one heap, a pointer-free hole (power-law table, 0..36 words) after every node (args: threads long-lived max-depth iteration-depth)."
PROG[init1]=init1;             ARGS[init1]="1000 1048576";      QARGS[init1]="1000 1048576"
BACKS[init1]=$ALLOCATORS;      REPC[init1]=$REPS;               KEYS[init1]="sys_growth_mib num_gc"
DESC[init1]="After Go's test/init1.go: ~1 MiB live, 1000 x 1 MiB pointer-free copies, only the newest kept; Go's test allows 50 MiB of system-memory growth (args: chunks chunk-bytes)."
PROG[adversarial]=adversarial; ARGS[adversarial]="256 4096 2";  QARGS[adversarial]="256 512 2"
BACKS[adversarial]=$GCS;       REPC[adversarial]=$REPS;         KEYS[adversarial]="phase_peak_over_goal alloc_gib_s heap_peak_mib"
DESC[adversarial]="Adversarial pacing: 256 MiB live of small scanned nodes in 1024 linked chains, 2 threads allocating 64 KiB..1 MiB pointer-free garbage flat out, 4 GiB in all (args: live-MiB garbage-MiB threads)."
PROG[floating]=floating;       ARGS[floating]="256 4096 2 16"; QARGS[floating]="256 1024 2 16"
BACKS[floating]="pacegc bdwgc"; REPC[floating]=$REPS;           KEYS[floating]="phase_heap_peak_mib phase_peak_over_goal alloc_mib_s"
DESC[floating]="Floating garbage (issue 12): 256 MiB live as one linked chain of small nodes (marking it cannot be shared), 2 threads allocating 16 KiB pointer-free blocks that die at once, 4 GiB in all; heap in use / (2 x live) = phase_heap_peak_mib / 512 (args: live-MiB garbage-MiB threads block-KiB). No Go port yet."
PROG[memlimit-32m]=memlimit;   ARGS[memlimit-32m]="64 1024";   QARGS[memlimit-32m]="64 256"
BACKS[memlimit-32m]="pacegc go";  REPC[memlimit-32m]=$REPS;        KEYS[memlimit-32m]="gc_cpu limiter_on heap_peak_mib"
DESC[memlimit-32m]="A memory limit below the live heap (issue 12): 64 MiB live as a list of 64-byte nodes, then 1 GiB of 64-byte garbage, run with PGC_MEMLIMIT=32MiB (args: live-MiB garbage-MiB). Go: bench/go/memlimit with GOMEMLIMIT=32MiB."
PROG[latency]=latency;         ARGS[latency]="1024 2048";       QARGS[latency]="256 384"
BACKS[latency]="pacegc bdwgc go malloc"; REPC[latency]=$REPS_LAT; KEYS[latency]="mmu_1ms mmu_10ms mmu_100ms gc_max_pause_us"
DESC[latency]="Latency: 1 GiB live of small objects (chains of 4 x 64 B), one thread replacing random chains until 2 GiB of new nodes, a probe thread recording gaps > 20 us in its own progress; pauses and MMU are the probe's; malloc is the machine's noise floor (args: live-MiB churn-MiB)."
# bdwgc's incremental mode cannot hold 1 GiB (its mprotect-based dirty bits
# pass vm.max_map_count: "un-mprotect vdb failed ... errno= 12"), so all the
# collectors also run a 256 MiB version, which is also QUICK's latency.
PROG[latency-256m]=latency;    ARGS[latency-256m]="256 512";    QARGS[latency-256m]=""
BACKS[latency-256m]="pacegc bdwgc bdwgc-incr go malloc"; REPC[latency-256m]=$REPS_LAT; KEYS[latency-256m]=${KEYS[latency]}
DESC[latency-256m]="The latency workload with 256 MiB live and 512 MiB churn, the size at which bdwgc's incremental mode (bdwgc-incr) works."
if [ -n "$QUICK" ]; then
    BACKS[latency]=${BACKS[latency-256m]}
fi
PROG[alloc-1t]=alloc;          ARGS[alloc-1t]="10000000 1";     QARGS[alloc-1t]="2000000 1"
BACKS[alloc-1t]=$ALLOCATORS;   REPC[alloc-1t]=$REPS;            KEYS[alloc-1t]="ns_per_obj"
DESC[alloc-1t]="Allocation throughput: 16..256-byte pointer-free objects, every word written, 1024 most recent kept, one thread (args: objects-per-thread threads)."
PROG[alloc-2t]=alloc;          ARGS[alloc-2t]="10000000 2";     QARGS[alloc-2t]="2000000 2"
BACKS[alloc-2t]=$ALLOCATORS;   REPC[alloc-2t]=$REPS;            KEYS[alloc-2t]="ns_per_obj"
DESC[alloc-2t]="Allocation throughput, two threads."

if [ -n "$DROPIN" ]; then
    # the same -bdwgc binary on bdwgc, bdwgc incremental and pacegc's libgc.so.1
    for w in "${WORKLOADS[@]}"; do
        case " ${BACKS[$w]} " in *" bdwgc "*) BACKS[$w]="bdwgc bdwgc-incr pacegc-libgc" ;; *) BACKS[$w]="" ;; esac
    done
fi
if [ -n "${BENCH_WORKLOADS:-}" ]; then
    read -r -a WORKLOADS <<<"$BENCH_WORKLOADS"
fi
keep=()
for w in "${WORKLOADS[@]}"; do
    [ -n "${PROG[$w]:-}" ] || { echo "run.sh: unknown workload $w" >&2; exit 2; }
    # a workload without QUICK arguments is left out of QUICK runs
    [ -n "$QUICK" ] && [ -z "${QARGS[$w]}" ] && continue
    keep+=("$w")
done
WORKLOADS=("${keep[@]}")

# Backends of workload $1 that were asked for, in the canonical order.
backends_of() {
    local b out=""
    for b in $ALL_BACKENDS; do
        case " ${BACKS[$1]} " in *" $b "*) ;; *) continue ;; esac
        case " $BACKENDS " in *" $b "*) out="$out $b" ;; esac
    done
    # shellcheck disable=SC2086 # word splitting wanted
    echo $out
}

# $1 rotated left by $2 places.
rotate() {
    local -a a
    read -r -a a <<<"$1"
    local n=${#a[@]} k i out=""
    [ "$n" -eq 0 ] && return
    k=$(($2 % n))
    for ((i = 0; i < n; i++)); do out="$out ${a[$(((i + k) % n))]}"; done
    # shellcheck disable=SC2086 # word splitting wanted
    echo $out
}

mkdir -p "$OUT/logs"
RESULTS=$OUT/results.txt
: >"$RESULTS"
COMMANDS=$OUT/commands.txt
: >"$COMMANDS"

GO_GCTRACE=
go_minor=$($GO_NAME version 2>/dev/null | sed -n 's/.*go1\.\([0-9]*\).*/\1/p')
if [ -n "$go_minor" ] && [ "$go_minor" -lt 20 ]; then
    GO_GCTRACE=1 # no assist metric before Go 1.20: sum the gctrace figures
fi

# Sum of the assist CPU ms in GODEBUG=gctrace=1 lines:
# "gc N @Ts P%: a+b+c ms clock, a+ASSIST/bg/idle+e ms cpu, ..."
gctrace_assist_ms() {
    awk '/^gc [0-9]+ @/ {
        for (i = 3; i <= NF; i++)
            if ($i == "cpu," && $(i - 1) == "ms") {
                split($(i - 2), p, "+"); split(p[2], q, "/"); sum += q[1]
            }
    } END { printf "%.1f", sum }' "$1"
}

# run_one WORKLOAD BACKEND ROUND
run_one() {
    local w=$1 b=$2 r=$3 prog=${PROG[$1]} args bin envs=() tag
    if [ -n "$QUICK" ]; then args=${QARGS[$w]}; else args=${ARGS[$w]}; fi
    case $b in
    bdwgc-incr) bin=$BIN/$prog-bdwgc; envs+=(BENCH_BDW_INCREMENTAL=1) ;;
    pacegc-libgc) bin=$BIN/$prog-bdwgc; envs+=(LD_LIBRARY_PATH=$DROPIN_LIB) ;;
    *) bin=$BIN/$prog-$b ;;
    esac
    case $b in
    pacegc) envs+=(PGC_GOGC=100) ;;
    go) envs+=(GOGC=100); [ -n "$GO_GCTRACE" ] && envs+=(GODEBUG=gctrace=1) ;;
    esac
    case $w in
    latency) envs+=(BENCH_MMU_FILE="$OUT/mmu-$b.dat") ;;
    latency-256m) mkdir -p "$OUT/mmu-256m"; envs+=(BENCH_MMU_FILE="$OUT/mmu-256m/mmu-$b.dat") ;;
    memlimit-32m) envs+=(PGC_MEMLIMIT=32MiB GOMEMLIMIT=32MiB) ;;
    esac
    tag=$OUT/logs/$w-$b-$r
    if [ ! -x "$bin" ]; then
        echo "FAIL workload=$w backend=$b run=$r reason=missing-binary:$bin" | tee -a "$RESULTS"
        return
    fi
    local cmd="${envs[*]:+${envs[*]} }$bin $args"
    grep -qxF "$cmd" "$COMMANDS" || echo "$cmd" >>"$COMMANDS"
    local t0=$SECONDS rc line
    # shellcheck disable=SC2086 # $args is a list of words
    env ${envs[@]+"${envs[@]}"} timeout -k 5 "$TIMEOUT" "$bin" $args >"$tag.out" 2>"$tag.err"
    rc=$?
    line=$(grep -m1 '^RESULT ' "$tag.out")
    if [ "$rc" -ne 0 ] || [ -z "$line" ]; then
        echo "FAIL workload=$w backend=$b run=$r rc=$rc log=$tag.err" | tee -a "$RESULTS"
        tail -n 5 "$tag.err" | sed 's/^/    /'
        return
    fi
    # one program can serve several workloads (latency, latency-256m)
    line=$(printf '%s\n' "$line" | sed "s/^RESULT workload=[^ ]* /RESULT workload=$w /")
    # the drop-in runs the bdwgc binary, which names itself bdwgc
    [ "$b" = pacegc-libgc ] && line=$(printf '%s\n' "$line" | sed "s/ backend=[^ ]* / backend=$b /")
    if [ "$b" = go ] && [ -n "$GO_GCTRACE" ]; then
        case $line in *" assist_ms=- "*)
            line=${line/ assist_ms=- / assist_ms=$(gctrace_assist_ms "$tag.err") }
            line="$line,assist_src=gctrace" ;;
        esac
    fi
    echo "$line run=$r" >>"$RESULTS"
    printf '  %-15s %-11s run %d  %6ss  %s\n' "$w" "$b" "$r" "$((SECONDS - t0))" \
        "$(echo "$line" | awk '{print $4, $5, $6}')"
}

# ---- Run --------------------------------------------------------------------
max_reps=1
for w in "${WORKLOADS[@]}"; do [ "${REPC[$w]}" -gt "$max_reps" ] && max_reps=${REPC[$w]}; done
echo "pacegc benchmarks: ${QUICK:+QUICK, }backends: $BACKENDS; up to $max_reps rounds; results in $RESULTS"
declare -A DUR # seconds the last round spent on each workload
start=$SECONDS
rounds_done=0
stopped=""
for ((r = 1; r <= max_reps; r++)); do
    if [ "$r" -gt 1 ]; then
        # the next round's estimate: what its workloads took last time
        next=0
        for w in "${WORKLOADS[@]}"; do
            [ "$r" -le "${REPC[$w]}" ] && next=$((next + ${DUR[$w]:-0}))
        done
        if [ $((SECONDS - start + next)) -gt "$BUDGET" ]; then
            stopped="stopped after $((r - 1)) round(s): round $r (~${next}s) would end past the ${BUDGET}s budget (BENCH_BUDGET_S)"
            echo "$stopped"
            break
        fi
    fi
    echo "round $r"
    for w in "${WORKLOADS[@]}"; do
        [ "$r" -le "${REPC[$w]}" ] || continue
        t_w=$SECONDS
        for b in $(rotate "$(backends_of "$w")" $((r - 1))); do
            run_one "$w" "$b" "$r"
        done
        DUR[$w]=$((SECONDS - t_w))
    done
    rounds_done=$r
done
elapsed=$((SECONDS - start))

# ---- Table --------------------------------------------------------------------
keyspec=""
for w in "${WORKLOADS[@]}"; do keyspec="$keyspec$w:${KEYS[$w]// /,};"; done

TABLE=$OUT/table.md
awk -v order="${WORKLOADS[*]}" -v backs="$ALL_BACKENDS" -v keyspec="$keyspec" -v ref="$REF" '
function median(s,   a, n, i, j, t) {
    n = split(s, a, " ")
    if (n == 0) return ""
    for (i = 2; i <= n; i++) {
        t = a[i] + 0
        for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]
        a[j + 1] = t
    }
    if (n % 2) return a[(n + 1) / 2] + 0
    return (a[n / 2] + a[n / 2 + 1]) / 2
}
function fmt(v, f) { return v == "" ? "-" : sprintf(f, v) }
function ratio(a, b) { return (a == "" || b == "" || b + 0 == 0) ? "-" : sprintf("%.2f", a / b) }
function add(w, b, k, v) { if (v != "-" && v != "") vals[w, b, k] = vals[w, b, k] " " v }
$1 == "RESULT" || $1 == "FAIL" {
    w = ""; b = ""
    for (i = 2; i <= NF; i++) {
        p = index($i, "="); k = substr($i, 1, p - 1); v = substr($i, p + 1)
        f[k] = v
    }
    w = f["workload"]; b = f["backend"]
    if ($1 == "FAIL") { fails[w, b]++; split("", f); next }
    runs[w, b]++
    add(w, b, "wall", f["wall_ms"]); add(w, b, "rss", f["rss_kb"] / 1024)
    if (f["max_pause_us"] != "-") add(w, b, "max", f["max_pause_us"] / 1000)
    if (f["p99_pause_us"] != "-") add(w, b, "p99", f["p99_pause_us"] / 1000)
    add(w, b, "pog", f["peak_over_goal"]); add(w, b, "assist", f["assist_ms"])
    ne = split(f["extra"], ex, ",")
    for (i = 1; i <= ne; i++) {
        p = index(ex[i], "="); if (p) add(w, b, "x." substr(ex[i], 1, p - 1), substr(ex[i], p + 1))
    }
    split("", f)
}
END {
    nk = split(keyspec, ks, ";")
    for (i = 1; i <= nk; i++) { p = index(ks[i], ":"); if (p) keys[substr(ks[i], 1, p - 1)] = substr(ks[i], p + 1) }
    printf "| %-14s | %-12s | %4s | %9s | %8s | %9s | %9s | %6s | %8s | %10s | %9s | %s |\n", \
        "workload", "backend", "runs", "wall ms", "RSS MiB", "max pause", "p99 pause", "peak/", "assist", ref "/x", ref "/x", "other medians"
    printf "| %-14s | %-12s | %4s | %9s | %8s | %9s | %9s | %6s | %8s | %10s | %9s | %s |\n", \
        "", "", "", "(median)", "(peak)", "ms", "ms", "goal", "ms", "wall", "RSS", ""
    printf "|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|\n", "----------------", "--------------", "-----:", \
        "----------:", "---------:", "----------:", "----------:", "-------:", "---------:", "-----------:", "----------:", "---"
    nw = split(order, ws, " "); nb = split(backs, bs, " ")
    for (i = 1; i <= nw; i++) {
        w = ws[i]
        pw = median(vals[w, ref, "wall"]); pr = median(vals[w, ref, "rss"])
        for (j = 1; j <= nb; j++) {
            b = bs[j]
            if (!runs[w, b] && !fails[w, b]) continue
            wall = median(vals[w, b, "wall"]); rss = median(vals[w, b, "rss"])
            other = ""
            nx = split(keys[w], kk, ",")
            for (x = 1; x <= nx; x++) {
                m = median(vals[w, b, "x." kk[x]])
                if (m != "") other = other (other == "" ? "" : " ") kk[x] "=" m
            }
            if (fails[w, b]) other = other (other == "" ? "" : " ") "FAILED=" fails[w, b]
            printf "| %-14s | %-12s | %4d | %9s | %8s | %9s | %9s | %6s | %8s | %10s | %9s | %s |\n", \
                w, b, runs[w, b], fmt(wall, "%.0f"), fmt(rss, "%.1f"), \
                fmt(median(vals[w, b, "max"]), "%.2f"), fmt(median(vals[w, b, "p99"]), "%.2f"), \
                fmt(median(vals[w, b, "pog"]), "%.2f"), fmt(median(vals[w, b, "assist"]), "%.0f"), \
                (b == ref ? "-" : ratio(pw, wall)), (b == ref ? "-" : ratio(pr, rss)), \
                (other == "" ? "-" : other)
        }
    }
}' "$RESULTS" >"$TABLE"

echo
cat "$TABLE"
nfail=$(grep -c '^FAIL' "$RESULTS")
echo
echo "$(grep -c '^RESULT' "$RESULTS") runs, $nfail failed, ${elapsed}s; raw lines: $RESULTS${stopped:+; $stopped}"

# ---- MMU pictures ---------------------------------------------------------------
MMU_NOTE="MMU curves: \`tools/plot-mmu.sh $OUT\` (needs gnuplot)."
if ls "$OUT"/mmu-*.dat >/dev/null 2>&1 && [ -x tools/plot-mmu.sh ]; then
    if tools/plot-mmu.sh "$OUT" >"$OUT/logs/plot-mmu.log" 2>&1 && [ -f "$OUT/mmu.svg" ]; then
        MMU_NOTE="MMU curves of the latency workload: \`$OUT/mmu.svg\` and \`$OUT/mmu.png\` (from \`$OUT/mmu-<backend>.dat\`, the last run of each backend; \`tools/plot-mmu.sh $OUT\`)"
        if ls "$OUT"/mmu-256m/mmu-*.dat >/dev/null 2>&1 &&
            tools/plot-mmu.sh "$OUT/mmu-256m" >>"$OUT/logs/plot-mmu.log" 2>&1; then
            MMU_NOTE="$MMU_NOTE; latency-256m: \`$OUT/mmu-256m/mmu.svg\`"
        fi
        MMU_NOTE="$MMU_NOTE."
    else
        MMU_NOTE="$MMU_NOTE ($(head -n 1 "$OUT/logs/plot-mmu.log"))"
    fi
fi

# ---- Report -----------------------------------------------------------------------
[ "$DOC" = - ] && exit $((nfail > 0))
mkdir -p "$(dirname "$DOC")"
# bench/dropin.sh writes the "bdwgc drop-in" section: keep it
DROPIN_SECTION=
[ -f "$DOC" ] && DROPIN_SECTION=$(awk '/^## bdwgc drop-in/ {on = 1} on && /^## / && !/^## bdwgc drop-in/ {on = 0} on' "$DOC")
# the "Lifetimes" section (make bench-lifetimes, written by hand from its output): keep it
LIFE_SECTION=
[ -f "$DOC" ] && LIFE_SECTION=$(awk '/^## Lifetimes/ {on = 1} on && /^## / && !/^## Lifetimes/ {on = 0} on' "$DOC")
# hand-written sections from other commands (make bench-table, session
# measurements, helpers' studies): keep every "## " section this script
# does not write itself (nor the two kept above), in their order; a list
# of titles to keep lost every section added after it was written
GENERATED_TITLES='Machine and tools|Results|Workloads|What the columns mean|Exact commands|Raw results|bdwgc drop-in|Lifetimes'
KEPT_SECTIONS=
[ -f "$DOC" ] && KEPT_SECTIONS=$(awk -v re="^## (${GENERATED_TITLES})\$" '/^## / {on = ($0 !~ re)} on' "$DOC")
{
    echo "# pacegc benchmarks"
    echo
    echo "Generated by \`bench/run.sh\` on $(date -u '+%Y-%m-%d %H:%M:%S UTC'); do not edit by hand, rerun \`$INVOCATION\`."
    echo "Mode: $([ -n "$QUICK" ] && echo "QUICK (one round, smaller sizes)" || echo "full"); $rounds_done round(s) in ${elapsed}s; $nfail failed run(s).${stopped:+ Note: $stopped.}"
    echo
    echo "## Machine and tools"
    echo
    echo "- \`uname -a\`: $(uname -a)"
    echo "- \`nproc\`: $(nproc)"
    echo "- CPU: $(grep -m1 '^model name' /proc/cpuinfo | sed 's/^[^:]*: *//')"
    echo "- Memory: $(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
    echo "- C compiler (\`$CC_NAME --version\`): $($CC_NAME --version 2>/dev/null | head -n 1)"
    echo "- Go: $($GO_NAME version 2>/dev/null || echo "not found")"
    echo "- bdwgc (libgc-dev): $(dpkg-query -W -f='${Version}' libgc-dev 2>/dev/null || echo unknown); mimalloc (libmimalloc-dev): $(dpkg-query -W -f='${Version}' libmimalloc-dev 2>/dev/null || echo unknown); glibc: $(getconf GNU_LIBC_VERSION 2>/dev/null)"
    echo "- pacegc: $(git log -1 --format='commit %h (%cd)' --date=short 2>/dev/null || echo "no commit yet")$(git status --porcelain -- . ':!docs/BENCHMARKS.md' 2>/dev/null | grep -q . && echo ", working tree modified")"
    echo
    echo "## Results"
    echo
    echo "Medians over the runs of each backend. \`pacegc/x\` is pacegc's median divided by that backend's: below 1 means pacegc is faster or smaller."
    echo
    cat "$TABLE"
    echo
    echo "## Workloads"
    echo
    for w in "${WORKLOADS[@]}"; do
        if [ -n "$QUICK" ]; then used=${QARGS[$w]}; else used=${ARGS[$w]}; fi
        echo "- **$w** (${REPC[$w]} round(s); $(backends_of "$w" | sed 's/ /, /g'); this run's args: \`$used\`): ${DESC[$w]}"
    done
    echo
    echo "## What the columns mean"
    echo
    echo "- **wall ms**: from the end of collector initialisation to the end of the program's own checks; every program verifies its results (tree shapes, checksums) and a wrong result is a failed run."
    echo "- **RSS MiB**: peak resident set, \`getrusage\` \`ru_maxrss\` (Go: \`syscall.Getrusage\`)."
    echo "- **max / p99 pause**: pacegc: per-cycle totals (both pauses, \`pause_ns\` of \`pgc_read_cycle\`; the max also covers \`pause_max_ns\`); bdwgc: stop-the-world intervals timed with \`GC_set_on_collection_event\` (pre-stop-world to post-start-world); Go: \`MemStats.PauseNs\` (per-cycle totals) while at most 256 cycles ran, else the GC pause histogram of runtime/metrics. **latency** reports the probe thread's gaps instead (the collectors' own maximum is \`gc_max_pause_us\` in the raw lines)."
    echo "- **peak/goal**: pacegc: max over cycles of \`heap_alloc_peak / heap_goal\` (\`pgc_read_cycle\`); Go: max over ~1 ms samples of \`/memory/classes/heap/objects:bytes\` / \`/gc/heap/goal:bytes\`; bdwgc has no goal. \`phase_peak_over_goal\` is the same figure for the cycles (Go: samples) after the live set was built (adversarial, latency), leaving out the first cycles of a small heap."
    echo "- **assist ms**: pacegc \`assist_ns_total\`; Go \`/cpu/classes/gc/mark/assist:cpu-seconds\` (Go 1.20+) or, before that, the sum of the assist CPU of \`GODEBUG=gctrace=1\` lines (\`assist_src=gctrace\`)."
    echo "- **other medians**: figures from the \`extra=\` field: \`ns_per_obj\` = wall ns x threads / objects; \`mmu_<w>\` = minimum mutator utilization of the probe over windows of w; \`sys_growth_mib\` = heap memory obtained from the OS during the init1 loop (Go: \`MemStats.Sys\`; Go's test allows 50)."
    echo "- bdwgc uses its defaults (parallel marker, all-interior-pointers, which adds a byte to every object: 16-byte nodes take 32); \`bdwgc-incr\` is the same program with \`GC_enable_incremental()\`. pacegc runs with \`PGC_GOGC=100\`, Go with \`GOGC=100\`; malloc is glibc's, mimalloc is \`mi_malloc\`/\`mi_free\`, both with explicit frees where objects die."
    echo "- The machine is shared and may be virtualised: the latency workload's malloc row (no collector at all) shows the gaps the probe sees from the machine alone."
    echo "- $MMU_NOTE"
    echo
    echo "## Exact commands"
    echo
    echo "Built and run with \`$INVOCATION\` (C: \`${BENCH_CFLAGS_DESC:-see bench/bench.mk}\`; Go: \`go build\`). Each program was run as:"
    echo
    echo '```'
    cat "$COMMANDS"
    echo '```'
    echo
    echo "## Raw results"
    echo
    echo '```'
    cat "$RESULTS"
    echo '```'
    if [ -n "$DROPIN_SECTION" ]; then
        echo
        printf '%s\n' "$DROPIN_SECTION"
    fi
    if [ -n "$LIFE_SECTION" ]; then
        echo
        printf '%s\n' "$LIFE_SECTION"
    fi
    if [ -n "$KEPT_SECTIONS" ]; then
        echo
        printf '%s\n' "$KEPT_SECTIONS"
    fi
} >"$DOC"
echo "wrote $DOC"
exit $((nfail > 0))
