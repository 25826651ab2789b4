// Command gcbench is bench/gcbench.c in Go: GCBench (Ellis & Kovac, as
// modified by Boehm), written from the description in shared/benchmarks.md.
//
// usage: gcbench [stretch_depth [long_lived_depth [max_depth [array_size]]]]
// defaults 18 16 16 500000
package main

import (
	"fmt"
	"os"
	"time"

	"pacegc.bench/internal/harness"
)

const minDepth = 4

type node struct {
	left, right *node
	i, j        int32
}

func treeSize(depth int) int64 { return (1 << (depth + 1)) - 1 }

func newNode(depth int, l, r *node) *node {
	return &node{left: l, right: r, i: int32(depth), j: ^int32(depth)}
}

// populate builds top-down: both children are stored into the older parent.
func populate(depth int, parent *node) {
	if depth <= 0 {
		return
	}
	depth--
	parent.left = newNode(depth, nil, nil)
	parent.right = newNode(depth, nil, nil)
	populate(depth, parent.left)
	populate(depth, parent.right)
}

// makeTree builds bottom-up: children first, parent last.
func makeTree(depth int) *node {
	if depth <= 0 {
		return newNode(0, nil, nil)
	}
	l := makeTree(depth - 1)
	r := makeTree(depth - 1)
	return newNode(depth, l, r)
}

func checkTree(n *node, depth int) int64 {
	if n == nil || n.i != int32(depth) || n.j != ^int32(depth) {
		harness.Die("gcbench: corrupt node at depth %d", depth)
	}
	if depth == 0 {
		if n.left != nil || n.right != nil {
			harness.Die("gcbench: leaf with children")
		}
		return 1
	}
	return 1 + checkTree(n.left, depth-1) + checkTree(n.right, depth-1)
}

func checkAndDrop(t *node, depth int) {
	if checkTree(t, depth) != treeSize(depth) {
		harness.Die("gcbench: wrong node count at depth %d", depth)
	}
}

func main() {
	stretch := int(harness.Arg(1, 18))
	longLived := int(harness.Arg(2, 16))
	maxDepth := int(harness.Arg(3, 16))
	arraySize := harness.Arg(4, 500000)
	if stretch < minDepth || longLived < 1 || maxDepth < minDepth || arraySize < 2002 {
		harness.Die("gcbench: bad arguments")
	}

	harness.Start()
	t := time.Now()
	tmp := makeTree(stretch)
	checkAndDrop(tmp, stretch)
	tmp = nil
	stretchMs := float64(time.Since(t).Nanoseconds()) / 1e6

	ll := newNode(longLived, nil, nil)
	populate(longLived, ll)
	array := make([]float64, arraySize)
	for i := int64(1); i < arraySize/2; i++ {
		array[i] = 1.0 / float64(i)
	}

	var tdTotal, buTotal float64
	for d := minDepth; d <= maxDepth; d += 2 {
		iters := 2 * treeSize(stretch) / treeSize(d)
		t0 := time.Now()
		for k := int64(0); k < iters; k++ {
			tmp = newNode(d, nil, nil)
			populate(d, tmp)
			checkAndDrop(tmp, d)
		}
		t1 := time.Now()
		for k := int64(0); k < iters; k++ {
			tmp = makeTree(d)
			checkAndDrop(tmp, d)
		}
		t2 := time.Now()
		td, bu := float64(t1.Sub(t0).Nanoseconds())/1e6, float64(t2.Sub(t1).Nanoseconds())/1e6
		tdTotal += td
		buTotal += bu
		fmt.Fprintf(os.Stderr, "gcbench: depth %2d: %6d trees, top-down %8.1f ms, bottom-up %8.1f ms\n",
			d, iters, td, bu)
	}
	tmp = nil

	if checkTree(ll, longLived) != treeSize(longLived) {
		harness.Die("gcbench: long-lived tree damaged")
	}
	if array[1000] != 1.0/1000.0 {
		harness.Die("gcbench: array damaged")
	}
	sum := 0.0
	for i := int64(1); i < arraySize/2; i++ {
		sum += array[i] * float64(i)
	}
	want := float64(arraySize/2 - 1)
	if sum < want-1e-6*want || sum > want+1e-6*want {
		harness.Die("gcbench: array checksum %.1f", sum)
	}

	harness.Extra("stretch_ms=%.1f", stretchMs)
	harness.Extra("topdown_ms=%.1f", tdTotal)
	harness.Extra("bottomup_ms=%.1f", buTotal)
	harness.Extra("depths=%d-%d", minDepth, maxDepth)
	harness.Finish("gcbench", 0)
}
