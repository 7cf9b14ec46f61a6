#!/usr/bin/env bash
# Runs the whole test suite on a fresh Debian machine: installs the system packages the build
# needs (when missing), then `swift test` for the service, validates the deployment files and
# smoke-tests the container's command line, and builds and tests the load tester.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

source "$root/scripts/packages.sh"
# libnats-dev: the NATS C client the JetStream sink links; nats-server: the real servers the
# JetStream tests start (on probed loopback ports; they are skipped, saying so, without it);
# openssl: the command that makes the CA and certificates of the JetStream TLS tests.
install_packages zlib1g-dev libcurl4-openssl-dev libnats-dev nats-server openssl

# JSONTestSuite corpus for the strict scanner's conformance test, when it is beside the repo.
if [ -z "${SLUICE_JSON_SUITE:-}" ] && [ -d "$root/../shared/conformance/json" ]; then
  export SLUICE_JSON_SUITE="$root/../shared/conformance/json"
fi

# promtool (Debian's prometheus package, unpacked, not installed as a service) checks the
# /metrics exposition in the tests.
if [ -z "${PROMTOOL:-}" ]; then
  tools="$root/.build-tools"
  if [ ! -x "$tools/usr/bin/promtool" ]; then
    mkdir -p "$tools"
    (cd "$tools" && apt-get download -qq prometheus >/dev/null 2>&1 || { apt-get update -qq && apt-get download -qq prometheus; }) \
      && dpkg -x "$tools"/prometheus_*.deb "$tools" && rm -f "$tools"/prometheus_*.deb || echo "promtool unavailable: its test is skipped"
  fi
  [ -x "$tools/usr/bin/promtool" ] && export PROMTOOL="$tools/usr/bin/promtool"
fi

swift build --build-tests
swift test --skip-build
# Deployment files: every validator (hadolint, kubernetes-validate, systemd-analyze, promtool,
# the dashboard's queries), then the container's exact command line against a real process.
bash deploy/validate.sh
bash deploy/smoke-test.sh

# The load tester: a separate package (the only one linking libcurl) with its own tests: the
# response parser, reports, the CLI, runs against a test server, and runs against the real
# `sluice` built above (SLUICE_BINARY), whose sink must hold every acknowledged item.
if [ -f LoadTest/Package.swift ]; then
  export SLUICE_BINARY="$root/.build/debug/sluice"
  (cd LoadTest && swift build --build-tests && swift test --skip-build)
fi
