#!/usr/bin/env bash
# Builds (release) and runs the service on its defaults: 127.0.0.1:8080, file sink in ./data.
# Extra arguments go to sluice, e.g. scripts/run.sh --port 9000 --sink discard
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source "$root/scripts/packages.sh"
install_packages zlib1g-dev libnats-dev
swift build -c release --product sluice
exec "$root/.build/release/sluice" "$@"
