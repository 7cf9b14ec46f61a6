#!/usr/bin/env bash
# Does scraping /metrics every 100 ms disturb /batch? wrk with W1 bodies against the release
# `sluice` (discard sink), alternating runs without and with a scraper loop, ROUNDS times;
# prints each run and the medians of requests/s and p99.
#
#   LoadTest/batch-e2e/scrape-impact.sh        # 3 rounds x 10 s, 64 connections
set -euo pipefail
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
INTERVAL=${INTERVAL:-0.1}
source "$(dirname "$0")/common.sh"
trap 'kill "${pid:-}" "${scraper:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
port=$(free_port)
start_sluice "$port" "$work/sluice.log" --sink discard --log-level warning
w1_load 3s >/dev/null

run() {
  local mode=$1 out scrapes=0
  if [ "$mode" = scraped ]; then
    ( n=0; while true; do curl -sf -o /dev/null "http://127.0.0.1:$port/metrics" && n=$((n + 1)); echo "$n" > "$work/scrapes"; sleep "$INTERVAL"; done ) &
    scraper=$!
  fi
  out=$(w1_load "$DURATION" --latency)
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
