#!/usr/bin/env bash
# End-to-end /batch benchmark with wrk: W1 bodies (100 items of
# {"value":42,"name":"test","active":true}), 64 connections, against the release `sluice` with
# the discard and the file sink. Reports requests/s, items/s, latency percentiles and the
# server's RSS after a warm-up and at the end of the measured run (flat memory check).
#
#   LoadTest/batch-e2e/bench.sh                    # 10 s warm-up, 60 s measured, per sink
#   WARMUP=5s DURATION=20s SINKS="discard" LoadTest/batch-e2e/bench.sh
set -euo pipefail
WARMUP=${WARMUP:-10s}
DURATION=${DURATION:-60s}
CONNECTIONS=${CONNECTIONS:-64}
SINKS=${SINKS:-discard file}
PROCESSOR=${PROCESSOR:-pooled}
source "$(dirname "$0")/common.sh"
trap 'kill "${pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
port=$(free_port)
echo "machine: $(nproc) cores; wrk -t1 -c$CONNECTIONS; warm-up $WARMUP, measured $DURATION; W1 = 100 items, $(wc -c < "$work/w1.json") bytes"
for sink in $SINKS; do
  start_sluice "$port" "$work/sluice-$sink.log" --sink "$sink" --data-dir "$work/data-$sink" --processor "$PROCESSOR" --log-level warning
  idle=$(rss_kb "$pid")
  w1_load "$WARMUP" >/dev/null
  warm=$(rss_kb "$pid")
  out=$(w1_load "$DURATION" --latency)
  end=$(rss_kb "$pid")
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  # Items/s counts accepted items only: 503 answers (back-pressure) carry none.
  items=$(awk -v bad="${non2xx:-0}" '/requests in/ {n = $1; t = $4; sub(",", "", t); if (t ~ /m$/) {sub("m", "", t); t *= 60} else {sub("s", "", t)}} END {printf "%.0f", (n - bad) * 100 / t}' <<<"$out")
  lat() { awk -v p="$1" '$1 == p {print $2}' <<<"$out"; }
  printf '%-8s %10.0f req/s %12.0f items/s accepted  p50 %-8s p90 %-8s p99 %-8s non-2xx %-6s RSS idle %s KB, after warm-up %s KB, end %s KB (%+.1f%%)\n' \
    "$sink" "$rps" "$items" "$(lat 50%)" "$(lat 90%)" "$(lat 99%)" "${non2xx:-0}" \
    "$idle" "$warm" "$end" "$(awk -v a="$warm" -v b="$end" 'BEGIN {print (b - a) * 100 / a}')"
  kill -TERM "$pid"; wait "$pid" || true
done
