# common.sh - helpers for the real-client tests of build/bdwgc/libgc.so.1.
# Sourced with $1 = the directory holding our libgc.so.1.
set -u
OURLIB=$(cd "${1:?usage: test.sh BUILD/bdwgc}" && pwd)
fail() { echo "FAIL: $*" >&2; exit 1; }
if [ "${PGC_ASAN:-0}" = 1 ] || [ "${PGC_TSAN:-0}" = 1 ]; then
  echo "SKIP: real clients are not built with the sanitizer runtime"; exit 0
fi
[ -f "$OURLIB/libgc.so.1" ] || fail "$OURLIB/libgc.so.1 not built (make bdwgc)"
need() { # need BINARY PACKAGE
  command -v "$1" >/dev/null 2>&1 ||
    fail "$1 is not installed: apt-get install $2 (.ci/run installs it)"
}
# The real bdwgc the client is linked against (its package depends on libgc1).
real_libgc() {
  ldd "$1" | awk '$1 == "libgc.so.1" { print $3 }'
}
# Check that the dynamic loader takes OUR libgc.so.1 for binary $1.
check_loaded() {
  local got
  got=$(LD_LIBRARY_PATH="$OURLIB" ldd "$1" | awk '$1 == "libgc.so.1" { print $3 }')
  [ "$(readlink -f "$got")" = "$(readlink -f "$OURLIB/libgc.so.1")" ] ||
    fail "ldd: $1 loads libgc.so.1 from '$got', not from $OURLIB"
  LD_DEBUG=libs LD_LIBRARY_PATH="$OURLIB" "$@" 2>&1 >/dev/null |
    grep -q "calling init: $OURLIB/libgc.so.1" ||
    fail "LD_DEBUG: $1 did not initialise $OURLIB/libgc.so.1"
}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
