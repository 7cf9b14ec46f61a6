#!/usr/bin/env bash
# Server-core benchmark: wrk against sluice-http-bench (the SluiceHTTP server alone, POST /bench
# reads the body and answers a fixed JSON), against minimal-responder.swift beside this script
# (one DispatchSource and serial queue per connection, a fixed reply, no HTTP checks: the floor
# for a Dispatch server here) and against nginx configured to do the same, in one run,
# alternating servers within each round. Prints medians, the ratios to the minimal responder
# and to nginx, server CPU per request and the idle RSS of sluice and nginx.
#
#   LoadTest/http-core/bench.sh                 # 3 rounds x 10 s, 64 connections, wrk -t1
#   ROUNDS=5 DURATION=20s CONNECTIONS=64 LoadTest/http-core/bench.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-1}

if ! command -v wrk >/dev/null || ! command -v nginx >/dev/null; then
  apt-get update -qq && apt-get install -y -qq wrk nginx >/dev/null
fi
(cd "$root" && swift build -c release --product sluice-http-bench >/dev/null)
bench_bin="$root/.build/release/sluice-http-bench"

work=$(mktemp -d)
cleanup() {
  [ -n "${sluice_pid:-}" ] && kill "$sluice_pid" 2>/dev/null || true
  [ -n "${minimal_pid:-}" ] && kill "$minimal_pid" 2>/dev/null || true
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# Bodies: a 100-item batch (about 6.5 KB) and a single item (about 70 bytes).
item() { printf '{"id":"item-%d","data":{"value":42,"name":"test","active":true}}' "$1"; }
{ printf '['; for i in $(seq 0 99); do [ "$i" -gt 0 ] && printf ','; item "$i"; done; printf ']'; } > "$work/big.json"
{ printf '['; item 0; printf ']'; } > "$work/small.json"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
cpu_ticks() { local t=0; for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo "$t"; }

"$bench_bin" 0 > "$work/sluice.out" 2>&1 &
sluice_pid=$!
for _ in $(seq 100); do grep -q listening "$work/sluice.out" && break; sleep 0.05; done
sluice_port=$(awk '/listening on/ {print $3}' "$work/sluice.out")

swiftc -O "$here/minimal-responder.swift" -o "$work/minimal-responder"
"$work/minimal-responder" 0 > "$work/minimal.out" 2>&1 &
minimal_pid=$!
for _ in $(seq 100); do grep -q listening "$work/minimal.out" && break; sleep 0.05; done
minimal_port=$(awk '/listening on/ {print $3}' "$work/minimal.out")

nginx_port=$(free_port)
mkdir -p "$work/body"
sed -e "s|__PORT__|$nginx_port|g" -e "s|__DIR__|$work|g" "$here/nginx.conf" > "$work/nginx.conf"
nginx -c "$work/nginx.conf" -p "$work" -e "$work/nginx-error.log"
for _ in $(seq 100); do [ -s "$work/nginx.pid" ] && break; sleep 0.05; done
sleep 0.5
nginx_pids=$(pgrep -P "$(cat "$work/nginx.pid")" | tr '\n' ' ')
sluice_idle_rss=$(rss_kb "$sluice_pid")
nginx_idle_rss=0; for p in $(cat "$work/nginx.pid") $nginx_pids; do nginx_idle_rss=$((nginx_idle_rss + $(rss_kb "$p"))); done

echo "machine: $(nproc) cores, $(uname -r); wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $ROUNDS rounds"
echo "idle RSS: sluice-http-bench ${sluice_idle_rss} KB, nginx (master + 2 workers) ${nginx_idle_rss} KB"
results="$work/results.tsv"
hz=$(getconf CLK_TCK)
for round in $(seq "$ROUNDS"); do
  for body in big small; do
    for server in sluice minimal nginx; do
      case $server in
        sluice) port=$sluice_port; pids=$sluice_pid ;;
        minimal) port=$minimal_port; pids=$minimal_pid ;;
        nginx) port=$nginx_port; pids=$nginx_pids ;;
      esac
      before=$(cpu_ticks $pids)
      out=$(BODY_FILE="$work/$body.json" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$here/post.lua" "http://127.0.0.1:$port/bench")
      after=$(cpu_ticks $pids)
      rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
      p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub("us","",v); v/=1000} else if (v ~ /ms$/) {sub("ms","",v)} else if (v ~ /s$/) {sub("s","",v); v*=1000}; print v}' <<<"$out")
      errors=$(awk '/Non-2xx|Socket errors/ {print}' <<<"$out" | tr '\n' ' ')
      total=$(awk '/requests in/ {print $1}' <<<"$out")
      cpu_us=$(awk -v t=$((after - before)) -v hz="$hz" -v n="$total" 'BEGIN { printf "%.1f", t / hz * 1e6 / n }')
      printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$body" "$server" "$rps" "$p99" "$cpu_us" >> "$results"
      echo "round $round $body $server: ${rps} req/s, p99 ${p99} ms, ${cpu_us} us CPU/req ${errors}"
    done
  done
done
sluice_final_rss=$(rss_kb "$sluice_pid")

echo
echo "medians over $ROUNDS rounds:"
printf '%-22s %11s %11s %10s %8s %8s %10s %10s %10s %10s %10s\n' body sluice_rps minimal_rps nginx_rps "vs_min" "vs_nginx" sluice_p99 nginx_p99 sluice_us minimal_us nginx_us
for body in big small; do
  med() { awk -F'\t' -v b="$body" -v s="$1" -v c="$2" '$2 == b && $3 == s {print $c}' "$results" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
  s=$(med sluice 4); m=$(med minimal 4); n=$(med nginx 4)
  label=$([ "$body" = big ] && echo "100 items ($(wc -c < "$work/big.json") B)" || echo "1 item ($(wc -c < "$work/small.json") B)")
  printf '%-22s %11.0f %11.0f %10.0f %8.2f %8.2f %10s %10s %10s %10s %10s\n' "$label" "$s" "$m" "$n" \
    "$(awk -v a="$s" -v b="$m" 'BEGIN {print a / b}')" "$(awk -v a="$s" -v b="$n" 'BEGIN {print a / b}')" \
    "$(med sluice 5)" "$(med nginx 5)" "$(med sluice 6)" "$(med minimal 6)" "$(med nginx 6)"
done
echo "sluice-http-bench RSS after the run: ${sluice_final_rss} KB"
