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
if command -v gnuplot >/dev/null 2>&1 && [ -f tools/plot-gclog.sh ]; then
  for w in init1 adversarial; do
    rm -f "$out/$w-zoom.svg" "$out/$w-zoom.png"
    bash tools/plot-gclog.sh "$out/$w.csv" "$out/$w" "$w"
    # Hundreds of cycles make single cycles invisible in the full picture:
    # then also draw ten of them from the middle of the run.
    win=$(awk -F, '$2 == "start" { s[++n] = $1 }
      END { if (n > 180) { i = int(n / 2); printf "%.1f:%.1f", s[i] - 0.05, s[i + 10] + 0.05 } }' "$out/$w.csv")
    if [ -n "$win" ]; then
      PLOT_GCLOG_WINDOW=$win bash tools/plot-gclog.sh "$out/$w.csv" "$out/$w-zoom" "$w"
    fi
  done
fi
echo
echo "demo: event logs: $out/init1.csv $out/adversarial.csv"
if command -v gnuplot >/dev/null 2>&1; then
  echo "demo: pictures:   $(ls "$out"/*.png "$out"/*.svg 2>/dev/null | tr '\n' ' ')"
else
  echo "demo: no gnuplot here: apt-get install gnuplot-nox, then make demo again for the pictures"
fi
