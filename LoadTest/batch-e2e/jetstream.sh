#!/usr/bin/env bash
# The JetStream sink beside the file sink, in one run: wrk -t1 with W1 bodies (100 items,
# ../shared/bench/gen_body.py when it is there) at CONNECTIONS (64) connections against the
# release sluice with --sink file, then with --sink jetstream publishing to one local
# nats-server (-js, file storage in a temp dir, probed ports; a fresh one per case), with
# --ack buffered and with --ack durable. For each: requests/s, accepted
# items/s, latency, 503s, and where the CPU went (sluice, nats-server and the rest of the
# machine, per accepted item, from /proc); for JetStream also the messages published, the mean
# PubAck wait and flush, and a check that the stream holds exactly the accepted items once
# sluice has drained; heap allocations per item come from sluice's malloc counter, which sees
# libnats's mallocs too. Prints the ratio of each JetStream case's accepted items/s to the file
# sink's.
#
#   LoadTest/batch-e2e/jetstream.sh                         # 5 s warm-up, 20 s measured per sink
#   WARMUP=3s DURATION=10s CONNECTIONS=64 LoadTest/batch-e2e/jetstream.sh
#   PERF=1 LoadTest/batch-e2e/jetstream.sh                  # + perf profile of both processes
#   NATS_ARGS="--nats-max-pending 16384" LoadTest/batch-e2e/jetstream.sh   # extra sluice flags
#   CASES="jetstream" LoadTest/batch-e2e/jetstream.sh        # some of: file jetstream jetstream-durable
#   CEILING_MESSAGES=0 LoadTest/batch-e2e/jetstream.sh        # skip the ceiling run
#
# Then, unless CEILING_MESSAGES=0: nats-ceiling.c (the C client alone, no HTTP, no sluice)
# publishes CEILING_MESSAGES (1,000,000) messages shaped like the sink's to a fresh nats-server:
# the stream's own ceiling on this machine, with the server's CPU per message.
#
# Needs: wrk, nats-server and libnats-dev (installed when missing), perf for PERF=1. Everything
# listens on 127.0.0.1; every run is bounded by wrk -d; only processes it started are stopped.
set -euo pipefail
WARMUP=${WARMUP:-5s}
DURATION=${DURATION:-20s}
CONNECTIONS=${CONNECTIONS:-64}
CASES=${CASES:-file jetstream jetstream-durable}
source "$(dirname "$0")/common.sh"
install_packages nats-server
if [ -f "$root/../shared/bench/gen_body.py" ]; then python3 "$root/../shared/bench/gen_body.py" W1 > "$work/w1.json"; fi
nats_pid=""
cleanup() {
  [ -z "${pid:-}" ] || { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; } || true
  [ -z "$nats_pid" ] || { kill "$nats_pid" 2>/dev/null; wait "$nats_pid" 2>/dev/null; } || true
  rm -rf "$work"
}
trap cleanup EXIT

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
machine_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8}' /proc/stat; }
# Reads the whole exposition (an early exit would SIGPIPE curl and, with pipefail, fail the script).
metric() { curl -s "http://127.0.0.1:$port/metrics" | awk -v name="$1" '$1 == name && !found {print $2; found = 1}'; }
ticks_per_second=$(getconf CLK_TCK)
measured_seconds() { awk -v d="$DURATION" 'BEGIN { if (d ~ /m$/) { sub("m", "", d); d *= 60 } else sub("s", "", d); print d }'; }

port=$(free_port)
nats_port=$(free_port)
nats_monitor=$(free_port)
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); wrk -t1 -c$CONNECTIONS; warm-up $WARMUP, measured $DURATION;" \
  "W1 = 100 items, $(wc -c < "$work/w1.json") bytes; $(nats-server --version)"
echo

# start_nats STORE: a fresh nats-server with JetStream on the probed ports (pid in $nats_pid).
start_nats() {
  [ -z "$nats_pid" ] || { kill "$nats_pid"; wait "$nats_pid" || true; }
  nats-server -js -sd "$1" -a 127.0.0.1 -p "$nats_port" -m "$nats_monitor" > "$1.log" 2>&1 &
  nats_pid=$!
  for _ in $(seq 200); do curl -sf "http://127.0.0.1:$nats_monitor/healthz" >/dev/null && break; sleep 0.05; done
}

