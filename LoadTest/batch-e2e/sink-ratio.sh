#!/usr/bin/env bash
# The file sink's cost beside the discard sink: ROUNDS alternating runs of each (a fresh server
# and data directory every run) at one load, so drift on a shared machine falls on both alike.
# Prints every run, the medians, their ratio and the median of the per-round ratios (#11 asks
# for the file sink at 0.8x discard or better at W1 and 64 connections).
#
#   LoadTest/batch-e2e/sink-ratio.sh                          # W1, c64, 5 rounds x 15 s
#   BODY=W3 CONNECTIONS=8 ROUNDS=3 DURATION=20s LoadTest/batch-e2e/sink-ratio.sh
#
# Needs the release sluice and sluice-load (built if missing). 127.0.0.1 only; every run bounded.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
rounds=${ROUNDS:-5}
duration=${DURATION:-15s}
body=${BODY:-W1}
connections=${CONNECTIONS:-64}
port=${PORT:-9630}
sluice=$root/.build/release/sluice
load=$root/LoadTest/.build/release/sluice-load
work=$(mktemp -d /tmp/sluice-ratio-XXXXXX)
trap 'kill "${pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
source "$root/LoadTest/batch-e2e/cases.sh"

[ -x "$sluice" ] || (cd "$root" && swift build -c release --product sluice >/dev/null)
[ -x "$load" ] || (cd "$root/LoadTest" && swift build -c release >/dev/null)
python3 "$root/../shared/bench/gen_body.py" "$body" > "$work/body.json"

echo "$body, $connections connections, $rounds rounds x $duration, load average $(cut -d' ' -f1 /proc/loadavg)"
: > "$work/runs.tsv"
for round in $(seq "$rounds"); do
  for sink in discard file; do
    rm -rf "$work/data"
    "$sluice" --port "$port" --sink "$sink" --data-dir "$work/data" --log-level error > "$work/server.log" 2>&1 &
    pid=$!
    wait_port "$port"
    "$load" --url "http://127.0.0.1:$port/batch" -c "$connections" -d "$duration" --body-file "$work/body.json" \
      --json --no-server-metrics > "$work/report.json" 2>/dev/null || true
    kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
    python3 - "$work/report.json" "$round" "$sink" >> "$work/runs.tsv" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
non200 = sum(v for k, v in r["status"].items() if k != "200")
print(sys.argv[2], sys.argv[3], r["items_per_second"], r["latency_ms"]["p50"], r["latency_ms"]["p99"], non200)
PY
    tail -1 "$work/runs.tsv" | awk '{printf "round %s %-7s %12.0f items/s  p50 %.2f ms  p99 %.2f ms  non-200 %s\n", $1, $2, $3, $4, $5, $6}'
  done
done
python3 - "$work/runs.tsv" <<'PY'
import sys
runs = [line.split() for line in open(sys.argv[1]) if line.strip()]
rate = {(r[0], r[1]): float(r[2]) for r in runs}
median = lambda v: sorted(v)[len(v) // 2] if len(v) % 2 else sum(sorted(v)[len(v) // 2 - 1:len(v) // 2 + 1]) / 2
rounds = sorted({r[0] for r in runs}, key=int)
discard = median([rate[(n, "discard")] for n in rounds])
file = median([rate[(n, "file")] for n in rounds])
pairs = [rate[(n, "file")] / rate[(n, "discard")] for n in rounds]
print(f"median discard {discard:,.0f} items/s, file {file:,.0f} items/s: file/discard {file / discard:.2f}x; "
      f"per-round ratios {', '.join(f'{p:.2f}' for p in pairs)} (median {median(pairs):.2f}x)")
PY
