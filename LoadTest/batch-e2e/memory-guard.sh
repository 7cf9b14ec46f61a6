#!/usr/bin/env bash
# Memory-guard run: the release `sluice` with a low --memory-limit under a W1 load that would
# exceed it. Samples /metrics every second during the load and after it, then SIGTERMs the
# server and counts the items in the file sink against the items the server acknowledged.
#
#   LIMIT=40MiB DURATION=20s LoadTest/batch-e2e/memory-guard.sh
#
# EPISODES=1 also polls /metrics every 50 ms (guard-episodes.py) and lists each shedding
# episode with the time from the buffer being empty to recovery (DURATION in seconds, e.g. 15s).
set -euo pipefail
LIMIT=${LIMIT:-40MiB}
DURATION=${DURATION:-20s}
CONNECTIONS=${CONNECTIONS:-64}
BUFFER=${BUFFER:-50000}
source "$(dirname "$0")/common.sh"
trap 'kill "${pid:-}" "${sampler:-}" "${poller:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
port=$(free_port)
start_sluice "$port" "$work/sluice.log" --data-dir "$work/data" --memory-limit "$LIMIT" --monitor-interval 250ms \
  --buffer-capacity "$BUFFER" --log-level notice
metric() { awk -v s="$1" '$1 == s {print $2}' "$work/m"; }
sample() {
  curl -s "http://127.0.0.1:$port/metrics" > "$work/m"
  printf '%6s  RSS %6.1f MB  shedding %s  shed(memory) %-7s trims %-4s accepted %-9s buffer %-6s readyz %s\n' "$1" \
    "$(awk -v b="$(metric process_resident_memory_bytes)" 'BEGIN {print b / 1048576}')" "$(metric sluice_memory_shedding)" \
    "$(metric 'sluice_load_shed_total{reason="memory_limit"}')" "$(metric sluice_malloc_trims_total)" \
    "$(metric sluice_items_accepted_total)" "$(metric sluice_batch_buffer_items)" \
    "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz")"
}
echo "limit $LIMIT (shed above 85%, recover below 75%); wrk -t1 -c$CONNECTIONS -d$DURATION W1; --buffer-capacity $BUFFER"
sample start
( t=0; while true; do sleep 1; t=$((t + 1)); sample "${t}s"; done ) & sampler=$!
if [ "${EPISODES:-0}" = 1 ]; then
  python3 "$here/guard-episodes.py" "$port" "$(( ${DURATION%s} + 5 ))" > "$work/episodes.txt" & poller=$!
fi
w1_load "$DURATION" > "$work/wrk.txt"
sleep 5
kill "$sampler"; wait "$sampler" 2>/dev/null || true
if [ -n "${poller:-}" ]; then wait "$poller"; cat "$work/episodes.txt"; fi
grep -E "Requests/sec|Non-2xx" "$work/wrk.txt"
sample after
# Time shed and idle memory given back (families newer than the first guard; empty when absent).
grep -E '^sluice_(load_shed_seconds_total|memory_released_bytes_total)' "$work/m" || true
accepted=$(metric sluice_items_accepted_total)
kill -TERM "$pid"; wait "$pid" && status=0 || status=$?
written=$(cat "$work"/data/segment-* 2>/dev/null | wc -l)
echo "exit status $status; items acknowledged $accepted, lines in the sink $written"
grep -E "memory guard" "$work/sluice.log" | head -4
