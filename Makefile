# pacegc - plain GNU make.
#   make               build/libpacegc.a, build/libpacegc.so (-> .so.0 -> .so.0.1.0),
#                      build/pacegc.pc
#   make test          build and run every test (last line: N passed, N failed)
#   make test-asan     the tests under AddressSanitizer + UndefinedBehaviorSanitizer
#   make test-tsan     the concurrent tests under ThreadSanitizer
#   make test-debug    the tests with internal assertions on (PGC_DEBUG)
#   make demo          the main job: a workload with its trace and plots
#   make install PREFIX=/usr/local [DESTDIR=/staging] [LIBDIR=...] [INCLUDEDIR=...]
#   make uninstall     (same variables) removes exactly what install put there
#   make bdwgc         build/bdwgc/libgc.so.1 (bdwgc's ABI) and build/pacegc-bdwgc.pc
#   make bench / make bench-deps   (bench/bench.mk)

CC       ?= cc
CXX      ?= g++
LD       ?= ld
OBJCOPY  ?= objcopy
PREFIX   ?= /usr/local
LIBDIR   ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
# VERSION is the release; SOVERSION (the SONAME's number) changes only with
# an incompatible ABI change.
VERSION  := 0.1.0
SOVERSION := 0
SONAME   := libpacegc.so.$(SOVERSION)
BUILD    ?= build
OPT      ?= -O2
CFLAGS_BASE := -std=c11 -g -Wall -Wextra -D_GNU_SOURCE -pthread -Iinclude -Isrc
EXTRA    ?=
CFLAGS   := $(CFLAGS_BASE) $(OPT) $(EXTRA)
LIBCFLAGS := $(CFLAGS) -fPIC -fvisibility=hidden
CXXFLAGS := -std=c++17 -g -Wall -Wextra -Werror -D_GNU_SOURCE -pthread -Iinclude -Isrc $(OPT) $(EXTRA)
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
TESTS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(wildcard tests/test_*.c)) \
         $(patsubst tests/%.cpp,$(BUILD)/tests/%,$(wildcard tests/test_*.cpp)) \
         $(patsubst tests/%.sh,$(BUILD)/tests/%,$(wildcard tests/test_*.sh))
