#!/usr/bin/env bash
# The flat-at-peak benchmark: sluice (discard and file sinks) beside the case study's design in
# Go (../shared/bench go-ref) at the loads where round 1 collapsed, in one run, through
# sluice-load (wire engine). For each case: items/s, latency percentiles, the server's heap
# allocations per accepted item and result-slab pool hit rate (from its /metrics), 503s, RSS.
#
#   LoadTest/batch-e2e/peak.sh                    # W1 c8, W1 c64, W3 c8; 10 s each
#   DURATION=60s CASES="W1:64 W3:8" LoadTest/batch-e2e/peak.sh
#   SLUICE=/path/to/other/sluice LABEL=old LoadTest/batch-e2e/peak.sh   # another build
#
# Needs: a release sluice (.build/release/sluice, built if missing), a release sluice-load,
# and go-ref built by ../shared/bench/build.sh in a writable copy (PEERS, default /tmp/peers;
# skipped with a note when absent). Everything listens on 127.0.0.1; every run is bounded.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
duration=${DURATION:-10s}
cases=${CASES:-"W1:8 W1:64 W3:8"}
sluice=${SLUICE:-$root/.build/release/sluice}
label=${LABEL:-sluice}
peers=${PEERS:-/tmp/peers}
port=${PORT:-9600}
load=$root/LoadTest/.build/release/sluice-load
work=$(mktemp -d /tmp/sluice-peak-XXXXXX)
trap 'rm -rf "$work"' EXIT

[ -x "$sluice" ] || (cd "$root" && swift build -c release --product sluice >/dev/null)
[ -x "$load" ] || (cd "$root/LoadTest" && swift build -c release >/dev/null)
for w in W1 W3; do python3 "$root/../shared/bench/gen_body.py" "$w" > "$work/$w.json"; done

source "$root/LoadTest/batch-e2e/cases.sh"

# run NAME PORT CONNECTIONS BODY METRICS(yes|no) COMMAND...
run() {
  local name=$1 p=$2 c=$3 body=$4 metrics=$5; shift 5
  "$@" > "$work/server.log" 2>&1 &
  local pid=$!
  wait_port "$p"
  local flags=()
  [ "$metrics" = yes ] || flags+=(--no-server-metrics)
  "$load" --url "http://127.0.0.1:$p/batch" -c "$c" -d "$duration" --body-file "$body" --json "${flags[@]}" \
    > "$work/report.json" 2>/dev/null || true
  local slab="-"
  if [ "$metrics" = yes ]; then
    slab=$(curl -s "http://127.0.0.1:$p/metrics" | awk '
      /^sluice_pool_gets_total\{pool="result_slab"\}/ { g = $2 }
      /^sluice_pool_misses_total\{pool="result_slab"\}/ { m = $2 }
      END { if (g > 0) printf "%.3f%%", 100 * (g - m) / g; else print "-" }')
  fi
  kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
  report_row "$work/report.json" "$name" "$slab"
}

echo "duration $duration per case, sluice-load wire engine, load average $(cut -d' ' -f1 /proc/loadavg)"
echo
echo "| case | items/s | p50 ms | p99 ms | p99/p50 | heap allocs/item | slab hits | non-200 | RSS MiB |"
echo "|---|---|---|---|---|---|---|---|---|"
for case in $cases; do
  w=${case%%:*}; c=${case##*:}
  if [ -x "$peers/bin/go-ref" ]; then
    run "$w c$c go-ref" $((port + 1)) "$c" "$work/$w.json" no "$peers/bin/go-ref" -addr "127.0.0.1:$((port + 1))"
  else
    echo "| $w c$c go-ref | (not built: cp -r ../shared/bench $peers && $peers/build.sh) | | | | | | | |"
  fi
  run "$w c$c $label discard" $((port + 2)) "$c" "$work/$w.json" yes \
    "$sluice" --port $((port + 2)) --sink discard --log-level error
  rm -rf "$work/data"
  run "$w c$c $label file" $((port + 3)) "$c" "$work/$w.json" yes \
    "$sluice" --port $((port + 3)) --sink file --data-dir "$work/data" --log-level error
  rm -rf "$work/data"
done
