# Shared setup for the batch-e2e scripts (sourced, not run): wrk installed, the release
# `sluice` built, a temp work dir with the W1 body, a free port, and a server starter.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
source "$root/scripts/packages.sh"
install_packages wrk libnats-dev
(cd "$root" && swift build -c release --product sluice >/dev/null)
work=$(mktemp -d)
# W1: 100 items of {"value":42,"name":"test","active":true}, ids item-N.
python3 - "$work/w1.json" <<'PY'
import json, sys
items = [{"id": "item-%d" % i, "data": {"value": 42, "name": "test", "active": True}} for i in range(100)]
open(sys.argv[1], "w").write(json.dumps(items, separators=(",", ":")))
PY
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

# start_sluice PORT LOG ARGS...: starts the release server in the background (pid in $pid)
# and waits until /healthz answers.
start_sluice() {
  local port=$1 log=$2
  shift 2
  "$root/.build/release/sluice" --port "$port" "$@" > "$log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && return 0; sleep 0.05; done
  echo "sluice did not start; log:" >&2; cat "$log" >&2; return 1
}

# w1_load DURATION [wrk options...]: wrk -t1 with W1 bodies against /batch on $port.
w1_load() {
  local duration=$1
  shift
  BODY_FILE="$work/w1.json" wrk -t1 -c"$CONNECTIONS" -d"$duration" "$@" -s "$here/post-batch.lua" "http://127.0.0.1:$port/batch"
}
