#!/usr/bin/env bash
# make demo: run the init1 and adversarial workloads with the cycle trace on,
# log every cycle to CSV and draw heap/goal/assist pictures into build/demo/.
set -u
build=${1:-build}
out="$build/demo"
mkdir -p "$out"
if ! command -v gnuplot >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "demo: installing gnuplot-nox for the pictures (apt-get)..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gnuplot-nox) >/dev/null 2>&1 \
      || echo "demo: could not install gnuplot-nox; the CSV logs will still be written"
  fi
fi
for w in init1 adversarial; do
  echo "== $w (PGCDEBUG=gctrace=1) =="
  PGCDEBUG="gctrace=1,gclog=$out/$w.csv" "$build/examples/demo" $w || exit 1
done
if [ -x tools/plot-gclog.sh ]; then
  for w in init1 adversarial; do
    bash tools/plot-gclog.sh "$out/$w.csv" "$out/$w" "$w"
  done
fi
echo
echo "demo: event logs: $out/init1.csv $out/adversarial.csv"
if command -v gnuplot >/dev/null 2>&1; then
  echo "demo: pictures:   $(ls "$out"/*.png "$out"/*.svg 2>/dev/null | tr '\n' ' ')"
else
  echo "demo: no gnuplot here: apt-get install gnuplot-nox, then make demo again for the pictures"
fi
