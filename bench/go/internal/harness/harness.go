// Package harness is the Go side of bench/common.h: the fixed-seed random
// numbers the C programs use, argument parsing, and the one RESULT line the
// benchmark runner reads:
//
//	RESULT workload=<w> backend=go wall_ms=<..> rss_kb=<..> max_pause_us=<..>
//	       p99_pause_us=<..> peak_over_goal=<..> assist_ms=<..> extra=<k=v,...>
//
// Figures come from the runtime itself: a sampler goroutine reads
// runtime/metrics every millisecond (heap objects bytes against
// /gc/heap/goal:bytes, for peak_over_goal), pauses come from
// MemStats.PauseNs (exact per-cycle totals while NumGC <= 256) or else from
// the GC pause histogram, and assist time from
// /cpu/classes/gc/mark/assist:cpu-seconds where the runtime has it (Go 1.20
// and later; otherwise "-", and bench/run.sh fills it in from
// GODEBUG=gctrace=1 output).
package harness

import (
	"fmt"
	"math"
	"math/bits"
	"os"
	"runtime"
	"runtime/metrics"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// Rng is xorshift64* seeded through one splitmix64 step, identical to
// bench_rng in bench/common.h.
type Rng struct{ s uint64 }

// NewRng returns a generator with the given seed.
func NewRng(seed uint64) *Rng {
	z := seed + 0x9E3779B97F4A7C15
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	z ^= z >> 31
	if z == 0 {
		z = 1
	}
	return &Rng{z}
}

// Next returns the next 64 random bits.
func (r *Rng) Next() uint64 {
	x := r.s
	x ^= x >> 12
	x ^= x << 25
	x ^= x >> 27
	r.s = x
	return x * 0x2545F4914F6CDD1D
}

// Below returns a number uniform in [0, n).
func (r *Rng) Below(n uint64) uint64 {
	hi, _ := bits.Mul64(r.Next(), n)
	return hi
}

// Mix is bench_mix: a 64-bit finaliser used as a per-node check value.
func Mix(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xFF51AFD7ED558CCD
	x ^= x >> 33
	x *= 0xC4CEB9FE1A85EC53
	x ^= x >> 33
	return x
}

// Die prints the reason and exits 1.
func Die(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "FAIL: "+format+"\n", args...)
	os.Exit(1)
}

// Arg returns os.Args[i] as an integer, or dflt if absent.
func Arg(i int, dflt int64) int64 {
	if i < len(os.Args) && os.Args[i] != "" {
		v, err := strconv.ParseInt(os.Args[i], 0, 64)
		if err != nil {
			Die("argument %d: not a number: %s", i, os.Args[i])
		}
		return v
	}
	return dflt
}

var state struct {
	t0       time.Time
	extra    []string
	probe    bool
	probeMax float64
	probeP99 float64
	stop     chan struct{}
	done     chan struct{}
	peak     float64 // max heap objects bytes / goal over samples
	phase    int32   // set by PhaseStart (atomic)
	phPeak   float64 // the same, over samples after PhaseStart
	heapPeak uint64
}

func supported(name string) bool {
	for _, d := range metrics.All() {
		if d.Name == name {
			return true
		}
	}
	return false
}

// sampler reads heap in use and the heap goal about every millisecond.
func sampler() {
	defer close(state.done)
	s := []metrics.Sample{
		{Name: "/gc/heap/goal:bytes"},
		{Name: "/memory/classes/heap/objects:bytes"},
	}
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		metrics.Read(s)
		if s[0].Value.Kind() == metrics.KindUint64 && s[1].Value.Kind() == metrics.KindUint64 {
			goal, inuse := s[0].Value.Uint64(), s[1].Value.Uint64()
			if inuse > state.heapPeak {
				state.heapPeak = inuse
			}
			if goal > 0 {
				r := float64(inuse) / float64(goal)
				if r > state.peak {
					state.peak = r
				}
				if atomic.LoadInt32(&state.phase) != 0 && r > state.phPeak {
					state.phPeak = r
				}
			}
		}
		select {
		case <-state.stop:
			return
		case <-tick.C:
		}
	}
}

// Start starts the wall clock and the sampler.
func Start() {
	state.t0 = time.Now()
	state.stop = make(chan struct{})
	state.done = make(chan struct{})
	go sampler()
}

// PhaseStart marks the start of the measured phase (after the live set is
// built): phase_peak_over_goal covers the samples from then on.
func PhaseStart() { atomic.StoreInt32(&state.phase, 1) }

// Since is the time since Start.
func Since() time.Duration { return time.Since(state.t0) }

// Extra appends one k=v pair to the extra= field.
func Extra(format string, args ...interface{}) {
	state.extra = append(state.extra, fmt.Sprintf(format, args...))
}