EXAMPLES := $(patsubst examples/%.c,$(BUILD)/examples/%,$(wildcard examples/*.c))

.PHONY: bdwgc all lib test test-asan test-tsan test-debug demo install uninstall clean tests examples FORCE
all: lib
lib: $(BUILD)/libpacegc.a $(BUILD)/libpacegc.so $(BUILD)/pacegc.pc
bdwgc: $(BUILD)/bdwgc/libgc.so.1 $(BUILD)/pacegc-bdwgc.pc

$(BUILD)/obj/%.o: src/%.c $(wildcard src/*.h) include/pacegc.h
	@mkdir -p $(dir $@)
	$(CC) $(LIBCFLAGS) -c $< -o $@

# The archive holds one object: all of src/ prelinked (ld -r), with every
# global symbol outside pgc_* made local. Internal functions keep their short
# names in the source (heap_init, now_ns, G, ...) yet cannot clash with a
# program's own. Hidden pgc_ symbols (the pacer, the limiter, pgc_self) stay
# global-hidden, so the unit tests can still call them; in the .so, hidden
# symbols are local anyway. tests/test_symbols.sh checks both libraries.
$(BUILD)/libpacegc.o: $(OBJS)
	$(LD) -r -o $@.tmp $^
	$(OBJCOPY) --wildcard --keep-global-symbol='pgc_*' $@.tmp $@
	@rm -f $@.tmp

$(BUILD)/libpacegc.a: $(BUILD)/libpacegc.o
	@rm -f $@
	ar rcs $@ $^

# src/libpacegc.map keeps everything outside pgc_* local (the linker would
# export the bounds of the section pgc_state, internal.h).
$(BUILD)/libpacegc.so.$(VERSION): $(OBJS) src/libpacegc.map
	$(CC) -shared -Wl,-soname,$(SONAME) -Wl,--version-script=src/libpacegc.map -o $@ $(OBJS) $(LDLIBS)

$(BUILD)/$(SONAME): $(BUILD)/libpacegc.so.$(VERSION)
	ln -sf libpacegc.so.$(VERSION) $@

$(BUILD)/libpacegc.so: $(BUILD)/$(SONAME)
	ln -sf $(SONAME) $@

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


# Rewritten only when PREFIX, LIBDIR or INCLUDEDIR change, so pacegc.pc
# always names the current ones.
$(BUILD)/pc.vars: FORCE
	@mkdir -p $(BUILD)
	@printf '%s\n' '$(PREFIX)' '$(LIBDIR)' '$(INCLUDEDIR)' | cmp -s - $@ || \
	  printf '%s\n' '$(PREFIX)' '$(LIBDIR)' '$(INCLUDEDIR)' > $@

# libdir and includedir are written relative to ${prefix} when they are
# under it (the usual form; pkg-config --define-prefix relies on it).
PC_SED = sed -e 's|@PREFIX@|$(PREFIX)|g' \
             -e 's|@LIBDIR@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(LIBDIR))|g' \
             -e 's|@INCLUDEDIR@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))|g' \
             -e 's|@VERSION@|$(VERSION)|g'

$(BUILD)/pacegc.pc: pacegc.pc.in $(BUILD)/pc.vars
	$(PC_SED) $< > $@

$(BUILD)/tests/%: tests/%.c tests/check.h tests/testutil.h $(BUILD)/libpacegc.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $< -o $@ $(BUILD)/libpacegc.a $(LDLIBS)

# A library that test_dlopen loads at run time (a data segment that appears
# while the program runs).
$(BUILD)/tests/libdltest.so: tests/dltest_lib.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fPIC -shared $< -o $@
$(BUILD)/tests/test_dlopen: $(BUILD)/tests/libdltest.so

$(BUILD)/examples/%: examples/%.c $(BUILD)/libpacegc.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $< -o $@ $(BUILD)/libpacegc.a $(LDLIBS)

# C++ test: the header must compile as C++17 with g++ and, if present, clang++.
$(BUILD)/tests/%: tests/%.cpp tests/check.h include/pacegc.h $(BUILD)/libpacegc.a
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $< -o $@ $(BUILD)/libpacegc.a $(LDLIBS)
	@if command -v clang++ >/dev/null 2>&1; then \
	  echo "clang++ -std=c++17 -fsyntax-only $<"; \
	  clang++ -std=c++17 -Wall -Wextra -Werror -D_GNU_SOURCE -Iinclude -Isrc -fsyntax-only $<; fi

# Shell tests: a wrapper that runs the script from the source tree and tells
# it where the source and this build are.
$(BUILD)/tests/%: tests/%.sh
	@mkdir -p $(dir $@)
	@printf '#!/bin/sh\n# generated from %s\nSRCDIR='"'%s'"' BUILD='"'%s'"' exec bash '"'%s'"' "$$@"\n' \
	  '$<' '$(CURDIR)' '$(abspath $(BUILD))' '$(CURDIR)/$<' > $@
	@chmod 755 $@

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
	$(MAKE) BUILD=build-tsan OPT=-O1 EXTRA="-fsanitize=thread" CC=clang CXX=clang++ lib bdwgc tests
	@PGC_TSAN=1 bash tests/run.sh build-tsan/tests

test-debug:
	$(MAKE) BUILD=build-debug EXTRA="-DPGC_DEBUG" test

demo: lib $(BUILD)/examples/demo
	@bash tools/demo.sh $(BUILD)

INSTALLED = $(INCLUDEDIR)/pacegc.h $(LIBDIR)/libpacegc.a \
            $(LIBDIR)/libpacegc.so.$(VERSION) $(LIBDIR)/$(SONAME) $(LIBDIR)/libpacegc.so \
            $(LIBDIR)/pkgconfig/pacegc.pc

# pacegc.pc is written here, from the PREFIX of this command. Run ldconfig
# afterwards when installing into a system directory.
install: $(BUILD)/libpacegc.a $(BUILD)/libpacegc.so
	install -d $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(LIBDIR)/pkgconfig
	install -m 644 include/pacegc.h $(DESTDIR)$(INCLUDEDIR)/
	install -m 644 $(BUILD)/libpacegc.a $(DESTDIR)$(LIBDIR)/
	install -m 755 $(BUILD)/libpacegc.so.$(VERSION) $(DESTDIR)$(LIBDIR)/
	ln -sf libpacegc.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libpacegc.so
	$(PC_SED) pacegc.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/pacegc.pc
	chmod 644 $(DESTDIR)$(LIBDIR)/pkgconfig/pacegc.pc

# Removes the files install made; leaves the directories (they may be shared).
uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))

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

# test_kinds_checkmark.c is test_kinds.c under gccheckmark (it #includes it).
$(BUILD)/tests/test_kinds_checkmark: tests/test_kinds.c

# test_torture_lifetimes.c is test_torture.c in its lifetimes mode (it #includes it).
# test_torture_none_*.c and test_torture_lifetimes_none_*.c: the same in the barrier-free modes.
$(BUILD)/tests/test_torture_lifetimes $(patsubst tests/%.c,$(BUILD)/tests/%,$(wildcard tests/test_torture_none_*.c tests/test_torture_lifetimes_none_*.c)): tests/test_torture.c
