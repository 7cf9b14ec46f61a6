#!/usr/bin/env bash
# End-to-end benchmark with sluice-load: sluice (--sink discard), sluice (--sink file) and nginx
# (reads the body, fixed reply: the HTTP limit of this machine), all on 127.0.0.1, in one run.
# Each workload runs against every target in turn before the next workload starts.
#
#   W1   100 items, object data, 64 connections
#   W1s  100 items, --data-shape string, 64 connections
#   W2   1 item, 64 connections
#   W3   10,000 items, 8 connections
#
#   LoadTest/bench.sh                              # 10 s per run
#   DURATION=5s SVG=/tmp/w1.svg THREADS=1 LoadTest/bench.sh
#
# Prints one table (req/s, items/s, latency percentiles, server RSS start->end, heap
# allocations per item, sluice/nginx req/s ratio) and writes an SVG latency chart of W1
# against sluice (discard sink).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
DURATION=${DURATION:-10s}
SVG=${SVG:-/tmp/sluice-w1-latency.svg}
THREADS=${THREADS:-1}

command -v nginx >/dev/null || { apt-get update -qq && apt-get install -y -qq nginx >/dev/null; }
echo "building release sluice and sluice-load ..." >&2
(cd "$root" && swift build -c release --product sluice >/dev/null 2>&1) || { echo "sluice build failed" >&2; exit 1; }
(cd "$here" && swift build -c release --scratch-path .build >/dev/null 2>&1) || { echo "sluice-load build failed" >&2; exit 1; }
sluice_bin="$root/.build/release/sluice"
load_bin="$here/.build/release/sluice-load"

work=$(mktemp -d /tmp/sluice-bench.XXXXXX)
pids=()
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ -s "$work/nginx.pid" ]; then
    kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
    for _ in $(seq 50); do [ -e "$work/nginx.pid" ] || break; sleep 0.1; done
  fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_sluice NAME ARGS...: background release server on a free port, waits for /healthz.
declare -A port
start_sluice() {
  local name=$1; shift
  local p; p=$(free_port)
  "$sluice_bin" --host 127.0.0.1 --port "$p" --log-level warning "$@" > "$work/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 200); do
    curl -sf "http://127.0.0.1:$p/healthz" >/dev/null 2>&1 && { port[$name]=$p; return 0; }
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.05
  done
  echo "sluice ($name) did not start; log:" >&2; cat "$work/$name.log" >&2; return 1
}

start_sluice sluice-discard --sink discard
mkdir -p "$work/data"
start_sluice sluice-file --sink file --data-dir "$work/data"

port[nginx]=$(free_port)
mkdir -p "$work/body"
sed -e "s|__PORT__|${port[nginx]}|g" -e "s|__DIR__|$work|g" "$here/bench-nginx.conf" > "$work/nginx.conf"
nginx -c "$work/nginx.conf" -p "$work" -e "$work/nginx-error.log"
for _ in $(seq 100); do
  [ -s "$work/nginx.pid" ] && curl -s -o /dev/null -X POST -d '[]' "http://127.0.0.1:${port[nginx]}/batch" && break
  sleep 0.05
done

targets=(sluice-discard sluice-file nginx)
# name|sluice-load arguments
workloads=(
  "W1|--items 100 --data-shape object -c 64"
  "W1s|--items 100 --data-shape string -c 64"
  "W2|--items 1 -c 64"
  "W3|--items 10000 -c 8"
)

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); sluice-load -t $THREADS, $DURATION per run" >&2
for wl in "${workloads[@]}"; do
  name=${wl%%|*}; args=${wl#*|}
  for t in "${targets[@]}"; do
    extra=()
    [ "$t" = nginx ] && extra+=(--no-server-metrics)
    [ "$name" = W1 ] && [ "$t" = sluice-discard ] && extra+=(--svg "$SVG")
    echo "  $name -> $t ..." >&2
    # shellcheck disable=SC2086
    if ! "$load_bin" --url "http://127.0.0.1:${port[$t]}/batch" -d "$DURATION" -t "$THREADS" \
        $args --json --no-progress "${extra[@]}" > "$work/$name.$t.json" 2> "$work/$name.$t.err"; then
      echo "  sluice-load failed for $name -> $t:" >&2; cat "$work/$name.$t.err" >&2
    fi
    grep -h WARNING "$work/$name.$t.err" >&2 || true
    # let the file sink's flusher catch up and keep the data dir small
    sleep 1
    find "$work/data" -name '*.ndjson' -delete 2>/dev/null || true
  done
done

python3 - "$work" "${targets[*]}" "W1 W1s W2 W3" <<'PY'
import json, os, sys
work, targets, wls = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()
def load(w, t):
    try:
        with open(os.path.join(work, f"{w}.{t}.json")) as f: return json.load(f)
    except Exception: return None
def mib(b): return "-" if b is None else f"{b/1048576:.1f}"
def num(x, fmt): return "-" if x is None else format(x, fmt)
hdr = ("workload", "target", "req/s", "items/s", "p50 ms", "p99 ms", "p99.9 ms", "RSS MiB start->end", "allocs/item", "non-200", "vs nginx")
rows, notes = [], []
for w in wls:
    ng = load(w, "nginx")
    ng_rps = ng["requests_per_second"] if ng else None
    for t in targets:
        r = load(w, t)
        if r is None:
            rows.append((w, t) + ("failed",) + ("-",) * 8); continue
        lat, srv = r["latency_ms"], r.get("server") or {}
        items = r["items_per_second"]
        if t == "nginx":
            # nginx always answers "accepted":100; count the batch size instead
            items = r["requests_per_second"] * r["body"]["items"] if r["status"].get("200") == r["requests"] else None
        bad = [f"{k}x{v}" for k, v in sorted(r["status"].items()) if k != "200" and v]
        if r["failed_requests"]: bad.append(f'failed x{r["failed_requests"]}')
        non200 = " ".join(bad) or "0"
        rss = "-" if not srv.get("available") else f'{mib(srv.get("rss_bytes_start"))}->{mib(srv.get("rss_bytes_end"))}'
        ratio = "-" if t == "nginx" or not ng_rps else f'{r["requests_per_second"]/ng_rps:.2f}'
        rows.append((w, t, num(r["requests_per_second"], ",.0f"), num(items, ",.0f"),
                     num(lat["p50"], ".2f"), num(lat["p99"], ".2f"), num(lat["p99_9"], ".2f"),
                     rss, num(srv.get("heap_allocations_per_item"), ".2f"), str(non200), ratio))
        if srv.get("available") and srv.get("items_agree") is False:
            notes.append(f"{w} {t}: server item count differs from acknowledged items")
        if r.get("interrupted"): notes.append(f"{w} {t}: run interrupted")
widths = [max(len(str(x[i])) for x in rows + [hdr]) for i in range(len(hdr))]
line = lambda x: "  ".join(str(v).ljust(widths[i]) if i < 2 else str(v).rjust(widths[i]) for i, v in enumerate(x))
print(line(hdr)); print("  ".join("-" * n for n in widths))
prev = None
for x in rows:
    if prev and prev != x[0]: print()
    print(line(x)); prev = x[0]
print("items/s for nginx = req/s x batch size (its fixed reply always says accepted 100);"
      " vs nginx = sluice req/s / nginx req/s, same workload"
      " (req/s counts every response, 503s included; items/s counts only accepted items).")
for n in notes: print("NOTE:", n)
PY
[ -s "$SVG" ] && echo "W1 latency chart (sluice, discard sink): $SVG" || echo "W1 latency chart was not written ($SVG)"
