#!/usr/bin/env bash
# TEST-ASAN: no
# TEST-TIMEOUT: 120
# Packaging, as a new user would try it: `make install` into a temporary
# prefix, then examples/hello.c built with pkg-config against it, statically
# and dynamically; both run and print "N nodes reachable". Also checks the
# installed pacegc.pc names the prefix it was installed to (not the one the
# build was made with), the SONAME and its symlinks, DESTDIR staging, and
# that `make uninstall` removes every file install made.
# Reuses the library already built in $BUILD (install only copies).
# Run by make test through the wrapper build/tests/test_install, which sets
# SRCDIR and BUILD; by hand: tests/test_install.sh (defaults: this tree, build/).
set -u
SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${BUILD:-$SRCDIR/build}
CC=${CC:-cc}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pacegc-install.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
# This runs under `make test`: the sub-make must not inherit its jobserver.
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$SRCDIR" BUILD="$BUILD" "$@"; }
command -v pkg-config >/dev/null || { echo "FAIL: pkg-config is not installed"; exit 1; }

want_files="include/pacegc.h lib/libpacegc.a lib/libpacegc.so lib/libpacegc.so.0 lib/libpacegc.so.0.1.0 lib/pkgconfig/pacegc.pc"

# listing of the pacegc files (and links) under $1, relative
listing() { (cd "$1" && find . \( -type f -o -type l \) | sed 's|^\./||' | sort | tr '\n' ' '); }

check_tree() { # $1 = installed root (DESTDIR + PREFIX), $2 = PREFIX written in the .pc
  local root=$1 prefix=$2
  local got; got=$(listing "$root")
  [ "$got" = "$want_files " ] || bad "installed files: got '$got', want '$want_files '"
  [ "$(readlink "$root/lib/libpacegc.so")" = libpacegc.so.0 ] || bad "lib/libpacegc.so is not a link to libpacegc.so.0"
  [ "$(readlink "$root/lib/libpacegc.so.0")" = libpacegc.so.0.1.0 ] || bad "lib/libpacegc.so.0 is not a link to libpacegc.so.0.1.0"
  readelf -d "$root/lib/libpacegc.so.0.1.0" | grep -q 'SONAME.*\[libpacegc\.so\.0\]' ||
    bad "the installed library has no SONAME libpacegc.so.0"
  grep -qx "prefix=$prefix" "$root/lib/pkgconfig/pacegc.pc" ||
    bad "installed pacegc.pc does not say prefix=$prefix: $(head -1 "$root/lib/pkgconfig/pacegc.pc")"
}

# ---- 1. PREFIX: install, build hello both ways, run, uninstall --------------
prefix=$tmp/prefix
mk install PREFIX="$prefix" >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; bad "make install PREFIX=$prefix failed"; exit 1; }
check_tree "$prefix" "$prefix"
# The build's own pacegc.pc is left alone (it names the build's PREFIX).
grep -q "^prefix=$prefix" "$BUILD/pacegc.pc" && bad "make install rewrote $BUILD/pacegc.pc"

export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
unset PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_LIBDIR
cflags=$(pkg-config --cflags pacegc) || bad "pkg-config --cflags pacegc failed"
libs=$(pkg-config --libs pacegc) || bad "pkg-config --libs pacegc failed"
libdir=$(pkg-config --variable=libdir pacegc)
[ "$libdir" = "$prefix/lib" ] || bad "pkg-config libdir is '$libdir', want $prefix/lib"
[ "$(pkg-config --modversion pacegc)" = 0.1.0 ] || bad "pkg-config --modversion is not 0.1.0"

# Dynamic: -lpacegc picks libpacegc.so; the program records the SONAME.
$CC -std=c11 -O2 -o "$tmp/hello-dyn" "$SRCDIR/examples/hello.c" $cflags $libs 2>"$tmp/cc.log" ||
  { cat "$tmp/cc.log"; bad "dynamic build of hello.c with pkg-config failed"; }
# Static: the archive from the same libdir (README's command).
$CC -std=c11 -O2 -o "$tmp/hello-static" "$SRCDIR/examples/hello.c" $cflags "$libdir/libpacegc.a" -pthread 2>"$tmp/cc.log" ||
  { cat "$tmp/cc.log"; bad "static build of hello.c failed"; }

if [ -x "$tmp/hello-dyn" ]; then
  readelf -d "$tmp/hello-dyn" | grep -q 'NEEDED.*\[libpacegc\.so\.0\]' ||
    bad "hello-dyn does not need libpacegc.so.0: $(readelf -d "$tmp/hello-dyn" | grep NEEDED | tr -s ' ' | tr '\n' ';')"
  out=$(LD_LIBRARY_PATH=$prefix/lib "$tmp/hello-dyn" 2>&1); rc=$?
  [ $rc -eq 0 ] && printf '%s\n' "$out" | grep -q '^100000 nodes reachable' ||
    bad "hello-dyn (exit $rc) printed: $out"
  # It runs against the installed copy, not the one in $BUILD.
  LD_LIBRARY_PATH=$prefix/lib ldd "$tmp/hello-dyn" | grep -q "=> $prefix/lib/libpacegc.so.0 " ||
    bad "hello-dyn does not resolve libpacegc.so.0 in $prefix/lib: $(LD_LIBRARY_PATH=$prefix/lib ldd "$tmp/hello-dyn" | grep pacegc)"
  echo "ok dynamic: $out"
fi
if [ -x "$tmp/hello-static" ]; then
  readelf -d "$tmp/hello-static" | grep -q 'NEEDED.*libpacegc' && bad "hello-static needs libpacegc.so"
  out=$("$tmp/hello-static" 2>&1); rc=$?
  [ $rc -eq 0 ] && printf '%s\n' "$out" | grep -q '^100000 nodes reachable' ||
    bad "hello-static (exit $rc) printed: $out"
  echo "ok static: $out"
fi

mk uninstall PREFIX="$prefix" >"$tmp/uninstall.log" 2>&1 || { cat "$tmp/uninstall.log"; bad "make uninstall failed"; }
left=$(listing "$prefix")
[ -z "$left" ] || bad "files left after make uninstall: $left"

# ---- 2. DESTDIR: staged install for PREFIX=/usr/local, then uninstall --------
stage=$tmp/stage
mk install DESTDIR="$stage" PREFIX=/usr/local >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; bad "make install DESTDIR=$stage failed"; }
[ "$(listing "$stage")" = "$(for f in $want_files; do printf 'usr/local/%s ' "$f"; done)" ] ||
  bad "DESTDIR install put files outside $stage/usr/local: $(listing "$stage")"
check_tree "$stage/usr/local" /usr/local
mk uninstall DESTDIR="$stage" PREFIX=/usr/local >"$tmp/uninstall.log" 2>&1 || { cat "$tmp/uninstall.log"; bad "make uninstall DESTDIR=$stage failed"; }
left=$(listing "$stage")
[ -z "$left" ] || bad "files left after make uninstall DESTDIR=$stage: $left"

[ $fail -eq 0 ] && echo "ok install, pkg-config (static and dynamic), DESTDIR, uninstall"
exit $fail
