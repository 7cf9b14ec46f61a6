#!/usr/bin/env bash
# Builds the libFuzzer targets in Fuzz/ (swiftc -sanitize=fuzzer,address) and runs each for a
# bounded time on a temporary copy of its seed corpus (Fuzz/corpus/<target>/ never grows).
# Exits non-zero when a target crashes or breaks an invariant, printing the saved input's path,
# its bytes in base64 and the command that reproduces it.
#
#   scripts/fuzz.sh                     build, then run every target FUZZ_SECONDS (default 30) each
#   scripts/fuzz.sh build               build every target
#   scripts/fuzz.sh run TARGET...       build, then run the named targets
#   scripts/fuzz.sh repro TARGET FILE   build TARGET, then run it on FILE once (no fuzzing)
#   scripts/fuzz.sh list                print the targets
#
# FUZZ_SECONDS: seconds per target; FUZZ_ARGS: extra libFuzzer flags (e.g. "-seed=1").
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out="$root/.build-fuzz"
seconds=${FUZZ_SECONDS:-30}
# Swift's own crash backtracer reads the crashed process's memory under ASan, trips it, and can
# leave the run hanging; libFuzzer and ASan print the stack and save the input themselves.
export SWIFT_BACKTRACE=enable=no

targets=(head-parser chunked-decoder json-scanner batch-parser gzip-inflater access)
declare -A harness=(
  [head-parser]=HeadParserFuzz [chunked-decoder]=ChunkedDecoderFuzz [json-scanner]=JSONScannerFuzz
  [batch-parser]=BatchParserFuzz [gzip-inflater]=GzipInflaterFuzz [access]=AccessFuzz
)
declare -A module=(
  [head-parser]=SluiceHTTP [chunked-decoder]=SluiceHTTP [json-scanner]=SluiceCore
  [batch-parser]=SluiceCore [gzip-inflater]=SluiceCore [access]=SluiceAccess
)

# -O keeps Swift's overflow and bounds traps (only -Ounchecked drops them); -g names the frames.
flags=(-O -g -sanitize=fuzzer,address -parse-as-library -package-name sluice -I "$root/Sources/CZlib")

source "$root/scripts/packages.sh"

# The sources of each instrumented library module. SluiceHTTP is only its parsers (and the
# two types they use), so the targets need neither swift-log nor the server.
module_sources() {
  case "$1" in
    SluiceHTTP) ls Sources/SluiceHTTP/Parsing/*.swift Sources/SluiceHTTP/Connection/ByteBuffer.swift \
                   Sources/SluiceHTTP/Routing/HTTPStatus.swift ;;
    SluiceCore) find Sources/SluiceCore -name '*.swift' | sort ;;
    SluiceAccess) find Sources/SluiceAccess -name '*.swift' | sort ;;
    SluiceSupport) find Sources/SluiceSupport -name '*.swift' | sort ;;
  esac
}

# Whether $1 is missing or older than any of the files named after it.
is_stale() {
  local product=$1 source
  shift
  [ -e "$product" ] || return 0
  for source in "$@"; do [ "$source" -nt "$product" ] && return 0; done
  return 1
}

# Every instrumented module may import SluiceSupport (the libraries' shared helpers), so it
# is built first and each module and target sees and links it.
build_module() {
  local name=$1 dir="$out/modules" sources
  mkdir -p "$dir"
  [ "$name" = SluiceSupport ] || build_module SluiceSupport
  mapfile -t sources < <(module_sources "$name")
  if is_stale "$dir/lib$name.a" "${sources[@]}"; then
    echo "fuzz: building $name (instrumented)"
    # -enable-testing: the JSON target compares the scanner with the internal skipper.
    swiftc "${flags[@]}" -enable-testing -I "$dir" -module-name "$name" -emit-module -emit-module-path "$dir/$name.swiftmodule" \
      -emit-library -static -o "$dir/lib$name.a" "${sources[@]}"
  fi
}

build_target() {
  [ -n "${harness[$1]:-}" ] || { echo "fuzz: unknown target '$1' (targets: ${targets[*]})" >&2; exit 2; }
  local target=$1 name=${module[$1]}
  build_module "$name"
  local sources=("Fuzz/${harness[$target]}.swift" Fuzz/Support/*.swift)
  if is_stale "$out/bin/$target" "${sources[@]}" "$out/modules/lib$name.a" "$out/modules/libSluiceSupport.a"; then
    echo "fuzz: building $target"
    mkdir -p "$out/bin"
    # gold warns once per ASan helper that it cannot export it, which is harmless: drop those lines.
    { swiftc "${flags[@]}" -module-name "${harness[$target]}" -I "$out/modules" "${sources[@]}" \
        -L "$out/modules" -l"$name" -lSluiceSupport -lz -o "$out/bin/$target" 2>&1; } \
      | { grep -v "warning: Cannot export local symbol '__asan" || true; }
  fi
}

# Runs one target on a copy of its seed corpus; returns non-zero on a crash.
run_target() {
  local target=$1 work="$out/runs/$1"
  rm -rf "$work"
  mkdir -p "$work/corpus" "$work/artifacts"
  cp Fuzz/corpus/"$target"/* "$work/corpus/"
  echo "fuzz: running $target for ${seconds}s on $(ls "$work/corpus" | wc -l) seeds"
  local status=0
  # shellcheck disable=SC2086
  "$out/bin/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
    -print_final_stats=1 -artifact_prefix="$work/artifacts/" ${FUZZ_ARGS:-} "$work/corpus" \
    >"$work/log" 2>&1 || status=$?
  grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb)' "$work/log" | sed "s/^/fuzz: $target /" || true
  if [ "$status" -ne 0 ] || [ -n "$(ls -A "$work/artifacts")" ]; then
    echo "fuzz: $target FAILED (exit $status); the end of its log ($work/log):"
    grep -v '^#' "$work/log" | tail -n 60
    for input in "$work/artifacts"/*; do
      [ -e "$input" ] || continue
      echo "fuzz: crashing input: $input"
      echo "fuzz: its bytes (base64): $(base64 -w0 "$input" | head -c 12000)"
      echo "fuzz: reproduce with: scripts/fuzz.sh repro $target $input"
    done
    return 1
  fi
  return 0
}

command=${1:-all}
case "$command" in
  list)
    printf '%s\n' "${targets[@]}"
    ;;
  build)
    install_packages zlib1g-dev
    for target in "${targets[@]}"; do build_target "$target"; done
    ;;
  repro)
    [ $# -eq 3 ] || { echo "usage: scripts/fuzz.sh repro TARGET FILE" >&2; exit 2; }
    install_packages zlib1g-dev
    build_target "$2"
    exec "$out/bin/$2" "$3"
    ;;
  all | run)
    install_packages zlib1g-dev
    if [ "$command" = run ]; then shift; selected=("$@"); else selected=("${targets[@]}"); fi
    [ ${#selected[@]} -gt 0 ] || { echo "usage: scripts/fuzz.sh run TARGET..." >&2; exit 2; }
    for target in "${selected[@]}"; do build_target "$target"; done
    passed=0 failed=0
    for target in "${selected[@]}"; do
      if run_target "$target"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
    done
    echo "fuzz: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    ;;
  *)
    sed -n '2,13p' "$0" >&2
    exit 2
    ;;
esac
