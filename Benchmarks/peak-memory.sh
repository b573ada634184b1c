#!/usr/bin/env bash
# Peak resident memory of single benchmark rows, each in a fresh process (Swift and PyTorch twin), measured
# by GNU time's "Maximum resident set size": the whole process, model construction included.
# Usage: Benchmarks/peak-memory.sh row [row ...]   (PRIMA_BENCH_PYTHON, PRIMA_NUM_THREADS as in run.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
export PRIMA_NUM_THREADS=${PRIMA_NUM_THREADS:-2}
export OPENBLAS_NUM_THREADS=$PRIMA_NUM_THREADS OMP_NUM_THREADS=$PRIMA_NUM_THREADS
PY=${PRIMA_BENCH_PYTHON:-python3}
swift build -c release --product prima-bench >&2
BIN="$(swift build -c release --show-bin-path)/prima-bench"
peak() { /usr/bin/time -f "%M" "$@" 2>&1 >/dev/null | tail -n 1; }
printf "%-34s %12s %12s %7s\n" row "Swift MiB" "PyTorch MiB" ratio
for row in "$@"; do
  s=$(peak "$BIN" "$row"); t=$(peak "$PY" Benchmarks/PyTorch/bench.py "$row")
  awk -v r="$row" -v s="$s" -v t="$t" 'BEGIN { printf "%-34s %12.0f %12.0f %7.3f\n", r, s/1024, t/1024, s/t }'
done
