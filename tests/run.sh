#!/usr/bin/env bash
# Runs every test binary in $1 (built from tests/test_*.c, .cpp, or .sh).
# A test's source may carry, in its first lines (after // in C and C++, #
# in shell):
#   // TEST-ENV: VAR=value ...      environment for the run
#   // TEST-TIMEOUT: seconds        (default 120)
#   // TEST-ASAN: no                skip under AddressSanitizer (PGC_ASAN=1)
#   // TEST-TSAN: yes               also run under ThreadSanitizer (PGC_TSAN=1
#                                   runs only these: TSan delays signals to
#                                   its own safe points, so tests that stop a
#                                   thread spinning without calls cannot run
#                                   under it)
# Prints one line per test and, last, "N passed, N failed".
set -u
dir=${1:-build/tests}
if [ "${PGC_TSAN:-0}" = 1 ]; then
  # clang 14's TSan runs a signal handler inside its own free interceptor
  # when the signal arrives while pthread_join frees a cached thread
  # stack's TLS, and the handler then deadlocks on the lock free holds
  # (google/sanitizers#1540): an attached thread stopped there never answers
  # the collector's stop. A stack cache that never fills means that join
  # frees nothing. (README, rule 8.)
  export GLIBC_TUNABLES="${GLIBC_TUNABLES:+$GLIBC_TUNABLES:}glibc.pthread.stack_cache_size=1099511627776"
fi
pass=0; fail=0; failed=()
for bin in "$dir"/test_*; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin")
  src="tests/$name.c"
  for ext in cpp sh; do [ -e "$src" ] || src="tests/$name.$ext"; done
  hdr() { sed -n "s%^\(//\|#\) TEST-$1: *%%p" "$src" 2>/dev/null | head -1; }
  envs=$(hdr ENV)
  tmo=$(hdr TIMEOUT)
  tsan=$(hdr TSAN)
  asan=$(hdr ASAN)
  if [ "${PGC_ASAN:-0}" = 1 ] && [ "$asan" = no ]; then
    echo "SKIP $name (not run under AddressSanitizer)"; continue
  fi
  [ -n "$tmo" ] || tmo=120
  if [ "${PGC_TSAN:-0}" = 1 ] && [ "${tsan%% *}" != yes ]; then
    continue
  fi
  start=$(date +%s.%N)
  # -k: a process whose SIGTERM TSan holds back is killed 10 s later
  out=$(env $envs timeout -k 10 "$tmo" "$bin" 2>&1); rc=$?
  secs=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN{printf "%.1f", e-s}')
  if [ $rc -eq 0 ]; then
    pass=$((pass+1)); echo "PASS $name (${secs}s)"
  else
    fail=$((fail+1)); failed+=("$name")
    echo "FAIL $name (exit $rc, ${secs}s)"
    printf '%s\n' "$out" | tail -n 25 | sed 's/^/    /'
  fi
done
[ ${#failed[@]} -gt 0 ] && echo "failed: ${failed[*]}"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
