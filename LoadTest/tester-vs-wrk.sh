#!/usr/bin/env bash
# Is sluice-load fast enough to measure a server? It runs against nginx (bench-nginx.conf: reads
# the body, fixed reply) beside `wrk -t1` at the same connection count, alternating tools within
# each round, for the W1 body (100 items, ~6.5 KB) and the W2 body (1 item, 65 B). Prints the
# median req/s of each tool and the ratio to wrk, for both sluice-load engines.
#
#   LoadTest/tester-vs-wrk.sh                       # 3 rounds x 5 s, 64 connections
#   ROUNDS=5 DURATION=10s CONNECTIONS=64 LoadTest/tester-vs-wrk.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5s}
CONNECTIONS=${CONNECTIONS:-64}

if ! command -v wrk >/dev/null || ! command -v nginx >/dev/null; then
  apt-get update -qq && apt-get install -y -qq wrk nginx >/dev/null
fi
(cd "$here" && swift build -c release --scratch-path .build >/dev/null 2>&1) || { echo "sluice-load build failed" >&2; exit 1; }
load_bin="$here/.build/release/sluice-load"

work=$(mktemp -d /tmp/sluice-tester-vs-wrk.XXXXXX)
cleanup() {
  [ -s "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  sleep 0.2
  rm -rf "$work"
}
trap cleanup EXIT

item() { printf '{"id":"item-%d","data":{"value":42,"name":"test","active":true}}' "$1"; }
{ printf '['; for i in $(seq 1 100); do [ "$i" -gt 1 ] && printf ','; item "$i"; done; printf ']'; } > "$work/W1.json"
{ printf '['; item 1; printf ']'; } > "$work/W2.json"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$work/body"
sed -e "s|__PORT__|$port|g" -e "s|__DIR__|$work|g" "$here/bench-nginx.conf" > "$work/nginx.conf"
nginx -c "$work/nginx.conf" -p "$work" -e "$work/nginx-error.log"
url="http://127.0.0.1:$port/batch"
for _ in $(seq 100); do curl -s -o /dev/null -X POST -d '[]' "$url" && break; sleep 0.05; done

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); $ROUNDS rounds x $DURATION, -c $CONNECTIONS, one thread each" >&2
for round in $(seq "$ROUNDS"); do
  for body in W1 W2; do
    echo "  round $round $body ..." >&2
    BODY_FILE="$work/$body.json" wrk -t1 -c"$CONNECTIONS" -d"$DURATION" -s "$here/batch-e2e/post-batch.lua" "$url" \
      | awk '/Requests\/sec/ {print $2}' >> "$work/$body.wrk"
    for engine in wire curl; do
      "$load_bin" --url "$url" --engine "$engine" -c "$CONNECTIONS" -t 1 -d "$DURATION" --body-file "$work/$body.json" \
        --no-server-metrics --json --no-progress \
        | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["requests_per_second"] if r["failed_requests"] == 0 else "failed")' \
        >> "$work/$body.$engine"
    done
  done
done

python3 - "$work" <<'PY'
import os, statistics, sys
work = sys.argv[1]
def runs(name):
    with open(os.path.join(work, name)) as f:
        return [float(x) for x in f.read().split() if x != "failed"]
print(f'{"body":<5} {"wrk -t1 req/s":>14} {"wire req/s":>11} {"wire/wrk":>9} {"curl req/s":>11} {"curl/wrk":>9}  runs (wrk | wire | curl)')
for body in ("W1", "W2"):
    w, s, c = runs(f"{body}.wrk"), runs(f"{body}.wire"), runs(f"{body}.curl")
    mw, ms, mc = statistics.median(w), statistics.median(s), statistics.median(c)
    detail = " | ".join(" ".join(f"{x:,.0f}" for x in r) for r in (w, s, c))
    print(f"{body:<5} {mw:>14,.0f} {ms:>11,.0f} {ms / mw:>9.2f} {mc:>11,.0f} {mc / mw:>9.2f}  {detail}")
PY
