#!/usr/bin/env bash
# Memory-guard run: the release `sluice` with a low --memory-limit under a W1 load that would
# exceed it. Samples /metrics every second during the load and after it, then SIGTERMs the
# server and counts the items in the file sink against the items the server acknowledged.
#
#   LIMIT=40MiB DURATION=20s LoadTest/batch-e2e/memory-guard.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
LIMIT=${LIMIT:-40MiB}
DURATION=${DURATION:-20s}
CONNECTIONS=${CONNECTIONS:-64}
BUFFER=${BUFFER:-50000}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
(cd "$root" && swift build -c release --product sluice >/dev/null)
work=$(mktemp -d)
trap 'kill "${pid:-}" "${sampler:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
python3 - "$work/w1.json" <<'PY'
import json, sys
items = [{"id": "item-%d" % i, "data": {"value": 42, "name": "test", "active": True}} for i in range(100)]
open(sys.argv[1], "w").write(json.dumps(items, separators=(",", ":")))
PY
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$root/.build/release/sluice" --port "$port" --data-dir "$work/data" --memory-limit "$LIMIT" --monitor-interval 250ms \
  --buffer-capacity "$BUFFER" --log-level notice > "$work/sluice.log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.05; done
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
BODY_FILE="$work/w1.json" wrk -t1 -c"$CONNECTIONS" -d"$DURATION" -s "$here/post-batch.lua" "http://127.0.0.1:$port/batch" > "$work/wrk.txt"
sleep 5
kill "$sampler"; wait "$sampler" 2>/dev/null || true
grep -E "Requests/sec|Non-2xx" "$work/wrk.txt"
sample after
accepted=$(metric sluice_items_accepted_total)
kill -TERM "$pid"; wait "$pid" && status=0 || status=$?
written=$(cat "$work"/data/segment-* 2>/dev/null | wc -l)
echo "exit status $status; items acknowledged $accepted, lines in the sink $written"
grep -E "memory guard" "$work/sluice.log" | head -4
