# bench/bench.mk - the benchmark suite; included by the top-level Makefile
# (`include bench/bench.mk`), run from the top of the tree.
#
#   make bench-deps     install the peers: bdwgc, mimalloc, Go, gnuplot (root)
#   make bench          build every program with -O2 into build/bench/ and run
#                       bench/run.sh (writes docs/BENCHMARKS.md); ~13 minutes
#   make bench QUICK=1  one round at smaller sizes; under 2 minutes
#   make bench-build    only build
#   make bench-peers    build and run the peers only (no build/libpacegc.a
#                       needed); the report goes to build/bench/BENCHMARKS-peers.md
#   make bench-dropin   the programs with a bdwgc build, each run on bdwgc,
#                       bdwgc incremental and pacegc's libgc.so.1 (same
#                       binary); writes the "bdwgc drop-in" section of
#                       docs/BENCHMARKS.md (bench/dropin.sh); ~12 minutes
#   make bench-clean    remove build/bench/
#
# Every variable here starts with BENCH_. The pacegc programs link
# build/libpacegc.a, which the top-level Makefile knows how to build.

BENCH_SAVED_DEFAULT_GOAL := $(.DEFAULT_GOAL)

BENCH_SRC := bench
BENCH_OUT := build/bench
BENCH_LIB := build/libpacegc.a
BENCH_WORKLOADS := gcbench binarytrees mtgcbench init1 adversarial latency alloc fairness
# Workloads built for pacegc and bdwgc only (no malloc, mimalloc builds);
# of these, the ones with a Go port in bench/go are listed again below.
BENCH_C_WORKLOADS := floating memlimit
BENCH_C_GO_PORTS := memlimit
BENCH_CFLAGS := -O2 -g -std=c11 -D_GNU_SOURCE -Wall -Wextra -pthread
BENCH_GO := go
# Go writes its caches under build/ only, never to $HOME, and never fetches.
BENCH_GOENV := GOCACHE=$(abspath $(BENCH_OUT))/go-cache \
	GOPATH=$(abspath $(BENCH_OUT))/go-path \
	XDG_CONFIG_HOME=$(abspath $(BENCH_OUT))/go-config \
	GOENV=off GOFLAGS= GO111MODULE=on GOPROXY=off GOTOOLCHAIN=local

