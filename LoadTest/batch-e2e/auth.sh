#!/usr/bin/env bash
# What access control costs on the hot path: wrk with W1 bodies (../shared/bench gen_body.py,
# 100 items) against two release `sluice` processes (discard sink) in the same session, one
# without --auth-file and one with it (a tenant with a sha256: token and a quota it never
# reaches, so every request is hashed, looked up and charged to a token bucket), one run
# each per round in alternating order, ROUNDS rounds; prints each run, the medians of
# accepted items/s and their ratio, and the server's CPU time per request (from
# /proc/PID/stat), which other work on the machine moves less than throughput.
#
#   LoadTest/batch-e2e/auth.sh                    # 3 rounds x 10 s, 64 connections
#   ROUNDS=5 DURATION=20s LoadTest/batch-e2e/auth.sh
#
# The token is made as deploy/README.md shows (openssl rand -hex 32, sha256sum) and is new
# for every run of the script.
set -euo pipefail
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-3s}
CONNECTIONS=${CONNECTIONS:-64}
source "$(dirname "$0")/common.sh"
trap 'kill "${plain_pid:-}" "${auth_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
gen="$root/../shared/bench/gen_body.py"
[ -f "$gen" ] && python3 "$gen" W1 > "$work/w1.json"

token=$(openssl rand -hex 32)
printf 'bench sha256:%s 1000000000 1000000000\n' "$(printf %s "$token" | sha256sum | cut -d' ' -f1)" > "$work/tenants"
plain_port=$(free_port)
start_sluice "$plain_port" "$work/plain.log" --sink discard --log-level warning
plain_pid=$pid
auth_port=$(free_port)
start_sluice "$auth_port" "$work/auth.log" --sink discard --log-level warning --auth-file "$work/tenants"
auth_pid=$pid
check=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data-binary @"$work/w1.json" "http://127.0.0.1:$auth_port/batch")
[ "$check" = 401 ] || { echo "the auth server answered $check without a token, expected 401" >&2; exit 1; }

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# run MODE: one wrk run against that server; appends "MODE items/s req/s p99 cpu-us/request".
run() {
  local mode=$1 out server before after
  if [ "$mode" = auth ]; then port=$auth_port server=$auth_pid; else port=$plain_port server=$plain_pid; fi
  before=$(cpu_ticks "$server")
  if [ "$mode" = auth ]; then
    out=$(w1_load "$DURATION" --latency -H "Authorization: Bearer $token")
  else
    out=$(w1_load "$DURATION" --latency)
  fi
  after=$(cpu_ticks "$server")
  local rps non2xx items p99
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  # Accepted items only: a non-2xx answer (401, 503) carries none.
  items=$(awk -v bad="${non2xx:-0}" '/requests in/ {n = $1; t = $4; sub(",", "", t); if (t ~ /m$/) {sub("m", "", t); t *= 60} else {sub("s", "", t)}} END {printf "%.0f", (n - bad) * 100 / t}' <<<"$out")
  p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub("us","",v); v/=1000} else if (v ~ /ms$/) {sub("ms","",v)} else if (v ~ /s$/) {sub("s","",v); v*=1000}; print v}' <<<"$out")
  local requests cpu
  requests=$(awk '/requests in/ {print $1}' <<<"$out")
  cpu=$(awk -v t="$((after - before))" -v hz="$(getconf CLK_TCK)" -v n="$requests" 'BEGIN {printf "%.2f", t / hz * 1e6 / n}')
  echo "$mode $items $rps $p99 $cpu" >> "$work/results"
  printf '%-6s %12.0f items/s %10.0f req/s  p99 %7.2f ms  server CPU %6.2f us/request  non-2xx %s\n' \
    "$mode" "$items" "$rps" "$p99" "$cpu" "${non2xx:-0}"
}

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); wrk -t1 -c$CONNECTIONS -d$DURATION, W1 = 100 items, $(wc -c < "$work/w1.json") bytes; discard sink"
port=$plain_port; w1_load "$WARMUP" >/dev/null
port=$auth_port; w1_load "$WARMUP" -H "Authorization: Bearer $token" >/dev/null
# Alternating order (plain, auth, then auth, plain, ...), so a load that grows or fades on
# the machine during the run does not favour one side.
for round in $(seq "$ROUNDS"); do
  if [ $((round % 2)) -eq 1 ]; then run plain; run auth; else run auth; run plain; fi
done
med() { awk -v m="$1" -v c="$2" '$1 == m {print $c}' "$work/results" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
plain_items=$(med plain 2); auth_items=$(med auth 2)
echo "medians: without auth $plain_items items/s (p99 $(med plain 4) ms, $(med plain 5) us CPU/request), with auth $auth_items items/s (p99 $(med auth 4) ms, $(med auth 5) us CPU/request)"
awk -v a="$auth_items" -v p="$plain_items" 'BEGIN {printf "ratio with/without auth: %.3f items/s\n", a / p}'
awk -v a="$(med auth 5)" -v p="$(med plain 5)" 'BEGIN {printf "server CPU per request with/without auth: %.3f\n", a / p}'
curl -s "http://127.0.0.1:$auth_port/metrics" | grep -E '^sluice_(tenant_items_accepted_total|auth_failures_total)'
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
