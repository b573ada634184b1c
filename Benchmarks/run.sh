#!/usr/bin/env bash
# Runs prima-bench (release build) and its PyTorch twin (float32, and bf16 autocast) interleaved in the same
# session — rounds of S T B, rotating the order — and prints one table: per row the median time of each side
# and the median of the per-round Swift/PyTorch ratios with their range (Benchmarks/interleave.py).
#
# Usage: Benchmarks/run.sh [row-prefix ...]
#   PRIMA_BENCH_PYTHON  python with torch and transformers (default: python3)
#   PRIMA_NUM_THREADS   threads on both sides (default 2)
#   PRIMA_BENCH_ROUNDS  interleaved rounds (default 5)
#   PRIMA_BENCH_BF16    auto (default: only on CPUs with native bf16), on, off — the PyTorch bf16 autocast side
#   PRIMA_BENCH_MARKDOWN=FILE  also write the table (with date, machine and versions) to FILE
set -euo pipefail
cd "$(dirname "$0")/.."
export PRIMA_NUM_THREADS=${PRIMA_NUM_THREADS:-2}
export OPENBLAS_NUM_THREADS=$PRIMA_NUM_THREADS OMP_NUM_THREADS=$PRIMA_NUM_THREADS
PY=${PRIMA_BENCH_PYTHON:-python3}
swift build -c release --product prima-bench >&2
args=(--swift "$(swift build -c release --show-bin-path)/prima-bench" --python "$PY" --rounds "${PRIMA_BENCH_ROUNDS:-5}")
args+=(--bf16 "${PRIMA_BENCH_BF16:-auto}")
[[ -n "${PRIMA_BENCH_MARKDOWN:-}" ]] && args+=(--markdown "$PRIMA_BENCH_MARKDOWN")
exec "$PY" Benchmarks/interleave.py "${args[@]}" "$@"
