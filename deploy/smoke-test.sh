#!/usr/bin/env bash
# Smoke test of the container's command line on the host: runs sluice with exactly the
# ENTRYPOINT, CMD and ENV of the Dockerfile's runtime stage (read from the Dockerfile, not
# copied), except three things a host run must change: the address (127.0.0.1 instead of
# 0.0.0.0), the port (a free one instead of 8080) and the data directory (a temporary one
# instead of the /var/lib/sluice volume). No other environment reaches the process (env -i).
#
# Then: the Dockerfile's own HEALTHCHECK command passes (and fails against a closed port),
# /healthz and /readyz answer 200, POST /batch with 2 items answers {"accepted":2,...},
# /metrics says sluice_items_accepted_total 2 and passes promtool's linter, every metric the
# alerts and the dashboard use is exported, a Prometheus server (Debian's 2.42) scrapes the
# process through both jobs of deploy/prometheus/prometheus.yml and evaluates every alert rule
# without error, SIGTERM ends the process with status 0 within --shutdown-timeout, and both
# items are in a finished segment in the data directory. When strace and systemd-analyze exist,
# a second run records the system calls sluice makes and checks that the systemd unit's
# SystemCallFilter allows all of them.
#
# The binary: $SLUICE_BIN when set; else .build/release/sluice when it is newer than every
# source file; else (or with --build) `swift build -c release --product sluice`. With --static
# it is built like the image (--static-swift-stdlib) in .build-static/ instead.
#
# Usage: deploy/smoke-test.sh [--build] [--static]
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=0
static=0
for argument in "$@"; do
  case "$argument" in
    --build) build=1 ;;
    --static) build=1; static=1 ;;
    *) echo "usage: $0 [--build] [--static]" >&2; exit 2 ;;
  esac
done

passed=0
failed=0
pass() { printf 'PASS  %s\n' "$1"; passed=$((passed + 1)); }
fail() { printf 'FAIL  %s\n' "$1"; failed=$((failed + 1)); [ -z "${2:-}" ] || printf '%s\n' "$2" | sed 's/^/      | /' | head -40; }
note() { printf 'NOTE  %s\n' "$1"; }