# run CASE LABEL SINK SLUICE-ARGS...: warm-up, measured run, then drain; prints one result line.
declare -A items_per_second
run() {
  local case=$1 label=$2 sink=$3
  shift 3
  start_sluice "$port" "$work/sluice-$sink.log" --sink "$sink" --log-level warning "$@"
  w1_load "$WARMUP" >/dev/null
  local accepted_before sluice_before nats_before machine_before published_before allocations_before
  accepted_before=$(metric sluice_items_accepted_total)
  allocations_before=$(metric sluice_heap_allocations_total)
  published_before=$(metric sluice_nats_messages_published_total)
  sluice_before=$(cpu_ticks "$pid")
  nats_before=$([ -n "$nats_pid" ] && cpu_ticks "$nats_pid" || echo 0)
  machine_before=$(machine_ticks)
  local perf_pids=()
  if [ "${PERF:-0}" = 1 ]; then
    perf record -F 499 -g -p "$pid" -o "$work/perf-$case-sluice.data" -- sleep "$(measured_seconds)" >/dev/null 2>&1 & perf_pids+=($!)
    if [ -n "$nats_pid" ]; then
      perf record -F 499 -g -p "$nats_pid" -o "$work/perf-$case-nats.data" -- sleep "$(measured_seconds)" >/dev/null 2>&1 & perf_pids+=($!)
    fi
  fi
  local out
  out=$(w1_load "$DURATION" --latency)
  local sluice_cpu nats_cpu machine_cpu accepted published
  sluice_cpu=$(( $(cpu_ticks "$pid") - sluice_before ))
  nats_cpu=$([ -n "$nats_pid" ] && echo $(( $(cpu_ticks "$nats_pid") - nats_before )) || echo 0)
  machine_cpu=$(( $(machine_ticks) - machine_before ))
  accepted=$(( $(metric sluice_items_accepted_total) - accepted_before ))
  local allocations=$(( $(metric sluice_heap_allocations_total) - allocations_before ))
  local published_after
  published_after=$(metric sluice_nats_messages_published_total)
  published=$(( ${published_after:-0} - ${published_before:-0} ))
  local flush_sum flush_count ack_sum ack_count
  flush_sum=$(metric sluice_sink_flush_duration_seconds_sum); flush_count=$(metric sluice_sink_flush_duration_seconds_count)
  ack_sum=$(metric sluice_nats_publish_ack_seconds_sum); ack_count=$(metric sluice_nats_publish_ack_seconds_count)
  for p in "${perf_pids[@]}"; do wait "$p" || true; done
  local seconds rps non2xx
  seconds=$(measured_seconds)
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  lat() { awk -v p="$1" '$1 == p {print $2}' <<<"$out"; }
  items_per_second[$case]=$(awk -v a="$accepted" -v s="$seconds" 'BEGIN {printf "%.0f", a / s}')
  per_item() { awk -v t="$1" -v hz="$ticks_per_second" -v a="$accepted" 'BEGIN { if (a > 0) printf "%.2f", t / hz / a * 1e6; else print "-" }'; }
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$label" "$rps" "${items_per_second[$case]}" "$(lat 50%)" "$(lat 99%)" \
    "${non2xx:-0}" "$(per_item "$sluice_cpu")" "$(per_item "$nats_cpu")" "$(per_item $((machine_cpu - sluice_cpu - nats_cpu)))" \
    "$(awk -v t="$machine_cpu" -v hz="$ticks_per_second" -v s="$seconds" 'BEGIN {printf "%.2f", t / hz / s}')" \
    "$(awk -v n="$allocations" -v a="$accepted" 'BEGIN { if (a > 0) printf "%.2f", n / a; else print "-" }')"
  if [ "$sink" = jetstream ]; then
    details+="$case: $published messages published for $accepted items accepted in the measured run;"
    details+=" mean flush $(awk -v s="$flush_sum" -v c="$flush_count" 'BEGIN { if (c > 0) printf "%.1f ms", s / c * 1000; else print "-" }')"
    details+=" ($flush_count flushes since start), mean PubAck wait $(awk -v s="$ack_sum" -v c="$ack_count" 'BEGIN { if (c > 0) printf "%.1f ms", s / c * 1000; else print "-" }')"
  fi
  local total_accepted
  total_accepted=$(metric sluice_items_accepted_total)
  kill -TERM "$pid"; wait "$pid" || true; pid=""
  if [ "$sink" = jetstream ]; then
    local stored
    stored=$(curl -s "http://127.0.0.1:$nats_monitor/jsz?streams=1" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(sum(s["state"]["messages"] for a in d.get("account_details", []) for s in a.get("stream_detail", []) if s["name"] == "SLUICE"))')
    details+="; after the drain the stream holds $stored messages for $total_accepted items accepted since start"
    [ "$stored" = "$total_accepted" ] && details+=" (equal)"$'\n' || details+=" (MISMATCH)"$'\n'
  fi
}

echo "| sink | req/s | accepted items/s | p50 | p99 | 503s | sluice CPU µs/item | nats-server CPU µs/item | rest of machine µs/item | cores busy | heap allocs/item (sluice, libnats included) |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
details=""
for case in $CASES; do
  case $case in
    file)
      run file "file (--fsync rotation)" file --data-dir "$work/data"
      rm -rf "$work/data" ;;
    jetstream | jetstream-durable)
      ack=buffered
      [ "$case" = jetstream-durable ] && ack=durable
      start_nats "$work/nats-store-$case"
      # shellcheck disable=SC2086 # NATS_ARGS is a list of flags
      run "$case" "jetstream, --ack $ack (1 nats-server, R1)${NATS_ARGS:+ $NATS_ARGS}" jetstream --ack "$ack" \
        --nats-url "nats://127.0.0.1:$nats_port" ${NATS_ARGS:-} ;;
    *) echo "unknown case $case (file, jetstream, jetstream-durable)" >&2; exit 2 ;;
  esac
