// Command memlimit is bench/memlimit.c in Go: live_mib MiB of 64-byte
// nodes in one list, then garbage_mib MiB of 64-byte garbage nodes, each
// dropped at once. Run it with GOMEMLIMIT below the live heap
// (GOMEMLIMIT=32MiB): the runtime cannot meet the limit and collects back
// to back, holding its GC CPU to about half (Go's limiter). The harness
// adds gc_cpu (the runtime's GC CPU fraction) and num_gc to extra=.
//
// usage: memlimit [live_mib [garbage_mib]]    defaults 64 1024
package main

import (
	"time"

	"pacegc.bench/internal/harness"
)

type node struct {
	next *node
	id   uint64
	pad  [6]uint64
} // 64 bytes

var (
	head *node
	sink *node // each garbage node is stored here, so it is heap-allocated
)

func main() {
	liveMiB := harness.Arg(1, 64)
	garbageMiB := harness.Arg(2, 1024)
	if liveMiB < 1 || garbageMiB < 1 {
		harness.Die("memlimit: bad arguments")
	}
	harness.Start()
	nodes := uint64(liveMiB) * 1048576 / 64
	for k := uint64(0); k < nodes; k++ {
		head = &node{next: head, id: k}
	}
	tBuild := harness.Since()
	harness.PhaseStart()
	garbage := uint64(garbageMiB) * 1048576 / 64
	var sum uint64
	for k := uint64(0); k < garbage; k++ {
		g := &node{id: k}
		sink = g
		sum += g.id
	}
	sink = nil
	tGarbage := harness.Since()
	seen, expect := uint64(0), nodes
	for n := head; n != nil; n = n.next {
		expect--
		if n.id != expect {
			harness.Die("memlimit: live node damaged")
		}
		seen++
	}
	if seen != nodes || sum != garbage*(garbage-1)/2 {
		harness.Die("memlimit: %d live nodes, want %d", seen, nodes)
	}
	harness.Extra("live_mib=%d", liveMiB)
	harness.Extra("garbage_mib=%d", garbageMiB)
	harness.Extra("build_ms=%.0f", float64(tBuild)/float64(time.Millisecond))
	harness.Extra("garbage_ms=%.0f", float64(tGarbage-tBuild)/float64(time.Millisecond))
	harness.Finish("memlimit", harness.Since())
}
