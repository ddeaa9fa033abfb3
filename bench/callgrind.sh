#!/usr/bin/env bash
# Instructions per operation, counted by callgrind (deterministic, unaffected by machine load):
# each mode of the `profile` binary runs with N and 2N iterations; the difference divided by N
# excludes setup. Usage: bench/callgrind.sh [N] [mode...]   (default N = 20000, every mode)
set -euo pipefail
cd "$(dirname "$0")"
n="${1:-20000}"
shift || true
modes=("$@")
if [ ${#modes[@]} -eq 0 ]; then
  modes=(decision-sentry decision-10k routed-allow-sentry routed-deny-sentry routed-allow-10k routed-deny-10k plain-sentry lookup-sentry matchit-sentry lookup-10k matchit-10k axum-plain axum-from-fn axum-scopegate axum-scopegate-fixed)
fi
cargo build --release --quiet --bin profile
count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null ./target/release/profile "$1" "$2" 2>&1 \
    | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
printf '| mode | instructions per operation |\n| --- | ---: |\n'
for mode in "${modes[@]}"; do
  a=$(count "$mode" "$n")
  b=$(count "$mode" "$((2 * n))")
  printf '| %s | %s |\n' "$mode" "$(( (b - a) / n ))"
done