done
[ -z "$details" ] || { echo; printf '%s' "$details"; }
if [[ " $CASES " == *" jetstream"* ]] && [ "${CEILING_MESSAGES:-1000000}" != 0 ]; then
  cc -O2 -o "$work/nats-ceiling" "$here/nats-ceiling.c" -lnats
  # A fresh server and store, as each sink case had: no ids of the runs above in its memory.
  start_nats "$work/nats-store-ceiling"
  nats_before=$(cpu_ticks "$nats_pid")
  ceiling=$("$work/nats-ceiling" "nats://127.0.0.1:$nats_port" "${CEILING_MESSAGES:-1000000}" 8192)
  echo "ceiling, nats-ceiling.c (the C client alone, a fresh nats-server): $ceiling;" \
    "nats-server CPU $(awk -v t=$(( $(cpu_ticks "$nats_pid") - nats_before )) -v hz="$ticks_per_second" -v n="${CEILING_MESSAGES:-1000000}" 'BEGIN {printf "%.2f", t / hz / n * 1e6}') us/message"
fi
for case in jetstream jetstream-durable; do
  [ -n "${items_per_second[$case]:-}" ] && [ -n "${items_per_second[file]:-}" ] || continue
  echo "ratio $case / file (accepted items/s): $(awk -v j="${items_per_second[$case]}" -v f="${items_per_second[file]}" 'BEGIN { if (f > 0) printf "%.3f", j / f; else print "-" }')"
done
if [ "${PERF:-0}" = 1 ]; then
  for data in "$work"/perf-*.data; do
    echo
    echo "perf: ${data##*/perf-} (top 25 symbols, self)"
    perf report -i "$data" --no-children --sort dso,symbol --stdio 2>/dev/null | grep -E '^ +[0-9.]+%' | head -25 | swift demangle --simplified
  done
fi
