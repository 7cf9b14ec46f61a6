#!/usr/bin/env bash
# Runs the test suites under ThreadSanitizer: the service package, then the load tester
# (LoadTest/), each built with `--sanitize=thread` into its own scratch path (.build-tsan), so
# the `sluice` the tests launch is sanitized too. Every sanitized process (the test runners,
# each sluice they start) writes its reports to one folder; the run fails if any process
# wrote one, even when the test that started it passed. Installs the Debian packages it needs.
#
#   scripts/tsan.sh            both packages
#   TSAN_SKIP_LOADTEST=1 ...   the service package only
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

source "$root/scripts/packages.sh"
# libnats-dev: the NATS C client the JetStream sink links; nats-server: the real servers the
# JetStream tests start (on probed loopback ports; they are skipped, saying so, without it);
# openssl: the command that makes the CA and certificates of the JetStream TLS tests.
install_packages zlib1g-dev libcurl4-openssl-dev libnats-dev nats-server openssl

if [ -z "${SLUICE_JSON_SUITE:-}" ] && [ -d "$root/../shared/conformance/json" ]; then
  export SLUICE_JSON_SUITE="$root/../shared/conformance/json"
fi
# promtool, when scripts/test.sh has unpacked it; its test is skipped (and says so) otherwise.
if [ -z "${PROMTOOL:-}" ] && [ -x "$root/.build-tools/usr/bin/promtool" ]; then
  export PROMTOOL="$root/.build-tools/usr/bin/promtool"
fi

scratch=.build-tsan
reports="$root/$scratch/tsan-reports"
rm -rf "$reports"
mkdir -p "$reports"
# log_path: every sanitized process writes <reports>/report.<pid>. A process that had a
# report also exits 66 at the end (TSan's default exitcode), which the tests that check a
# sluice's exit status notice as well. No suppressions file: no report so far came from
# runtime code. What makes TSan usable here: CTSanMutexAnnotations (Synchronization.Mutex's
# contended path is invisible to TSan otherwise), CAllocCounter compiled out (TSan owns
# malloc), and tests that skip or adjust what TSan changes (BuildFlavor.isThreadSanitized).
export TSAN_OPTIONS="log_path=$reports/report history_size=4"

status=0
run() {  # run <label> <command...>: runs the command, remembers a failure, goes on
  echo "== tsan: $1"
  shift
  "$@" || { echo "== tsan: failed (exit $?): $*"; status=1; }
}

swift build --build-tests --sanitize=thread --scratch-path "$scratch"
run "service tests" swift test --skip-build --sanitize=thread --scratch-path "$scratch"

if [ -f LoadTest/Package.swift ] && [ -z "${TSAN_SKIP_LOADTEST:-}" ]; then
  export SLUICE_BINARY="$root/$scratch/debug/sluice"
  (cd LoadTest && swift build --build-tests --sanitize=thread --scratch-path "$scratch")
  run "load tester tests" bash -c "cd LoadTest && swift test --skip-build --sanitize=thread --scratch-path '$scratch'"
fi

# Any report, from any process, fails the run: print them all, then a one-line summary each.
found=$(grep -l "ThreadSanitizer" "$reports"/report.* 2>/dev/null || true)
if [ -n "$found" ]; then
  for file in $found; do
    echo "== ThreadSanitizer report from pid ${file##*.}:"
    cat "$file"
  done
  echo "== ThreadSanitizer summaries:"
  grep -h "^SUMMARY: ThreadSanitizer" $found | sort | uniq -c | sort -rn
  echo "== tsan: $(echo "$found" | wc -w) process(es) reported races"
  status=1
fi
[ "$status" -eq 0 ] && echo "== tsan: no ThreadSanitizer reports"
exit "$status"
