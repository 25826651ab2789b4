// Command mtgcbench is bench/mtgcbench.c in Go: GCBench without the stretch
// tree, run by N goroutines sharing one heap, with a pointer-free garbage
// "hole" (size from the same fixed 256-entry power-law table) allocated
// after every node.
//
// usage: mtgcbench [threads [long_lived_depth [max_depth [iter_depth]]]]
// defaults 2 16 16 18
package main

import (
	"sync"
	"time"

	"pacegc.bench/internal/harness"
)

const (
	minDepth  = 4
	arraySize = 500000
	holes     = 256
)

type node struct {
	left, right *node
	i, j        int32
}

// holeWords[k] = floor(37 * ((2k+1)/512)^4), shuffled with seed 0x4D54: the
// same table as bench/mtgcbench.c.
var holeWords [holes]uint64

func makeHoleTable() {
	for k := uint64(0); k < holes; k++ {
		x := 2*k + 1
		holeWords[k] = (37 * x * x * x * x) >> 36
	}
	r := harness.NewRng(0x4D54)
	for k := uint64(holes - 1); k > 0; k-- {
		j := r.Below(k + 1)
		holeWords[k], holeWords[j] = holeWords[j], holeWords[k]
	}
}

type worker struct {
	holePos         uint64
	holes, holeByte uint64
	tdMs, buMs      float64
	sink            []uint64
}

var longLivedDepth, maxDepth, iterDepth int

func (w *worker) hole() {
	words := holeWords[w.holePos%holes]
	w.holePos++
	if words == 0 {
		return
	}
	h := make([]uint64, words)
	h[0] = words
	w.sink = h
	w.holes++
	w.holeByte += words * 8
}

func treeSize(depth int) int64 { return (1 << (depth + 1)) - 1 }

func (w *worker) newNode(depth int, l, r *node) *node {
	n := &node{left: l, right: r, i: int32(depth), j: ^int32(depth)}
	w.hole()
	return n
}

func (w *worker) populate(depth int, parent *node) {
	if depth <= 0 {
		return
	}
	depth--
	parent.left = w.newNode(depth, nil, nil)
	parent.right = w.newNode(depth, nil, nil)
	w.populate(depth, parent.left)
	w.populate(depth, parent.right)
}

func (w *worker) makeTree(depth int) *node {
	if depth <= 0 {
		return w.newNode(0, nil, nil)
	}
	l := w.makeTree(depth - 1)
	r := w.makeTree(depth - 1)
	return w.newNode(depth, l, r)
}

func checkTree(n *node, depth int) int64 {
	if n == nil || n.i != int32(depth) || n.j != ^int32(depth) {
		harness.Die("mtgcbench: corrupt node at depth %d", depth)
	}
	if depth == 0 {
		if n.left != nil || n.right != nil {
			return -1000000
		}
		return 1
	}
	return 1 + checkTree(n.left, depth-1) + checkTree(n.right, depth-1)
}

func checkAndDrop(t *node, depth int) {
	if checkTree(t, depth) != treeSize(depth) {
		harness.Die("mtgcbench: wrong node count at depth %d", depth)
	}
}

func (w *worker) run() {
	ll := w.newNode(longLivedDepth, nil, nil)
	w.populate(longLivedDepth, ll)
	array := make([]float64, arraySize)
	for i := 1; i < arraySize/2; i++ {
		array[i] = 1.0 / float64(i)
	}
	for d := minDepth; d <= maxDepth; d += 2 {
		iters := 2 * treeSize(iterDepth) / treeSize(d)
		t0 := time.Now()
		for k := int64(0); k < iters; k++ {
			t := w.newNode(d, nil, nil)
			w.populate(d, t)
			checkAndDrop(t, d)
		}
		t1 := time.Now()
		for k := int64(0); k < iters; k++ {
			checkAndDrop(w.makeTree(d), d)
		}
		t2 := time.Now()
		w.tdMs += float64(t1.Sub(t0).Nanoseconds()) / 1e6
		w.buMs += float64(t2.Sub(t1).Nanoseconds()) / 1e6
	}
	if checkTree(ll, longLivedDepth) != treeSize(longLivedDepth) {
		harness.Die("mtgcbench: long-lived tree damaged")
	}
	if array[1000] != 1.0/1000.0 || array[arraySize/2] != 0 {
		harness.Die("mtgcbench: array damaged")
	}
}

func main() {
	nthreads := int(harness.Arg(1, 2))
	longLivedDepth = int(harness.Arg(2, 16))
	maxDepth = int(harness.Arg(3, 16))
	iterDepth = int(harness.Arg(4, 18))
	if nthreads < 1 || nthreads > 64 || longLivedDepth < 1 || maxDepth < minDepth || iterDepth < maxDepth {
		harness.Die("mtgcbench: bad arguments")
	}
	makeHoleTable()

	harness.Start()
	workers := make([]*worker, nthreads)
	var wg sync.WaitGroup
	for k := range workers {
		workers[k] = &worker{holePos: uint64(k) * 97}
		wg.Add(1)
		go func(w *worker) { defer wg.Done(); w.run() }(workers[k])
	}
	wg.Wait()
	var nholes, holeBytes uint64
	var td, bu float64
	for _, w := range workers {
		nholes += w.holes
		holeBytes += w.holeByte
		td += w.tdMs
		bu += w.buMs
	}
	harness.Extra("threads=%d", nthreads)
	harness.Extra("holes=%d", nholes)
	harness.Extra("hole_mib=%.0f", float64(holeBytes)/1048576)
	harness.Extra("topdown_ms=%.1f", td/float64(nthreads))
	harness.Extra("bottomup_ms=%.1f", bu/float64(nthreads))
	harness.Finish("mtgcbench", 0)
}
