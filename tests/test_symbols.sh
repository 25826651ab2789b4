#!/usr/bin/env bash
# TEST-TSAN: yes
# Symbol hygiene: every global symbol that libpacegc.a or libpacegc.so
# defines starts with pgc_ (internal ones pgc__, or pgc_ with hidden
# visibility). A global outside that prefix (heap_init, now_ns, G, ...) would
# clash with, or silently bind to, a program's own symbol of that name.
# Checks every defined symbol nm reports as global: text, data, bss,
# read-only, weak (W/V), TLS, common, absolute, indirect functions.
# Run by make test through the wrapper build/tests/test_symbols, which sets
# BUILD (the build directory to check); by hand: BUILD=build tests/test_symbols.sh
set -u
BUILD=${BUILD:-build}
fail=0
# Made by the compiler in sanitizer builds (make test-asan), not by us: the
# ODR indicator AddressSanitizer adds beside every exported variable.
sanitizer='^__(odr_asan|asan|tsan|ubsan|sanitizer)[._]'

check() { # $1 = label, rest = nm command
  local label=$1; shift
  local out bad n
  if ! out=$("$@" 2>&1); then
    echo "FAIL: $* did not run:"; printf '%s\n' "$out" | head -5; fail=1; return
  fi
  # nm -P: "name type [value size]"; for an archive, member lines end in ':'
  # and "name[member]:" headers. Upper-case types are global, w/v/u weak or
  # unique (also exported); U (undefined) is not a definition.
  bad=$(printf '%s\n' "$out" | awk '
    NF >= 2 && $1 !~ /:$/ {
      t = $2
      if (t == "U" || t == "w" && NF < 3) next      # undefined (also weak undefined)
      if (t ~ /^[A-Z]$/ || t == "w" || t == "v" || t == "u") print
    }' | grep -v -E '^pgc_' | grep -v -E "$sanitizer" || true)
  n=$(printf '%s\n' "$out" | awk 'NF >= 2 && $1 !~ /:$/ && $2 ~ /^[A-TV-Zuvw]$/' | grep -c -E '^pgc_' || true)
  if [ -n "$bad" ]; then
    echo "FAIL: $label defines global symbols outside pgc_/pgc__:"
    printf '%s\n' "$bad" | sed 's/^/    /'
    echo "    ($(printf '%s\n' "$bad" | wc -l) symbols)"
    fail=1
  elif [ "$n" -lt 20 ]; then
    # Guard against checking an empty or stripped file and passing.
    echo "FAIL: $label: only $n pgc_ symbols found; wrong file?"; fail=1
  else
    echo "ok $label: $n pgc_ global symbols, none outside the prefix"
  fi
}

for f in "$BUILD/libpacegc.a" "$BUILD/libpacegc.so"; do
  [ -e "$f" ] || { echo "FAIL: $f not built"; fail=1; }
done
if [ $fail -eq 0 ]; then
  check "libpacegc.a" nm -P --defined-only "$BUILD/libpacegc.a"
  check "libpacegc.so (symtab)" nm -P --defined-only "$BUILD/libpacegc.so"
  check "libpacegc.so (dynamic)" nm -P -D --defined-only "$BUILD/libpacegc.so"
fi
exit $fail
