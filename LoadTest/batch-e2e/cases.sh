# Shared by the sluice-load benchmarks here (sourced, not run): waiting for a server's port,
# and one Markdown table row from a sluice-load --json report.

# wait_port PORT: until something answers on 127.0.0.1:PORT (bounded: 10 s).
wait_port() {
  for _ in $(seq 200); do
    curl -s -o /dev/null "http://127.0.0.1:$1/healthz" 2>/dev/null && return 0
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "nothing listens on $1" >&2; return 1
}

# report_row REPORT.json NAME [EXTRA CELL...]: | name | items/s | p50 | p99 | p99/p50 | allocs/item |
# non-200 | RSS start → end | extra cells... |
report_row() {
  python3 - "$@" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); s = r.get("server") or {}
lat = r["latency_ms"]; non200 = sum(v for k, v in r["status"].items() if k != "200")
def mib(x): return "-" if x is None else f"{x / 1048576:.1f}"
allocs = s.get("heap_allocations_per_item")
cells = [sys.argv[2], f"{r['items_per_second']:,.0f}", f"{lat['p50']:.2f}", f"{lat['p99']:.2f}",
         f"{lat['p99'] / max(lat['p50'], 1e-9):.1f}x", "-" if allocs is None else f"{allocs:.4f}"]
cells += sys.argv[3:] + [str(non200), f"{mib(s.get('rss_bytes_start'))} → {mib(s.get('rss_bytes_end'))}"]
print("| " + " | ".join(cells) + " |")
PY
}
