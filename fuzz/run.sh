#!/usr/bin/env bash
# Builds the fuzz targets with libFuzzer instrumentation on the stable toolchain (the flags
# cargo-fuzz would pass, without its sanitizer) and runs each for a short time. Seeds: the
# payloads in tests/fixtures/ for the webhook parsers (Cloud API and Evolution). A crash fails the script and leaves the input in
# fuzz/artifacts/<target>/; turn it into a regression test. Usage: fuzz/run.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-20}"
target=x86_64-unknown-linux-gnu
export RUSTFLAGS="--cfg fuzzing -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares"
cargo build --release --target "$target" --bins
for t in webhook_parse evolution_parse json_bodies; do
  mkdir -p "corpus/$t" "artifacts/$t"
  seeds=()
  if [ "$t" = webhook_parse ]; then seeds=(../tests/fixtures/whatsapp); fi
  if [ "$t" = evolution_parse ]; then seeds=(../tests/fixtures/evolution); fi
  echo "== fuzz $t for ${secs}s"
  "target/$target/release/$t" -max_total_time="$secs" -artifact_prefix="artifacts/$t/" -print_final_stats=1 \
    "corpus/$t" "${seeds[@]}" 2>&1 | grep -E 'Done|stat::number_of_executed_units|ERROR|panicked' || true
  if ls "artifacts/$t"/crash-* >/dev/null 2>&1; then
    echo "fuzz $t found a crash: $(ls artifacts/$t/crash-*)"; exit 1
  fi
done
