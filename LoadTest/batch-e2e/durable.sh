#!/usr/bin/env bash
# Durable acknowledgements against buffered ones, file sink, in one run through sluice-load
# (wire engine): items/s, latency, and for durable mode the group commit: fdatasyncs per
# second (one per flush) and requests answered per fsync, from the server's /metrics.
#
#   LoadTest/batch-e2e/durable.sh                       # W1 c64 and W1 c8, 10 s each
#   DURATION=30s CASES="W1:64" LoadTest/batch-e2e/durable.sh
#
# Needs a release sluice (.build/release/sluice, built if missing) and a release sluice-load.
# The data directory is under /tmp (a real disk here: ext4); every run is bounded.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
duration=${DURATION:-10s}
cases=${CASES:-"W1:64 W1:8"}
sluice=${SLUICE:-$root/.build/release/sluice}
port=${PORT:-9620}
load=$root/LoadTest/.build/release/sluice-load
work=$(mktemp -d /tmp/sluice-durable-XXXXXX)
trap 'rm -rf "$work"' EXIT
source "$root/LoadTest/batch-e2e/cases.sh"

[ -x "$sluice" ] || (cd "$root" && swift build -c release --product sluice >/dev/null)
[ -x "$load" ] || (cd "$root/LoadTest" && swift build -c release >/dev/null)
for w in W1 W3; do python3 "$root/../shared/bench/gen_body.py" "$w" > "$work/$w.json"; done
seconds=$(python3 -c "import sys; d = sys.argv[1]; print(float(d[:-2]) / 1000 if d.endswith('ms') else float(d.rstrip('s')))" "$duration")

# run NAME CONNECTIONS BODY ACK
run() {
  local name=$1 c=$2 body=$3 ack=$4
  rm -rf "$work/data"
  "$sluice" --port "$port" --sink file --data-dir "$work/data" --ack "$ack" --log-level error > "$work/server.log" 2>&1 &
  local pid=$!
  wait_port "$port"
  "$load" --url "http://127.0.0.1:$port/batch" -c "$c" -d "$duration" --body-file "$body" --json > "$work/report.json" 2>/dev/null || true
  local cells
  cells=$(curl -s "http://127.0.0.1:$port/metrics" | awk -v s="$seconds" '
    /^sluice_sink_flushes_total / { f = $2 }
    /^sluice_ack_wait_seconds_count / { n = $2 }
    /^sluice_ack_timeouts_total / { t = $2 }
    END { if (n > 0) printf "%.0f | %.1f | %d", f / s, n / f, t; else printf "%.0f (flushes/s) | - | -", f / s }')
  kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
  report_row "$work/report.json" "$name" "$cells"
}

echo "duration $duration per case, sluice-load wire engine, file sink, load average $(cut -d' ' -f1 /proc/loadavg)"
echo
echo "| case | items/s | p50 ms | p99 ms | p99/p50 | heap allocs/item | fsyncs/s | requests/fsync | ack timeouts | non-200 | RSS MiB |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for case in $cases; do
  w=${case%%:*}; c=${case##*:}
  run "$w c$c buffered" "$c" "$work/$w.json" buffered
  run "$w c$c durable" "$c" "$work/$w.json" durable
done