BENCH_C_DEPS := $(BENCH_SRC)/common.h
BENCH_GO_DEPS := $(BENCH_SRC)/go/go.mod $(wildcard $(BENCH_SRC)/go/internal/harness/*.go)

BENCH_PACEGC_BINS := $(BENCH_WORKLOADS:%=$(BENCH_OUT)/%-pacegc) \
	$(BENCH_C_WORKLOADS:%=$(BENCH_OUT)/%-pacegc)
BENCH_PEER_BINS := $(BENCH_WORKLOADS:%=$(BENCH_OUT)/%-bdwgc) \
	$(BENCH_WORKLOADS:%=$(BENCH_OUT)/%-malloc) \
	$(BENCH_WORKLOADS:%=$(BENCH_OUT)/%-mimalloc) \
	$(BENCH_C_WORKLOADS:%=$(BENCH_OUT)/%-bdwgc) \
	$(BENCH_WORKLOADS:%=$(BENCH_OUT)/%-go) \
	$(BENCH_C_GO_PORTS:%=$(BENCH_OUT)/%-go)

BENCH_RUN = CC="$(CC)" GO="$(BENCH_GO)" QUICK="$(QUICK)" \
	BENCH_BIN=$(BENCH_OUT) BENCH_OUT=$(BENCH_OUT) \
	BENCH_CFLAGS_DESC="$(CC) $(BENCH_CFLAGS)" \
	BENCH_INVOCATION="make $@$(if $(filter-out 0,$(QUICK)), QUICK=$(QUICK))" \
	bash $(BENCH_SRC)/run.sh

.PHONY: bench bench-deps bench-build bench-build-peers bench-peers bench-clean bench-dropin

bench: bench-build
	$(BENCH_RUN)

bench-peers: bench-build-peers
	BENCH_BACKENDS="bdwgc bdwgc-incr go malloc mimalloc" \
	BENCH_DOC=$(BENCH_OUT)/BENCHMARKS-peers.md $(BENCH_RUN)

bench-build: $(BENCH_PACEGC_BINS) $(BENCH_PEER_BINS)

bench-dropin: $(BENCH_WORKLOADS:%=$(BENCH_OUT)/%-bdwgc) build/bdwgc/libgc.so.1
	CC="$(CC)" QUICK="$(QUICK)" BENCH_BIN=$(BENCH_OUT) \
	BENCH_INVOCATION="make $@$(if $(filter-out 0,$(QUICK)), QUICK=$(QUICK))" \
	bash $(BENCH_SRC)/dropin.sh

bench-build-peers: $(BENCH_PEER_BINS)

bench-deps:
	apt-get update
	apt-get install -y libgc-dev libmimalloc-dev golang-go gnuplot-nox

bench-clean:
	rm -rf $(BENCH_OUT)

$(BENCH_OUT)/%-pacegc: $(BENCH_SRC)/%.c $(BENCH_C_DEPS) include/pacegc.h $(BENCH_LIB)
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -DBENCH_PACEGC -Iinclude -o $@ $< $(BENCH_LIB) -lm

# Precise variants (pgc_kind_bitmap node layouts) of the tree workloads.
BENCH_PRECISE_WORKLOADS := gcbench binarytrees mtgcbench
$(BENCH_OUT)/%-pacegc-precise: $(BENCH_SRC)/%.c $(BENCH_C_DEPS) include/pacegc.h $(BENCH_LIB)
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -DBENCH_PACEGC -DBENCH_PRECISE -Iinclude -o $@ $< $(BENCH_LIB) -lm

# GCBench with every pointer store through pgc_store (issue 12).
$(BENCH_OUT)/gcbench-pacegc-storeall: $(BENCH_SRC)/gcbench.c $(BENCH_C_DEPS) include/pacegc.h $(BENCH_LIB)
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -DBENCH_PACEGC -DBENCH_STORE_ALL -Iinclude -o $@ $< $(BENCH_LIB) -lm

# make bench-precise: conservative and precise pacegc side by side, one
# run each, interleaved (no peers, no report file).
.PHONY: bench-precise
bench-precise: $(BENCH_PRECISE_WORKLOADS:%=$(BENCH_OUT)/%-pacegc) $(BENCH_PRECISE_WORKLOADS:%=$(BENCH_OUT)/%-pacegc-precise)
	@for w in $(BENCH_PRECISE_WORKLOADS); do for v in pacegc pacegc-precise; do \
	  PGC_GOGC=100 $(BENCH_OUT)/$$w-$$v | grep '^RESULT'; done; done

$(BENCH_OUT)/%-bdwgc: $(BENCH_SRC)/%.c $(BENCH_C_DEPS)
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -DBENCH_BDWGC -o $@ $< -lgc

# No -lmimalloc here: linking it would replace glibc's malloc.
$(BENCH_OUT)/%-malloc: $(BENCH_SRC)/%.c $(BENCH_C_DEPS)
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -DBENCH_MALLOC -o $@ $<

$(BENCH_OUT)/%-mimalloc: $(BENCH_SRC)/%.c $(BENCH_C_DEPS)
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -DBENCH_MIMALLOC -o $@ $< -lmimalloc

$(BENCH_OUT)/%-go: $(BENCH_SRC)/go/%/main.go $(BENCH_GO_DEPS)
	@mkdir -p $(@D)
	cd $(BENCH_SRC)/go && $(BENCH_GOENV) $(BENCH_GO) build -o $(abspath $@) ./$*

.DEFAULT_GOAL := $(BENCH_SAVED_DEFAULT_GOAL)

# make bench-lifetimes: pause and mark time with 1M live ephemerons (and a
# 1M chain), 1M dead finalizable and 1M dead weakly linked objects, each
# against the same heap without them (docs/BENCHMARKS.md "Lifetimes").
.PHONY: bench-lifetimes
$(BENCH_OUT)/lifetimes: $(BENCH_SRC)/lifetimes.c include/pacegc.h $(BENCH_LIB)
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -Iinclude -o $@ $< $(BENCH_LIB) -lm
bench-lifetimes: $(BENCH_OUT)/lifetimes
	$(BENCH_OUT)/lifetimes

# make bench-lifetimes-peers: issue 10's finalizer and weak-keyed-table
# workloads on pacegc, bdwgc and Go, interleaved, 3 rounds
# (bench/lifetimes_peers.c, bench/go/lifetimes_peers; needs libgc-dev and
# golang-go). Go's `fin` holds its nodes in a slice (Go finalizers are
# ordered: a list would take a cycle a node, which `fin-list 200` shows);
# its `weak` is the pre-weak-package idiom (uintptr slots cleared by a
# finalizer on the key); see the Go program's comment.
.PHONY: bench-lifetimes-peers
$(BENCH_OUT)/lifetimes_peers-pacegc: $(BENCH_SRC)/lifetimes_peers.c include/pacegc.h $(BENCH_LIB)
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -DBENCH_PACEGC -Iinclude -o $@ $< $(BENCH_LIB) -lm
$(BENCH_OUT)/lifetimes_peers-bdwgc: $(BENCH_SRC)/lifetimes_peers.c
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -DBENCH_BDWGC -o $@ $< -lgc
bench-lifetimes-peers: $(BENCH_OUT)/lifetimes_peers-pacegc $(BENCH_OUT)/lifetimes_peers-bdwgc $(BENCH_OUT)/lifetimes_peers-go
	@for i in 1 2 3; do for b in pacegc bdwgc go; do \
	  $(BENCH_OUT)/lifetimes_peers-$$b fin 1000000; $(BENCH_OUT)/lifetimes_peers-$$b weak 1000000; done; done
	@$(BENCH_OUT)/lifetimes_peers-go fin-list 200

# make bench-table: issue 12's peer table (bench/table.sh): GCBench,
# binary-trees 21 (1 and 2 threads), mt-gcbench (1 and 2 threads), the
# latency workload with a light allocating probe, and the three-thread
# GOGC=1 fairness ratio, each on pacegc, bdwgc and Go in one run, medians
# of 3, and where the time goes (pacegc's counters, Go's gctrace);
# ~12 minutes on 2 cores. Writes build/bench/table/table.md.
BENCH_TABLE_PROGS := gcbench binarytrees mtgcbench latency fairness
.PHONY: bench-table
bench-table: $(foreach p,$(BENCH_TABLE_PROGS),$(BENCH_OUT)/$(p)-pacegc $(BENCH_OUT)/$(p)-bdwgc $(BENCH_OUT)/$(p)-go)
	BENCH_BIN=$(BENCH_OUT) bash $(BENCH_SRC)/table.sh
