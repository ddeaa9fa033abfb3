#!/usr/bin/env bash
# Runs every benchmark of BENCHMARKS.md once and writes the raw outputs, with the machine facts
# and the load average before and after, to bench/target/results/<UTC time>/.
#
#   bench/run-all.sh            criterion (short: 1 s warm-up, 3 s measurement), memory, load
#                               (with the demo), compile time, instruction counts
#   QUICK=1 bench/run-all.sh    the same without the compile-time and callgrind parts
set -euo pipefail
cd "$(dirname "$0")"
out="target/results/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- ../runtime ../macros || echo ' (runtime or macros modified)')"
  echo "nproc: $(nproc)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "rustc: $(rustc -V)"
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out/machine.txt"

cargo bench --quiet --no-run

cargo bench --bench decision -- --warm-up-time 1 --measurement-time 3 2>&1 | tee "$out/decision.txt"
cargo bench --bench lookup -- --warm-up-time 1 --measurement-time 3 2>&1 | tee "$out/lookup.txt"
cargo bench --bench axum -- --warm-up-time 1 --measurement-time 3 2>&1 | tee "$out/axum.txt"
# `cargo bench` rebuilds the binaries without the `demo` feature: build them after it.
cargo build --release --quiet --features demo --bins
./target/release/report | tee "$out/criterion.md"
./target/release/memory | tee "$out/memory.md"
./target/release/load --demo 2>&1 | tee "$out/load.md"
if [ -z "${QUICK:-}" ]; then
  ./target/release/compile_bench --handlers 1000 --runs 5 2>&1 | tee "$out/compile.md"
  ./callgrind.sh 20000 2>&1 | tee "$out/callgrind.md"
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/machine.txt"
echo "results in bench/$out"
