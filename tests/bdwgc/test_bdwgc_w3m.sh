# test_bdwgc_w3m.sh - Debian's w3m renders a large generated HTML file with
# `w3m -dump`, on the real bdwgc and on pacegc's libgc.so.1 (same binary,
# LD_LIBRARY_PATH): the output must be identical, and with gctrace pacegc
# must have run collections (in the barrier-free mode) during the render.
. "$(dirname "$0")/common.sh"
need w3m w3m
W3M=$(command -v w3m)
[ -n "$(real_libgc "$W3M")" ] || fail "w3m is not linked against libgc.so.1"
awk 'BEGIN {
  srand(7); print "<html><head><title>pacegc w3m test</title></head><body><h1>Generated</h1>"
  for (i = 0; i < 3000; i++) {
    printf "<h2>Section %d</h2><p>", i
    for (j = 0; j < 40; j++) printf "word%d ", int(rand() * 100000)
    print "</p>"
    if (i % 10 == 0) {
      printf "<table border=1>"
      for (r = 0; r < 8; r++) { printf "<tr>"; for (c = 0; c < 6; c++) printf "<td>c%d_%d</td>", r, c; printf "</tr>" }
      print "</table>"
    }
    if (i % 7 == 0) { printf "<ul>"; for (j = 0; j < 5; j++) printf "<li><a href=\"http://x/%d\">link %d</a></li>", j, j; print "</ul>" }
    if (i % 13 == 0) print "<pre>  preformatted &amp; text &lt;kept&gt;\n   second line</pre>"
  }
  print "</body></html>" }' > "$TMP/big.html"
check_loaded "$W3M" -dump -T text/html "$TMP/big.html"
HOME=$TMP w3m -dump -T text/html -cols 100 "$TMP/big.html" > "$TMP/real.txt" 2>"$TMP/real.err" ||
  fail "w3m on the real bdwgc failed: $(cat "$TMP/real.err")"
HOME=$TMP LD_LIBRARY_PATH="$OURLIB" PGCDEBUG=gctrace=1 w3m -dump -T text/html -cols 100 "$TMP/big.html" \
  > "$TMP/ours.txt" 2>"$TMP/ours.err" || fail "w3m on pacegc failed: $(tail -5 "$TMP/ours.err")"
cmp -s "$TMP/real.txt" "$TMP/ours.txt" || { diff "$TMP/real.txt" "$TMP/ours.txt" | head; fail "outputs differ"; }
lines=$(wc -l < "$TMP/ours.txt")
[ "$lines" -gt 20000 ] || fail "only $lines lines rendered"
cycles=$(grep -Ec '^gc [0-9]* @.*mode none-(stw|uffd)' "$TMP/ours.err")
[ "$cycles" -ge 3 ] || fail "only $cycles pacegc cycles ran in the barrier-free mode: $(head -3 "$TMP/ours.err")"
grep -v '^gc [0-9]' "$TMP/ours.err" | grep . && fail "unexpected stderr from pacegc"
echo "w3m: $lines lines identical on bdwgc and pacegc; $cycles pacegc cycles"
