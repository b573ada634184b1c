#!/usr/bin/env bash
# Peak resident memory (GNU time's "Maximum resident set size") of one stage-3 training step of the fusion
# classifier on Qwen3-0.6B- and Qwen3-1.7B-shaped models with random weights, batch 4, ~94 positions, with the
# frozen Linear weights stored in float32 and in bfloat16 (`--frozen-weights`, see Documentation/MixedPrecision.md).
# Usage: Benchmarks/fusion-memory.sh [0.6b 1.7b ...]   (PRIMA_NUM_THREADS: worker threads, default 2;
#        FROZEN_WEIGHTS: the storages to measure, default "f32 bf16")
set -euo pipefail
cd "$(dirname "$0")/.."
export PRIMA_NUM_THREADS=${PRIMA_NUM_THREADS:-2}
export OPENBLAS_NUM_THREADS=$PRIMA_NUM_THREADS OMP_NUM_THREADS=$PRIMA_NUM_THREADS
swift build -c release --product prima-fusion-memory >&2
BIN="$(swift build -c release --show-bin-path)/prima-fusion-memory"
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(0.6b 1.7b)
for size in "${sizes[@]}"; do
  for storage in ${FROZEN_WEIGHTS:-f32 bf16}; do
    /usr/bin/time -v "$BIN" "$size" 4 48 --frozen-weights "$storage" 2>&1 | grep -E "model|batch|build|Maximum resident|Elapsed"
  done
done
