#!/usr/bin/env bash
# Memory-guard run: the release `sluice` with a low --memory-limit under a W1 load that would
# exceed it. Samples /metrics every second during the load and after it, then SIGTERMs the
# server and counts the items in the file sink against the items the server acknowledged.
#
#   LIMIT=40MiB DURATION=20s LoadTest/batch-e2e/memory-guard.sh
set -euo pipefail
LIMIT=${LIMIT:-40MiB}
DURATION=${DURATION:-20s}
CONNECTIONS=${CONNECTIONS:-64}
BUFFER=${BUFFER:-50000}
source "$(dirname "$0")/common.sh"
trap 'kill "${pid:-}" "${sampler:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
port=$(free_port)
start_sluice "$port" "$work/sluice.log" --data-dir "$work/data" --memory-limit "$LIMIT" --monitor-interval 250ms \
  --buffer-capacity "$BUFFER" --log-level notice
metric() { awk -v s="$1" '$1 == s {print $2}' "$work/m"; }
sample() {
  curl -s "http://127.0.0.1:$port/metrics" > "$work/m"
  printf '%6s  RSS %6.1f MB  shedding %s  shed(memory) %-7s trims %-4s accepted %s  readyz %s\n' "$1" \
    "$(awk -v b="$(metric process_resident_memory_bytes)" 'BEGIN {print b / 1048576}')" "$(metric sluice_memory_shedding)" \
    "$(metric 'sluice_load_shed_total{reason="memory_limit"}')" "$(metric sluice_malloc_trims_total)" \
    "$(metric sluice_items_accepted_total)" "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz")"
}
echo "limit $LIMIT (shed above 85%, recover below 75%); wrk -t1 -c$CONNECTIONS -d$DURATION W1; --buffer-capacity $BUFFER"
sample start
( t=0; while true; do sleep 1; t=$((t + 1)); sample "${t}s"; done ) & sampler=$!
w1_load "$DURATION" > "$work/wrk.txt"
sleep 5
kill "$sampler"; wait "$sampler" 2>/dev/null || true
grep -E "Requests/sec|Non-2xx" "$work/wrk.txt"
sample after
accepted=$(metric sluice_items_accepted_total)
kill -TERM "$pid"; wait "$pid" && status=0 || status=$?
written=$(cat "$work"/data/segment-* 2>/dev/null | wc -l)
echo "exit status $status; items acknowledged $accepted, lines in the sink $written"
grep -E "memory guard" "$work/sluice.log" | head -4
