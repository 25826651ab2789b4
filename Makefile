# pacegc - plain GNU make.
#   make               build/libpacegc.a, build/libpacegc.so, build/pacegc.pc
#   make test          build and run every test (last line: N passed, N failed)
#   make test-asan     the tests under AddressSanitizer + UndefinedBehaviorSanitizer
#   make test-tsan     the concurrent tests under ThreadSanitizer
#   make test-debug    the tests with internal assertions on (PGC_DEBUG)
#   make demo          the main job: a workload with its trace and plots
#   make bdwgc         build/bdwgc/libgc.so.1 (bdwgc's ABI) and build/pacegc-bdwgc.pc
#   make install PREFIX=/usr/local
#   make bench / make bench-deps   (bench/bench.mk)

CC       ?= cc
PREFIX   ?= /usr/local
BUILD    ?= build
OPT      ?= -O2
CFLAGS_BASE := -std=c11 -g -Wall -Wextra -D_GNU_SOURCE -pthread -Iinclude -Isrc
EXTRA    ?=
CFLAGS   := $(CFLAGS_BASE) $(OPT) $(EXTRA)
LIBCFLAGS := $(CFLAGS) -fPIC -fvisibility=hidden
LDLIBS   := -pthread -lm

SRCS := $(wildcard src/*.c)
# The libgc.so.1 layer (src/bdwgc): only in build/bdwgc/libgc.so.1.
BDW_SRCS := $(wildcard src/bdwgc/*.c)
BDW_OBJS := $(patsubst src/bdwgc/%.c,$(BUILD)/obj/bdwgc/%.o,$(BDW_SRCS))
BDW_HDRS := $(wildcard include/pacegc/bdwgc/*.h include/pacegc/bdwgc/gc/*.h)
BDW_TESTS := $(patsubst tests/bdwgc/%.c,$(BUILD)/tests/%,$(wildcard tests/bdwgc/test_*.c)) \
	$(patsubst tests/bdwgc/%.cc,$(BUILD)/tests/%,$(wildcard tests/bdwgc/test_*.cc))
CXX ?= c++
BDW_SH_TESTS := $(patsubst tests/bdwgc/%.sh,$(BUILD)/tests/%,$(wildcard tests/bdwgc/test_*.sh))
OBJS := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(SRCS))
TESTS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(wildcard tests/test_*.c))
EXAMPLES := $(patsubst examples/%.c,$(BUILD)/examples/%,$(wildcard examples/*.c))

.PHONY: bdwgc all lib test test-asan test-tsan test-debug demo install clean tests examples
all: lib
lib: $(BUILD)/libpacegc.a $(BUILD)/libpacegc.so $(BUILD)/pacegc.pc
bdwgc: $(BUILD)/bdwgc/libgc.so.1 $(BUILD)/pacegc-bdwgc.pc

$(BUILD)/obj/%.o: src/%.c $(wildcard src/*.h) include/pacegc.h
	@mkdir -p $(dir $@)
	$(CC) $(LIBCFLAGS) -c $< -o $@

$(BUILD)/libpacegc.a: $(OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libpacegc.so: $(OBJS)
	$(CC) -shared -o $@ $^ $(LDLIBS)

# The compat layer exports GC_* (default visibility); the collector's own
# objects keep their hidden internals; the version script drops the rest.
$(BUILD)/obj/bdwgc/%.o: src/bdwgc/%.c src/bdwgc/compat.h $(wildcard src/*.h) include/pacegc.h $(BDW_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fPIC -Iinclude/pacegc/bdwgc -c $< -o $@

$(BUILD)/bdwgc/libgc.so.1: $(OBJS) $(BDW_OBJS) src/bdwgc/libgc.map
	@mkdir -p $(dir $@)
	$(CC) -shared -Wl,-soname,libgc.so.1 -Wl,--version-script=src/bdwgc/libgc.map -o $@ $(OBJS) $(BDW_OBJS) $(LDLIBS)
	ln -sf libgc.so.1 $(BUILD)/bdwgc/libgc.so

$(BUILD)/pacegc-bdwgc.pc: pacegc-bdwgc.pc.in
	@mkdir -p $(BUILD)
	sed -e 's|@PREFIX@|$(PREFIX)|g' $< > $@

# Tests of the libgc.so.1 layer: C programs written against the compat
# headers and linked to build/bdwgc/libgc.so.1, and shell tests (real
# clients), installed as build/tests/test_* so tests/run.sh runs them.
$(BUILD)/tests/%: tests/bdwgc/%.c tests/check.h $(BUILD)/bdwgc/libgc.so.1 $(BDW_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Iinclude/pacegc/bdwgc $< -o $@ -L$(BUILD)/bdwgc -lgc -Wl,-rpath,'$$ORIGIN/../bdwgc' $(LDLIBS)

$(BUILD)/tests/%: tests/bdwgc/%.cc $(BUILD)/bdwgc/libgc.so.1 $(BDW_HDRS)
	@mkdir -p $(dir $@)
	$(CXX) -std=c++11 -g -Wall -Wextra -pthread $(OPT) $(EXTRA) -Iinclude -Iinclude/pacegc/bdwgc $< -o $@ -L$(BUILD)/bdwgc -lgc -Wl,-rpath,'$$ORIGIN/../bdwgc' $(LDLIBS)

$(BUILD)/tests/%: tests/bdwgc/%.sh $(BUILD)/bdwgc/libgc.so.1
	@mkdir -p $(dir $@)
	printf '#!/bin/sh\nexec bash %s/tests/bdwgc/%s.sh %s/$(BUILD)/bdwgc "$$@"\n' "$(CURDIR)" "$*" "$(CURDIR)" > $@
	chmod +x $@

$(BUILD)/pacegc.pc: pacegc.pc.in
	@mkdir -p $(BUILD)
	sed -e 's|@PREFIX@|$(PREFIX)|g' $< > $@

$(BUILD)/tests/%: tests/%.c tests/check.h tests/testutil.h $(BUILD)/libpacegc.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $< -o $@ $(BUILD)/libpacegc.a $(LDLIBS)

$(BUILD)/examples/%: examples/%.c $(BUILD)/libpacegc.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $< -o $@ $(BUILD)/libpacegc.a $(LDLIBS)

tests: $(TESTS) $(BDW_TESTS) $(BDW_SH_TESTS)
examples: $(EXAMPLES)

test: lib bdwgc tests examples
	@bash tests/run.sh $(BUILD)/tests

test-asan:
	$(MAKE) BUILD=build-asan OPT=-O1 EXTRA="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" lib tests
	@# LeakSanitizer is off: at exit it would report the test programs' own
	@# never-freed roots blocks, not collector leaks (collector memory is mmap'd).
	@PGC_ASAN=1 ASAN_OPTIONS=detect_leaks=0 bash tests/run.sh build-asan/tests

test-tsan:
	$(MAKE) BUILD=build-tsan OPT=-O1 EXTRA="-fsanitize=thread" CC=clang CXX=clang++ tests
	@PGC_TSAN=1 bash tests/run.sh build-tsan/tests

test-debug:
	$(MAKE) BUILD=build-debug EXTRA="-DPGC_DEBUG" test

demo: lib $(BUILD)/examples/demo
	@bash tools/demo.sh $(BUILD)

install: lib
	install -d $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 644 include/pacegc.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 $(BUILD)/libpacegc.a $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(BUILD)/libpacegc.so $(DESTDIR)$(PREFIX)/lib/
	install -m 644 $(BUILD)/pacegc.pc $(DESTDIR)$(PREFIX)/lib/pkgconfig/

install-bdwgc: bdwgc
	install -d $(DESTDIR)$(PREFIX)/include/pacegc/bdwgc/gc $(DESTDIR)$(PREFIX)/lib/pacegc-bdwgc $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 644 include/pacegc/bdwgc/*.h $(DESTDIR)$(PREFIX)/include/pacegc/bdwgc/
	install -m 644 include/pacegc/bdwgc/gc/*.h $(DESTDIR)$(PREFIX)/include/pacegc/bdwgc/gc/
	install -m 755 $(BUILD)/bdwgc/libgc.so.1 $(DESTDIR)$(PREFIX)/lib/pacegc-bdwgc/
	ln -sf libgc.so.1 $(DESTDIR)$(PREFIX)/lib/pacegc-bdwgc/libgc.so
	install -m 644 $(BUILD)/pacegc-bdwgc.pc $(DESTDIR)$(PREFIX)/lib/pkgconfig/

clean:
	rm -rf build build-asan build-tsan build-debug

-include bench/bench.mk

# Micro-measurements quoted in docs/BENCHMARKS.md (need libgc-dev for bdwgc).
.PHONY: bench-micro
bench-micro: lib
	@mkdir -p $(BUILD)/micro
	$(CC) $(CFLAGS) bench/micro/alloc1g.c -o $(BUILD)/micro/alloc1g-pacegc $(BUILD)/libpacegc.a $(LDLIBS)
	$(CC) $(CFLAGS) -DUSE_BDWGC bench/micro/alloc1g.c -o $(BUILD)/micro/alloc1g-bdwgc -lgc
	$(CC) $(CFLAGS) bench/micro/barrier.c -o $(BUILD)/micro/barrier $(BUILD)/libpacegc.a $(LDLIBS)
	@for i in 1 2 3; do $(BUILD)/micro/alloc1g-pacegc; $(BUILD)/micro/alloc1g-bdwgc; done
	@$(BUILD)/micro/barrier
