#!/usr/bin/env bash
# Builds the fuzz targets and runs each for SECONDS (default 20), one after another,
# seeded from the fixtures (fuzz/seed.sh). A crash stops the run with the failing
# input under fuzz/artifacts/<target>/; turn it into a regression test named after
# what it found.
#   bash fuzz/run.sh 20           # CI: every target briefly
#   bash fuzz/run.sh 600 okta_file  # a long local run of one target
# cargo fuzz needs nightly-only flags; this machine has the stable toolchain only, so
# RUSTC_BOOTSTRAP=1 lets stable rustc accept them. No sanitizer: tagtrail's parsers
# are safe Rust, and libFuzzer's coverage and panics are what find bugs here.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-20}
shift || true
export RUSTC_BOOTSTRAP=1
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --version 0.13.2 --locked
bash seed.sh
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo fuzz list)
# FUZZ_TARGET_DIR keeps the instrumented build apart from the main one (optional).
dir=(); [ -z "${FUZZ_TARGET_DIR:-}" ] || dir=(--target-dir "$FUZZ_TARGET_DIR")
cargo fuzz build --dev -s none "${dir[@]}"
mkdir -p logs
for t in "${targets[@]}"; do
  echo "fuzz: $t for ${seconds}s"
  status=0
  cargo fuzz run --dev -s none "${dir[@]}" "$t" -- -max_total_time="$seconds" -max_len=65536 \
    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 > "logs/$t.log" 2>&1 || status=$?
  grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|INFO: seed corpus|.*(panicked|ERROR|SUMMARY|Test unit written))' "logs/$t.log" || true
  if [ "$status" -ne 0 ] || [ -n "$(ls artifacts/"$t" 2>/dev/null)" ]; then
    echo "fuzz: $t failed (exit $status): fuzz/logs/$t.log, inputs in fuzz/artifacts/$t/"; exit 1
  fi
done
