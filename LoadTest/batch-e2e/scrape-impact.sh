#!/usr/bin/env bash
# Does scraping /metrics every 100 ms disturb /batch? wrk with W1 bodies against the release
# `sluice` (discard sink), alternating runs without and with a scraper loop, ROUNDS times;
# prints each run and the medians of requests/s and p99.
#
#   LoadTest/batch-e2e/scrape-impact.sh        # 3 rounds x 10 s, 64 connections
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
INTERVAL=${INTERVAL:-0.1}

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
(cd "$root" && swift build -c release --product sluice >/dev/null)
work=$(mktemp -d)
trap 'kill "${pid:-}" "${scraper:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
python3 - "$work/w1.json" <<'PY'
import json, sys
items = [{"id": "item-%d" % i, "data": {"value": 42, "name": "test", "active": True}} for i in range(100)]
open(sys.argv[1], "w").write(json.dumps(items, separators=(",", ":")))
PY
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$root/.build/release/sluice" --port "$port" --sink discard --log-level warning > "$work/sluice.log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.05; done
BODY_FILE="$work/w1.json" wrk -t1 -c"$CONNECTIONS" -d3s -s "$here/post-batch.lua" "http://127.0.0.1:$port/batch" >/dev/null

run() {
  local mode=$1 out scrapes=0
  if [ "$mode" = scraped ]; then
    ( n=0; while true; do curl -sf -o /dev/null "http://127.0.0.1:$port/metrics" && n=$((n + 1)); echo "$n" > "$work/scrapes"; sleep "$INTERVAL"; done ) &
    scraper=$!
  fi
  out=$(BODY_FILE="$work/w1.json" wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency -s "$here/post-batch.lua" "http://127.0.0.1:$port/batch")
  if [ "$mode" = scraped ]; then kill "$scraper"; wait "$scraper" 2>/dev/null || true; scrapes=$(cat "$work/scrapes"); fi
  local rps p99
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub("us","",v); v/=1000} else if (v ~ /ms$/) {sub("ms","",v)} else if (v ~ /s$/) {sub("s","",v); v*=1000}; print v}' <<<"$out")
  echo "$mode $rps $p99" >> "$work/results"
  printf '%-8s %10.0f req/s  p99 %8.2f ms  scrapes %s\n' "$mode" "$rps" "$p99" "$scrapes"
}
echo "wrk -t1 -c$CONNECTIONS -d$DURATION, W1 bodies, discard sink; scraper: GET /metrics every ${INTERVAL}s"
for _ in $(seq "$ROUNDS"); do run plain; run scraped; done
med() { awk -v m="$1" -v c="$2" '$1 == m {print $c}' "$work/results" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
echo "medians: plain $(med plain 2) req/s p99 $(med plain 3) ms; scraped $(med scraped 2) req/s p99 $(med scraped 3) ms"
curl -s "http://127.0.0.1:$port/metrics" | grep -E '^sluice_monitor_sample_duration_seconds_(bucket\{le="0.001"\}|count|sum)'
