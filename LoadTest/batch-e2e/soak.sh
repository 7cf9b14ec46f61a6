#!/usr/bin/env bash
# Flat memory over minutes at peak: one sluice under sluice-load for DURATION (default 3 min) at
# W1 and 64 connections, its RSS read from /proc every 5 s. Prints the RSS at each minute, the
# drift of the last minute's median against the first's (target: within 2%), the peak, and the peak
# predicted by the working-set formula in deploy/README.md ("Working set at a given load").
#
#   LoadTest/batch-e2e/soak.sh                                  # discard sink, W1, c64, 3 min
#   SINK=file DURATION=60s LoadTest/batch-e2e/soak.sh
#   BODY=W3 CONNECTIONS=8 DURATION=60s LoadTest/batch-e2e/soak.sh
#
# Needs the release sluice and sluice-load (built if missing). 127.0.0.1 only; bounded by
# DURATION; the sampler stops with the load.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
duration=${DURATION:-180s}
sink=${SINK:-discard}
body=${BODY:-W1}
connections=${CONNECTIONS:-64}
port=${PORT:-9620}
sluice=$root/.build/release/sluice
load=$root/LoadTest/.build/release/sluice-load
work=$(mktemp -d /tmp/sluice-soak-XXXXXX)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
source "$root/LoadTest/batch-e2e/cases.sh"

[ -x "$sluice" ] || (cd "$root" && swift build -c release --product sluice >/dev/null)
[ -x "$load" ] || (cd "$root/LoadTest" && swift build -c release >/dev/null)
python3 "$root/../shared/bench/gen_body.py" "$body" > "$work/body.json"

"$sluice" --port "$port" --sink "$sink" --data-dir "$work/data" --log-level error > "$work/server.log" 2>&1 &
pid=$!
wait_port "$port"
idle_kb=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")

"$load" --url "http://127.0.0.1:$port/batch" -c "$connections" -d "$duration" --body-file "$work/body.json" --json \
  > "$work/report.json" 2>/dev/null &
loader=$!
start=$(date +%s.%N)
: > "$work/samples.tsv"
# One sample every 5 s while the load runs (bounded by the loader's own duration): seconds, RSS
# in KiB, items in the batch buffer, bytes the idle pools keep.
while kill -0 "$loader" 2>/dev/null; do
  now=$(date +%s.%N)
  kb=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
  read -r buffered idle_pools < <(curl -s --max-time 2 "http://127.0.0.1:$port/metrics" |
    awk '/^sluice_batch_buffer_items / {b=$2} /^sluice_pool_idle_bytes/ {p+=$2} END {print b+0, p+0}')
  echo "$(python3 -c "print(f'{$now - $start:.1f}')") $kb $buffered $idle_pools" >> "$work/samples.tsv"
  sleep 5
done
wait "$loader" || true
curl -s "http://127.0.0.1:$port/metrics" > "$work/metrics.txt"
kill -TERM "$pid"; wait "$pid" 2>/dev/null || true

echo "sluice $sink sink, $body, $connections connections, $duration, load average $(cut -d' ' -f1 /proc/loadavg)"
python3 - "$work/report.json" "$work/samples.tsv" "$idle_kb" "$work/body.json" "$connections" "$work/metrics.txt" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
samples = [tuple(map(float, line.split())) for line in open(sys.argv[2]) if line.strip()]
idle = float(sys.argv[3]) * 1024
body = json.load(open(sys.argv[4]))
connections = int(sys.argv[5])
mib = lambda b: b / 1048576
lat = report["latency_ms"]
non200 = sum(v for k, v in report["status"].items() if k != "200")
print(f"items/s {report['items_per_second']:,.0f}  p50 {lat['p50']:.2f} ms  p99 {lat['p99']:.2f} ms  "
      f"p99/p50 {lat['p99'] / lat['p50']:.2f}  non-200 {non200}")
metrics = {}
for line in open(sys.argv[6]):
    if line.strip() and not line.startswith("#"):
        name, _, value = line.rpartition(" ")
        metrics[name] = float(value)
gets = metrics.get('sluice_pool_gets_total{pool="result_slab"}', 0)
misses = metrics.get('sluice_pool_misses_total{pool="result_slab"}', 0)
print(f"heap allocations per accepted item {report.get('server', {}).get('heap_allocations_per_item', float('nan')):.4f}  "
      f"slab pool hit rate {100 * (gets - misses) / max(gets, 1):.3f}% ({misses:.0f} misses in {gets:,.0f})  "
      f"load shed {sum(v for k, v in metrics.items() if k.startswith('sluice_load_shed_total')):.0f}")
minutes = {}
for t, kb, _, _ in samples:
    minutes.setdefault(int(t // 60), []).append(kb * 1024)
# Each minute's RSS is the median of its samples: one sample moves with the buffer's fill at
# that instant (a few MiB at peak), the median with what the process keeps.
median = lambda v: sorted(v)[len(v) // 2]
print("RSS by minute (MiB, median of the minute's samples / its highest): " +
      ", ".join(f"min {m + 1}: {mib(median(v)):.1f} / {mib(max(v)):.1f}" for m, v in sorted(minutes.items())))
if len(minutes) >= 2:
    first, last = median(minutes[min(minutes)]), median(minutes[max(minutes)])
    print(f"drift last minute vs first (medians): {100 * (last - first) / first:+.2f}%")
peak = max(s[1] * 1024 for s in samples)
# The working set at this load (deploy/README.md, "Working set at a given load"): the idle
# process, plus per connection its request's I/O buffer and result slab (each sized to the
# body or its records, rounded up to a power of two as the pools size them), plus the items
# the buffer held at its fullest sample and one flush being written, at the slab bytes per
# item, plus what the idle pools kept at their fullest sample.
items = body if isinstance(body, list) else body["items"]
body_bytes = len(json.dumps(body, separators=(",", ":")))
record = 90 + sum(len(json.dumps(i.get("id"))) - 2 + len(json.dumps(i.get("data"), separators=(",", ":"))) + 2
                  for i in items) / len(items)
pow2 = lambda n: 1 << max(10, (int(n) - 1).bit_length())
slab = pow2(len(items) * record) + 16 * len(items)
per_item = slab / len(items)
per_connection = pow2(body_bytes) + slab
buffered = max(s[2] for s in samples)
flush = max(10000, len(items)) * per_item
pools = max(s[3] for s in samples)
predicted = idle + connections * per_connection + (buffered * per_item + flush) + pools
print(f"peak RSS {mib(peak):.1f} MiB; working set at this load {mib(predicted):.1f} MiB "
      f"(idle {mib(idle):.1f} + {connections} x {per_connection / 1024:.0f} KiB in flight "
      f"+ buffer at most {buffered:,.0f} items and one flush {mib(buffered * per_item + flush):.1f} "
      f"+ idle pools {mib(pools):.1f}); measured/formula {peak / predicted:.2f}")
PY
