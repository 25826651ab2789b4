#!/usr/bin/env bash
# TEST-TSAN: yes
# No upward calls between the layers of src/. src/LAYERS lists the layers
# from the bottom up and the files of each; this test runs nm on every
# object file of the library (BUILD/obj/*.o), finds for each undefined
# symbol (a function called, or a global variable used) the object that
# defines it, and fails, naming the caller file and the callee symbol, if
# the callee's file is in a higher layer than the caller's. It also fails if an object of src/ is missing from the table
# (a new file must be given a layer) or a listed file has no object, and if
# a file includes the header of a higher layer's module (below).
# Run by make test through the wrapper build/tests/test_layers; by hand:
# SRCDIR=. BUILD=build tests/test_layers.sh
set -u
SRCDIR=${SRCDIR:-.}
BUILD=${BUILD:-build}
table=$SRCDIR/src/LAYERS
obj=$BUILD/obj
fail=0
[ -r "$table" ] || { echo "FAIL: $table not readable"; exit 1; }

# file -> layer index, layer index -> name
declare -A rank
names=()
i=0
while IFS= read -r line; do
  line=${line%%#*}
  [[ $line =~ ^[[:space:]]*$ ]] && continue
  name=${line%%:*}; files=${line#*:}
  names[$i]=$(echo "$name" | tr -d ' ')
  for f in $files; do
    f=${f%.c}
    [ -n "${rank[$f]:-}" ] && { echo "FAIL: $f.c listed twice in $table"; fail=1; }
    rank[$f]=$i
  done
  i=$((i+1))
done < "$table"
[ $i -ge 3 ] || { echo "FAIL: $table has only $i layers"; exit 1; }

for o in "$obj"/*.o; do
  [ -e "$o" ] || { echo "FAIL: no object files in $obj"; exit 1; }
  b=$(basename "$o" .o)
  [ -n "${rank[$b]:-}" ] || { echo "FAIL: src/$b.c has no layer in $table"; fail=1; }
done
for f in "${!rank[@]}"; do
  [ -e "$obj/$f.o" ] || { echo "FAIL: $table lists $f.c but $obj/$f.o does not exist"; fail=1; }
done

# symbol -> defining object and kind: functions (text, weak, indirect) and
# global data (data, bss, read-only, common, TLS)
declare -A def what
while read -r file sym type; do
  def[$sym]=$file
  case $type in [TtWiI]) what[$sym]=calls ;; *) what[$sym]="refers to" ;; esac
done < <(nm -A -P --defined-only "$obj"/*.o | awk '
  { f = $1; sub(/:$/, "", f); n = split(f, p, "/"); f = p[n]; sub(/\.o$/, "", f)
    if ($3 ~ /^[TtWiIDBRCV]$/) print f, $2, $3 }')

calls=0
while read -r file sym; do
  d=${def[$sym]:-}
  [ -n "$d" ] || continue           # libc, or data
  [ "$d" = "$file" ] && continue
  calls=$((calls+1))
  r1=${rank[$file]:-}; r2=${rank[$d]:-}
  [ -n "$r1" ] && [ -n "$r2" ] || continue
  if [ "$r2" -gt "$r1" ]; then
    echo "FAIL: src/$file.c (${names[$r1]}) ${what[$sym]} $sym, defined in src/$d.c (${names[$r2]}, a higher layer)"
    fail=1
  fi
done < <(nm -A -P --undefined-only "$obj"/*.o | awk '
  { f = $1; sub(/:$/, "", f); n = split(f, p, "/"); f = p[n]; sub(/\.o$/, "", f); print f, $2 }')

# Includes: a file may include the header of a module (X.h of src/X.c) of
# its own layer or a lower one only: a module's header holds its state and
# its declarations, so including a higher one's is an upward dependency
# (reading or writing its data) that nm cannot see.
includes=0
for f in "$SRCDIR"/src/*.c "$SRCDIR"/src/*.h; do
  b=$(basename "$f"); b=${b%.[ch]}
  r1=${rank[$b]:-}
  [ -n "$r1" ] || continue          # internal.h, trace.h, atomics.h: no layer of their own
  while read -r h; do
    hb=${h%.h}
    [ "$hb" = "$b" ] && continue
    r2=${rank[$hb]:-}
    [ -n "$r2" ] || continue
    includes=$((includes+1))
    if [ "$r2" -gt "$r1" ]; then
      echo "FAIL: src/$(basename "$f") (${names[$r1]}) includes $h, the header of src/$hb.c (${names[$r2]}, a higher layer)"
      fail=1
    fi
  done < <(sed -n 's/^#include "\([a-z_]*\.h\)".*/\1/p' "$f")
done

# Guard against passing on an empty build: the library makes many calls
# between its files.
if [ $calls -lt 50 ]; then
  echo "FAIL: only $calls calls between files found; wrong BUILD ($BUILD)?"; fail=1
fi
[ $fail -eq 0 ] && echo "ok: $calls references (calls and data) and $includes module-header includes between the files of src/, none to a higher layer (${names[*]})"
exit $fail