work=$(mktemp -d)
sluice_pid=""
prometheus_pid=""
cleanup() {
  # Only the processes this script started, by their pid.
  [ -z "$prometheus_pid" ] || kill "$prometheus_pid" 2>/dev/null
  [ -z "$sluice_pid" ] || kill -KILL "$sluice_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

for tool in curl python3; do
  if ! command -v "$tool" >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "$tool" >/dev/null
  fi
done

# ----------------------------------------------------------------------------------------------
# The binary
cd "$root" || exit 2
if [ -n "${SLUICE_BIN:-}" ]; then
  binary=$SLUICE_BIN
  how="SLUICE_BIN"
else
  binary="$root/.build/release/sluice"
  if [ "$build" -eq 0 ] && [ -x "$binary" ] && [ -z "$(find Sources Package.swift -newer "$binary" -type f -print -quit)" ]; then
    how="existing build, newer than every source file"
  elif [ "$static" -eq 1 ]; then
    echo "building like the Dockerfile: swift build -c release --product sluice --static-swift-stdlib --scratch-path .build-static"
    swift build -c release --product sluice --static-swift-stdlib --scratch-path "$root/.build-static" || exit 2
    binary="$root/.build-static/release/sluice"
    how="built with --static-swift-stdlib, as in the image"
  else
    echo "building: swift build -c release --product sluice"
    swift build -c release --product sluice || exit 2
    how="built now (swift build -c release --product sluice)"
  fi
fi
[ -x "$binary" ] || { echo "no executable at $binary" >&2; exit 2; }
echo "binary: $binary ($how)"

# ----------------------------------------------------------------------------------------------
# The container's command line and environment, from the Dockerfile's last stage.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
data="$work/data"
mkdir -p "$data" "$work/cwd"
python3 - "$root/Dockerfile" "$binary" "$port" "$data" "$work" <<'PY' || exit 2
import json, shlex, sys
dockerfile, binary, port, data, work = sys.argv[1:]
instructions, buf = [], ""
for raw in open(dockerfile):
    line = raw.rstrip("\n")
    if line.strip().startswith("#") or (not buf and not line.strip()):
        continue
    if line.endswith("\\"):
        buf += line[:-1] + " "
        continue
    word, _, rest = (buf + line).strip().partition(" ")
    instructions.append((word.upper(), rest.strip()))
    buf = ""
last_from = max(i for i, (w, _) in enumerate(instructions) if w == "FROM")
stage = instructions[last_from:]
env, entrypoint, cmd, healthcheck = {}, [], [], None
for word, rest in stage:
    if word == "ENV":
        for token in shlex.split(rest):
            key, _, value = token.partition("=")
            env[key] = value
    elif word == "ENTRYPOINT":
        entrypoint = json.loads(rest)   # exec form; the validator rejects any other
    elif word == "CMD":
        cmd = json.loads(rest)
    elif word == "HEALTHCHECK":
        healthcheck = json.loads(rest.split(" CMD ", 1)[1])
container_argv = entrypoint + cmd
print("container:", " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items()), shlex.join(container_argv))
# The three host substitutions, in the environment and on the command line alike.
host_values = {"host": "127.0.0.1", "port": port, "data-dir": data}
for option, value in host_values.items():
    name = "SLUICE_" + option.upper().replace("-", "_")
    if name in env:
        env[name] = value
argv = [binary] + container_argv[1:]
for i, arg in enumerate(argv):
    for option, value in host_values.items():
        if arg == f"--{option}" and i + 1 < len(argv):
            argv[i + 1] = value
        elif arg.startswith(f"--{option}="):
            argv[i] = f"--{option}={value}"
# Without a --port or SLUICE_PORT the container would listen on 8080; here the free port.
if not any(a == "--port" or a.startswith("--port=") for a in argv) and "SLUICE_PORT" not in env:
    env["SLUICE_PORT"] = port
if not any(a == "--host" or a.startswith("--host=") for a in argv) and "SLUICE_HOST" not in env:
    env["SLUICE_HOST"] = "127.0.0.1"
if not any(a == "--data-dir" or a.startswith("--data-dir=") for a in argv) and "SLUICE_DATA_DIR" not in env:
    env["SLUICE_DATA_DIR"] = data
print("host:     ", " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items()), shlex.join(argv))
with open(f"{work}/env", "w") as f:
    f.write("\0".join(f"{k}={v}" for k, v in env.items()))
with open(f"{work}/argv", "w") as f:
    f.write("\0".join(argv))
with open(f"{work}/healthcheck", "w") as f:
    f.write("\0".join(healthcheck or []))
with open(f"{work}/shutdown_timeout", "w") as f:
    f.write(env.get("SLUICE_SHUTDOWN_TIMEOUT", "25s"))
PY
mapfile -d '' container_env <"$work/env"
mapfile -d '' argv <"$work/argv"
mapfile -d '' healthcheck <"$work/healthcheck"
base="http://127.0.0.1:$port"

# start_sluice [wrapper...]: the process in the background, cwd an empty temporary directory,
# with nothing of this shell's environment but PATH.
start_sluice() {
  (cd "$work/cwd" && exec env -i PATH=/usr/local/bin:/usr/bin:/bin "${container_env[@]}" "$@" "${argv[@]}") >"$work/sluice.log" 2>&1 &
  sluice_pid=$!
  local _
  for _ in $(seq 1 100); do
    curl -fsS -o /dev/null "$base/healthz" 2>/dev/null && return 0
    kill -0 "$sluice_pid" 2>/dev/null || break
    sleep 0.1
  done
  return 1
}

if start_sluice; then
  pass "sluice started with the container's command line and environment (port $port)"
else
  fail "sluice did not come up" "$(cat "$work/sluice.log")"
  echo "$passed passed, $failed failed"
  exit 1
fi

# The image's HEALTHCHECK, run as Docker runs it: exec form, the container's environment.
if [ "${#healthcheck[@]}" -gt 0 ]; then
  if env -i PATH=/usr/bin:/bin "${container_env[@]}" "${healthcheck[@]}" >"$work/hc.log" 2>&1; then
    pass "the Dockerfile's HEALTHCHECK command succeeds against the running process"
  else
    fail "the Dockerfile's HEALTHCHECK command failed" "$(cat "$work/hc.log")"
  fi
  closed=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  if env -i PATH=/usr/bin:/bin "${container_env[@]}" SLUICE_PORT="$closed" "${healthcheck[@]}" >/dev/null 2>&1; then
    fail "the HEALTHCHECK command succeeded against a closed port (it cannot detect a dead process)"
  else
    pass "the HEALTHCHECK command fails against a closed port (negative control)"
  fi
else
  fail "the Dockerfile has no HEALTHCHECK"
fi

status=$(curl -sS -o "$work/healthz" -w '%{http_code}' "$base/healthz")
if [ "$status" = 200 ]; then pass "GET /healthz -> 200 $(cat "$work/healthz")"; else fail "GET /healthz -> $status"; fi
status=$(curl -sS -o "$work/readyz" -w '%{http_code}' "$base/readyz")
if [ "$status" = 200 ]; then pass "GET /readyz -> 200 $(cat "$work/readyz")"; else fail "GET /readyz -> $status"; fi

status=$(curl -sS -o "$work/batch" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
  --data-binary '[{"id":"smoke-1","data":{"n":1}},{"id":"smoke-2","data":"{\"n\":2}","metadata":["m"]}]' "$base/batch")
if [ "$status" = 200 ] && python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); sys.exit(0 if (r["accepted"], r["rejected"], r["errors"]) == (2, 0, []) else 1)' "$work/batch"; then
  pass "POST /batch with 2 items -> 200 $(cat "$work/batch")"
else
  fail "POST /batch with 2 items -> $status $(cat "$work/batch")"
fi

curl -sS -o "$work/metrics" "$base/metrics"
if grep -qx 'sluice_items_accepted_total 2' "$work/metrics"; then
  pass "GET /metrics: sluice_items_accepted_total 2"
else
  fail "GET /metrics lacks 'sluice_items_accepted_total 2'" "$(grep sluice_items_accepted_total "$work/metrics")"
fi
note "$(grep -E '^(sluice_memory_limit_bytes|sluice_heap_allocation_counting|process_resident_memory_bytes) ' "$work/metrics" | tr '\n' ' ')"

# promtool: the one validate.sh uses, else unpacked from Debian's prometheus package (it also
# holds the Prometheus server used below).
tools="${SLUICE_DEPLOY_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/sluice-deploy-tools}"
promdir=""
for candidate in "$tools/prometheus" "$root/.build-tools"; do
  if [ -x "$candidate/usr/bin/promtool" ] && [ -x "$candidate/usr/bin/prometheus" ]; then promdir=$candidate; break; fi
done
if [ -z "$promdir" ]; then
  promdir="$tools/prometheus"
  mkdir -p "$promdir"
  (cd "$promdir" && { apt-get download -qq prometheus 2>/dev/null || { apt-get update -qq && apt-get download -qq prometheus; }; } \
    && dpkg -x prometheus_*.deb . && rm -f prometheus_*.deb) >/dev/null 2>&1
fi
if [ -x "$promdir/usr/bin/promtool" ]; then
  if "$promdir/usr/bin/promtool" check metrics <"$work/metrics" >"$work/lint" 2>&1; then
    pass "promtool check metrics: the exposition has no lint finding"
  else
    fail "promtool check metrics" "$(cat "$work/lint")"
  fi
else
  fail "promtool unavailable (apt-get download prometheus failed)"
fi

# Every metric the alerts and the dashboard query must be one sluice exports.
if python3 - "$work/metrics" "$root/deploy/prometheus/alerts.yml" "$root/deploy/grafana/sluice-dashboard.json" >"$work/names" 2>&1 <<'PY'
import json, re, sys
exported = {line.split()[2] for line in open(sys.argv[1]) if line.startswith("# TYPE ")}
def family(name):
    for suffix in ("_bucket", "_sum", "_count"):
        if name.endswith(suffix) and name[: -len(suffix)] in exported:
            return name[: -len(suffix)]
    return name
text = open(sys.argv[2]).read() + "\n".join(t["expr"] for p in json.load(open(sys.argv[3]))["panels"] for t in p.get("targets", []))
used = set(re.findall(r"\b((?:sluice|process)_[a-z_]+)", text))
# Exported only with --auth-file, which the image's defaults do not set (the access-control
# tests in Tests/SluiceServiceTests check them on a process that has one).
with_auth_file = {"sluice_auth_failures_total", "sluice_tenant_items_accepted_total", "sluice_tenant_throttled_total"}
# Exported only with --sink jetstream (Tests/SluiceJetStreamTests checks these names against a
# process publishing to a real nats-server).
with_jetstream = {n for n in used if n.startswith("sluice_nats_")}
missing = sorted(n for n in used if family(n) not in exported and n not in with_auth_file | with_jetstream)
print(f"{len(used)} metric names used, {len(exported)} families exported, {len(used & with_auth_file)} only with --auth-file,"
      f" {len(with_jetstream)} only with --sink jetstream")
if missing:
    print("missing:", " ".join(missing)); sys.exit(1)
PY
then
  pass "every metric used by alerts.yml and the dashboard is exported ($(cat "$work/names"))"
else
  fail "alerts or dashboard use metrics sluice does not export" "$(cat "$work/names")"
fi

# A real Prometheus scraping this process through both jobs of prometheus.yml and evaluating
# alerts.yml. The kubernetes_sd block (Debian's build lacks Kubernetes discovery) becomes a
# static target with the __meta labels a pod on this address would have, so the job's relabel
# rules run for real. Intervals are shortened to 1 s; nothing else of the config changes.
if [ -x "$promdir/usr/bin/prometheus" ]; then
  promport=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  python3 - "$root/deploy/prometheus/prometheus.yml" "$work/prometheus.yml" "$port" <<'PY'
import os, sys, yaml
source, copy, port = sys.argv[1:]
config = yaml.safe_load(open(source))
config["global"].update(scrape_interval="1s", evaluation_interval="1s", scrape_timeout="1s")
config["rule_files"] = [os.path.join(os.path.dirname(source), f) for f in config["rule_files"]]
for job in config["scrape_configs"]:
    if job.pop("kubernetes_sd_configs", None) is not None:
        job["static_configs"] = [{"targets": [f"127.0.0.1:{port}"], "labels": {
            "__meta_kubernetes_pod_ip": "127.0.0.1", "__meta_kubernetes_namespace": "smoke",
            "__meta_kubernetes_pod_name": "sluice-0", "__meta_kubernetes_pod_label_app_kubernetes_io_name": "sluice",
            "__meta_kubernetes_pod_annotation_prometheus_io_scrape": "true",
            "__meta_kubernetes_pod_annotation_prometheus_io_port": port,
            "__meta_kubernetes_pod_annotation_prometheus_io_path": "/metrics"}}]
    else:
        for static in job.get("static_configs", []):
            static["targets"] = [f"127.0.0.1:{port}"]
yaml.safe_dump(config, open(copy, "w"), sort_keys=False)
PY
  "$promdir/usr/bin/prometheus" --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
    --web.listen-address="127.0.0.1:$promport" >"$work/prometheus.log" 2>&1 &
  prometheus_pid=$!
  sleep 6
  if python3 - "http://127.0.0.1:$promport" >"$work/prom-result" 2>&1 <<'PY'
import json, sys, time, urllib.parse, urllib.request
base = sys.argv[1]
def get(path):
    return json.load(urllib.request.urlopen(base + path, timeout=5))["data"]
problems = []
for attempt in range(20):
    targets = get("/api/v1/targets")["activeTargets"]
    if len(targets) == 2 and all(t["health"] == "up" for t in targets):
        break
    time.sleep(0.5)
jobs = {t["labels"]["job"]: t for t in targets}
for t in targets:
    if t["health"] != "up":
        problems.append(f"target {t['scrapeUrl']} of job {t['labels']['job']} is {t['health']}: {t['lastError']}")
k8s = jobs.get("sluice-kubernetes-pods")
if not k8s or k8s["labels"].get("pod") != "sluice-0" or k8s["labels"].get("namespace") != "smoke":
    problems.append(f"kubernetes job relabeling gave {k8s and k8s['labels']}")
time.sleep(2)
result = get("/api/v1/query?query=" + urllib.parse.quote("sluice_items_accepted_total"))["result"]
values = {r["metric"]["job"]: r["value"][1] for r in result}
if values != {"sluice": "2", "sluice-kubernetes-pods": "2"}:
    problems.append(f"sluice_items_accepted_total per job: {values}")
rules = [r for g in get("/api/v1/rules")["groups"] for r in g["rules"]]
for r in rules:
    if r["health"] != "ok":
        problems.append(f"rule {r['name']} health {r['health']}: {r.get('lastError')}")
firing = [a["labels"]["alertname"] for r in rules for a in r.get("alerts", [])]
print(f"2 jobs up, {len(rules)} rules evaluated, pending/firing: {firing or 'none'}")
for p in problems: print(p)
sys.exit(1 if problems or len(rules) == 0 else 0)
PY
  then
    pass "Prometheus 2.42 scrapes the process via both jobs of prometheus.yml and evaluates alerts.yml ($(head -1 "$work/prom-result"))"
  else
    fail "Prometheus scrape/evaluation" "$(cat "$work/prom-result"; tail -5 "$work/prometheus.log")"
  fi
  kill "$prometheus_pid" 2>/dev/null
  wait "$prometheus_pid" 2>/dev/null
  prometheus_pid=""
else
  fail "prometheus server unavailable (apt-get download prometheus failed)"
fi

# SIGTERM: drain, flush, exit 0 within the shutdown timeout.
shutdown_timeout=$(cat "$work/shutdown_timeout")
limit=$(python3 -c 'import re, sys; m = re.fullmatch(r"(\d+)(ms|s|m|h)?", sys.argv[1]); print(int(m.group(1)) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600, None: 1}[m.group(2)] + 5)' "$shutdown_timeout")
kill -TERM "$sluice_pid"
started=$(date +%s.%N)
code=""
while [ -z "$code" ]; do
  if ! kill -0 "$sluice_pid" 2>/dev/null; then wait "$sluice_pid"; code=$?; break; fi
  if python3 -c "import sys; sys.exit(0 if $(date +%s.%N) - $started > $limit else 1)"; then break; fi
  sleep 0.1
done
elapsed=$(python3 -c "print(f'{$(date +%s.%N) - $started:.2f}')")
if [ "$code" = 0 ]; then
  pass "SIGTERM -> exit status 0 after ${elapsed}s (shutdown timeout $shutdown_timeout)"
  sluice_pid=""
elif [ -z "$code" ]; then
  fail "still running ${elapsed}s after SIGTERM" "$(tail -5 "$work/sluice.log")"
else
  fail "SIGTERM -> exit status $code" "$(tail -5 "$work/sluice.log")"
  sluice_pid=""
fi

if python3 - "$data" >"$work/segments" 2>&1 <<'PY'
import glob, json, os, sys
data = sys.argv[1]
names = sorted(os.listdir(data))
open_segments = [n for n in names if n.endswith(".open")]
records = []
for name in names:
    if name.endswith(".ndjson"):
        records += [json.loads(line) for line in open(os.path.join(data, name)) if line.strip()]
ids = sorted(r["id"] for r in records)
print(f"{', '.join(names)}: {len(records)} records {ids}")
ok = (not open_segments and ids == ["smoke-1", "smoke-2"]
      and all(isinstance(r["data"], dict) and r.get("received_at") for r in records))
sys.exit(0 if ok else 1)
PY
then
  pass "data directory after exit: $(cat "$work/segments")"
else
  fail "data directory after exit does not hold exactly the 2 items in finished segments" "$(cat "$work/segments")"
fi

# The systemd unit's SystemCallFilter against the calls sluice really makes (same workload,
# plus a gzip body, /debug/memory and the shutdown, under strace). syscall_check UNIT: every
# traced call must be allowed by the unit's SystemCallFilter lines (groups expanded by
# systemd-analyze itself).
syscall_check() {
  python3 - "$work/strace" "$1" <<'PY'
import re, subprocess, sys
trace, unit = sys.argv[1:]
used = set()
for line in open(trace):
    m = re.match(r"\d+\s+(?:<\.\.\. )?([a-z0-9_]+)[( ]", line)
    if m and not line.split(None, 1)[1].startswith(("+++", "---")):
        used.add(m.group(1))
def group(name):
    out = subprocess.run(["systemd-analyze", "syscall-filter", name], capture_output=True, text=True, check=True).stdout
    names = set()
    # The first line is the group's own name, "#" lines are descriptions, then one member a line.
    for line in out.splitlines()[1:]:
        member = line.strip()
        if not member or member.startswith("#"):
            continue
        names |= group(member) if member.startswith("@") else {member}
    return names
allowed, denied = set(), set()
for line in open(unit):
    if line.startswith("SystemCallFilter="):
        spec = line.split("=", 1)[1].strip()
        target = denied if spec.startswith("~") else allowed
        for item in spec.lstrip("~").split():
            target |= group(item) if item.startswith("@") else {item}
blocked = sorted(s for s in used if s not in allowed or s in denied)
print(f"{len(used)} distinct system calls; blocked by the unit: {blocked or 'none'}")
sys.exit(1 if blocked else 0)
PY
}
if command -v strace >/dev/null && command -v systemd-analyze >/dev/null; then
  rm -rf "$data" && mkdir -p "$data"
  if start_sluice strace -f -qq -o "$work/strace"; then
    status=$(curl -sS -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -H 'Content-Encoding: gzip' \
      --data-binary @<(printf '[{"id":"z","data":{}}]' | gzip) "$base/batch")
    [ "$status" = 200 ] || fail "gzip POST /batch under strace -> $status"
    curl -sS -o /dev/null "$base/metrics"
    curl -sS -o /dev/null "$base/debug/memory"
    sleep 1.5
    # The traced process is strace's child: signal sluice itself, not strace.
    child=$(cat "/proc/$sluice_pid/task/$sluice_pid/children" 2>/dev/null | awk '{print $1}')
    kill -TERM "${child:-$sluice_pid}"
    wait "$sluice_pid"
    sluice_pid=""
    if syscall_check "$root/deploy/systemd/sluice.service" >"$work/syscalls" 2>&1
    then
      pass "systemd SystemCallFilter allows every system call sluice made ($(cat "$work/syscalls"))"
    else
      fail "systemd SystemCallFilter would block system calls sluice makes" "$(cat "$work/syscalls")"
    fi
    sed 's/^SystemCallFilter=~@privileged/SystemCallFilter=~@privileged @network-io/' "$root/deploy/systemd/sluice.service" >"$work/no-network.service"
    if syscall_check "$work/no-network.service" >/dev/null 2>&1; then
      fail "the SystemCallFilter check accepted a unit that denies @network-io"
    else
      pass "the SystemCallFilter check rejects a unit that denies @network-io (negative control)"
    fi
  else
    fail "sluice under strace did not come up" "$(tail -5 "$work/sluice.log")"
  fi
else
  note "strace or systemd-analyze missing: the SystemCallFilter check was skipped"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