// SetProbePauses makes the RESULT line report the pauses a probe saw (the
// runtime's own figures then go to extra=).
func SetProbePauses(maxUs, p99Us float64) {
	state.probe, state.probeMax, state.probeP99 = true, maxUs, p99Us
}

// Percentile is the nearest-rank p-th percentile of v (sorted in place).
func Percentile(v []uint64, p float64) uint64 {
	if len(v) == 0 {
		return 0
	}
	sort.Slice(v, func(i, j int) bool { return v[i] < v[j] })
	rank := int(math.Ceil(p / 100 * float64(len(v))))
	if rank < 1 {
		rank = 1
	}
	if rank > len(v) {
		rank = len(v)
	}
	return v[rank-1]
}

// pauses returns max and p99 GC pause in microseconds and where they came
// from: "ring" (MemStats.PauseNs, per-cycle totals, exact) or "hist" (the
// pause histogram, per stop-the-world, bucket resolution).
func pauses(ms *runtime.MemStats) (maxUs, p99Us float64, src string) {
	n := ms.NumGC
	k := n
	if k > 256 {
		k = 256
	}
	ring := make([]uint64, 0, k)
	for i := uint32(0); i < k; i++ {
		ring = append(ring, ms.PauseNs[(n+255-i)%256])
	}
	var ringMax uint64
	for _, p := range ring {
		if p > ringMax {
			ringMax = p
		}
	}
	if n <= 256 {
		return float64(ringMax) / 1e3, float64(Percentile(ring, 99)) / 1e3, "ring"
	}
	name := "/sched/pauses/total/gc:seconds"
	if !supported(name) {
		name = "/gc/pauses:seconds"
	}
	s := []metrics.Sample{{Name: name}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindFloat64Histogram {
		return float64(ringMax) / 1e3, -1, "ring"
	}
	h := s[0].Value.Float64Histogram()
	var total uint64
	for _, c := range h.Counts {
		total += c
	}
	want := uint64(math.Ceil(0.99 * float64(total)))
	var cum uint64
	p99, hmax := 0.0, 0.0
	for i, c := range h.Counts {
		if c == 0 {
			continue
		}
		lo, hi := h.Buckets[i], h.Buckets[i+1]
		if math.IsInf(hi, 1) {
			hi = lo
		}
		if cum < want && cum+c >= want {
			p99 = hi
		}
		cum += c
		hmax = lo
	}
	maxUs = math.Max(float64(ringMax)/1e3, hmax*1e6)
	return maxUs, p99 * 1e6, "hist"
}

func num(v float64, format string) string {
	if v < 0 {
		return "-"
	}
	return fmt.Sprintf(format, v)
}

// Finish prints the RESULT line. wall 0 means "since Start".
func Finish(workload string, wall time.Duration) {
	if wall == 0 {
		wall = Since()
	}
	close(state.stop)
	<-state.done
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	maxUs, p99Us, src := pauses(&ms)
	assist := -1.0
	if name := "/cpu/classes/gc/mark/assist:cpu-seconds"; supported(name) {
		s := []metrics.Sample{{Name: name}}
		metrics.Read(s)
		if s[0].Value.Kind() == metrics.KindFloat64 {
			assist = s[0].Value.Float64() * 1e3
		}
	}
	Extra("num_gc=%d", ms.NumGC)
	Extra("gc_cpu=%.3f", ms.GCCPUFraction)
	Extra("heap_peak_mib=%.1f", float64(state.heapPeak)/1048576)
	Extra("sys_mib=%.1f", float64(ms.Sys)/1048576)
	Extra("pause_src=%s", src)
	if atomic.LoadInt32(&state.phase) != 0 {
		Extra("phase_peak_over_goal=%.3f", state.phPeak)
	}
	Extra("gomaxprocs=%d", runtime.GOMAXPROCS(0))
	if state.probe {
		Extra("gc_max_pause_us=%.0f", maxUs)
		Extra("gc_p99_pause_us=%.0f", p99Us)
		maxUs, p99Us = state.probeMax, state.probeP99
	}
	var ru syscall.Rusage
	rss := int64(-1)
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		rss = ru.Maxrss
		// process CPU (user + system), for bench/table.sh's breakdown
		Extra("cpu_ms=%.0f", float64(ru.Utime.Nano()+ru.Stime.Nano())/1e6)
	}
	peak := -1.0
	if state.peak > 0 {
		peak = state.peak
	}
	extra := strings.Join(state.extra, ",")
	if extra == "" {
		extra = "-"
	}
	fmt.Printf("RESULT workload=%s backend=go wall_ms=%.1f rss_kb=%d max_pause_us=%s p99_pause_us=%s peak_over_goal=%s assist_ms=%s extra=%s\n",
		workload, float64(wall.Nanoseconds())/1e6, rss, num(maxUs, "%.0f"), num(p99Us, "%.0f"),
		num(peak, "%.3f"), num(assist, "%.1f"), extra)
}
