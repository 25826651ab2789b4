# pacegc - plain GNU make.
#   make               build/libpacegc.a, build/libpacegc.so, build/pacegc.pc
#   make test          build and run every test (last line: N passed, N failed)
#   make test-asan     the tests under AddressSanitizer + UndefinedBehaviorSanitizer
#   make test-tsan     the concurrent tests under ThreadSanitizer
#   make test-debug    the tests with internal assertions on (PGC_DEBUG)
#   make demo          the main job: a workload with its trace and plots
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
OBJS := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(SRCS))
TESTS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(wildcard tests/test_*.c))
EXAMPLES := $(patsubst examples/%.c,$(BUILD)/examples/%,$(wildcard examples/*.c))

.PHONY: all lib test test-asan test-tsan test-debug demo install clean tests examples
all: lib
lib: $(BUILD)/libpacegc.a $(BUILD)/libpacegc.so $(BUILD)/pacegc.pc

$(BUILD)/obj/%.o: src/%.c $(wildcard src/*.h) include/pacegc.h
	@mkdir -p $(dir $@)
	$(CC) $(LIBCFLAGS) -c $< -o $@

$(BUILD)/libpacegc.a: $(OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libpacegc.so: $(OBJS)
	$(CC) -shared -o $@ $^ $(LDLIBS)

$(BUILD)/pacegc.pc: pacegc.pc.in
	@mkdir -p $(BUILD)
	sed -e 's|@PREFIX@|$(PREFIX)|g' $< > $@

$(BUILD)/tests/%: tests/%.c tests/check.h tests/testutil.h $(BUILD)/libpacegc.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $< -o $@ $(BUILD)/libpacegc.a $(LDLIBS)

$(BUILD)/examples/%: examples/%.c $(BUILD)/libpacegc.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $< -o $@ $(BUILD)/libpacegc.a $(LDLIBS)

tests: $(TESTS)
examples: $(EXAMPLES)

test: lib tests examples
	@bash tests/run.sh $(BUILD)/tests

test-asan:
	$(MAKE) BUILD=build-asan OPT=-O1 EXTRA="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" lib tests
	@# LeakSanitizer is off: at exit it would report the test programs' own
	@# never-freed roots blocks, not collector leaks (collector memory is mmap'd).
	@PGC_ASAN=1 ASAN_OPTIONS=detect_leaks=0 bash tests/run.sh build-asan/tests

test-tsan:
	$(MAKE) BUILD=build-tsan OPT=-O1 EXTRA="-fsanitize=thread" CC=clang tests
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

# test_kinds_checkmark.c is test_kinds.c under gccheckmark (it #includes it).
$(BUILD)/tests/test_kinds_checkmark: tests/test_kinds.c
