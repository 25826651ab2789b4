# test_bdwgc_mmv.sh - Debian's mmv (which never calls GC_init: its first
# GC_malloc initialises the collector) renames a few thousand files, on the
# real bdwgc and on pacegc's libgc.so.1: verbose output and resulting
# directory identical.
. "$(dirname "$0")/common.sh"
need mmv mmv
MMV=$(command -v mmv)
[ -n "$(real_libgc "$MMV")" ] || fail "mmv is not linked against libgc.so.1"
N=4000
for d in real ours; do
  mkdir -p "$TMP/$d"
  (cd "$TMP/$d" && for i in $(seq 1 $N); do echo "$i" > "file_$i.txt"; done)
done
check_loaded "$MMV" -h
(cd "$TMP/real" && mmv -v '*_*.txt' '#2-#1.dat') > "$TMP/real.out" 2>&1 || fail "mmv on bdwgc failed"
(cd "$TMP/ours" && LD_LIBRARY_PATH="$OURLIB" mmv -v '*_*.txt' '#2-#1.dat') > "$TMP/ours.out" 2>&1 ||
  fail "mmv on pacegc failed: $(tail -3 "$TMP/ours.out")"
cmp -s "$TMP/real.out" "$TMP/ours.out" || { diff "$TMP/real.out" "$TMP/ours.out" | head; fail "outputs differ"; }
(cd "$TMP/real" && ls | sort) > "$TMP/real.ls"
(cd "$TMP/ours" && ls | sort) > "$TMP/ours.ls"
cmp -s "$TMP/real.ls" "$TMP/ours.ls" || fail "resulting directories differ"
[ "$(wc -l < "$TMP/ours.ls")" -eq $N ] || fail "expected $N files"
[ -f "$TMP/ours/17-file.dat" ] && [ "$(cat "$TMP/ours/17-file.dat")" = 17 ] || fail "17-file.dat wrong"
echo "mmv: $N files renamed identically on bdwgc and pacegc"
