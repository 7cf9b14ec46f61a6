#!/usr/bin/env bash
# Builds (release) and runs the service on its defaults: 127.0.0.1:8080, file sink in ./data.
# Extra arguments go to sluice, e.g. scripts/run.sh --port 9000 --sink discard
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if ! dpkg-query -W -f='${Status}' zlib1g-dev 2>/dev/null | grep -q "install ok installed"; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends zlib1g-dev >/dev/null
fi
swift build -c release --product sluice
exec "$root/.build/release/sluice" "$@"
