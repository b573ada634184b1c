#!/usr/bin/env bash
# Peak resident memory (GNU time's "Maximum resident set size", the whole process) of loading DINOv3 ViT-S/16 and
# ModernBERT-base / MiniLM checkpoints and of the inference and stage-2 step rows, with the frozen Linear weights
# stored in float32 and in bfloat16 (`--frozen-weights`, Documentation/MixedPrecision.md). Each row runs in a fresh
# process on checkpoints written first (random weights) as F32 and as BF16 files.
# Usage: Benchmarks/frozen-memory.sh [row ...]   (rows: load inference align; default all)
#        PRIMA_NUM_THREADS: worker threads (default 2); FROZEN_MEMORY_DIR: where the checkpoints go (default a temp folder);
#        PRIMA_BUILD_ARGS: extra `swift build` arguments (e.g. --scratch-path DIR)
set -euo pipefail
cd "$(dirname "$0")/.."
export PRIMA_NUM_THREADS=${PRIMA_NUM_THREADS:-2}
export OPENBLAS_NUM_THREADS=$PRIMA_NUM_THREADS OMP_NUM_THREADS=$PRIMA_NUM_THREADS
swift build -c release ${PRIMA_BUILD_ARGS:-} --product prima-frozen-memory >&2
BIN="$(swift build -c release ${PRIMA_BUILD_ARGS:-} --show-bin-path)/prima-frozen-memory"
DIR=${FROZEN_MEMORY_DIR:-$(mktemp -d)}
for model in vits16 modernbert-base minilm; do
  for dtype in f32 bf16; do
    [ -f "$DIR/$model-$dtype/model.safetensors" ] || "$BIN" write "$DIR/$model-$dtype" "$model" "$dtype"
  done
done
peak() { /usr/bin/time -f "%M" "$BIN" "$@" 2>&1 >/dev/null | tail -n 1; }
rows=("$@")
[ ${#rows[@]} -gt 0 ] || rows=(load inference align)
printf "%-44s %8s %14s %14s\n" row file "f32 MiB" "bf16 MiB"
line() {  # label, file dtype, arguments
  local label=$1 dtype=$2; shift 2
  local a b
  a=$(peak "$@" --frozen-weights f32); b=$(peak "$@" --frozen-weights bf16)
  awk -v r="$label" -v d="$dtype" -v a="$a" -v b="$b" 'BEGIN { printf "%-44s %8s %14.0f %14.0f\n", r, d, a/1024, b/1024 }'
}
for row in "${rows[@]}"; do
  case $row in
    load)  # the loader alone, from an F32 and from a BF16 file
      for dtype in f32 bf16; do
        line "load DINOv3 ViT-S/16" $dtype load-vision "$DIR/vits16-$dtype"
        line "load ModernBERT-base" $dtype load-text "$DIR/modernbert-base-$dtype"
        line "load MiniLM (BERT 6x384)" $dtype load-text "$DIR/minilm-$dtype"
      done
      # The encoders' previous loading (whole file as one float32 dictionary), for comparison; float32 storage only.
      for model in modernbert-base minilm; do
        d=$(peak load-text-dictionary "$DIR/$model-f32" --frozen-weights f32)
        awk -v r="load $model, previous loader (dictionary)" -v d="$d" 'BEGIN { printf "%-44s %8s %14.0f %14s\n", r, "f32", d/1024, "-" }'
      done ;;
    inference)  # from BF16 files, as checkpoints are published (f32 storage widens them)
      line "ViT-S/16 b8 224², forward, no grad" bf16 vits16-inference "$DIR/vits16-bf16"
      line "ModernBERT-base 8x128, forward, no grad" bf16 modernbert-inference "$DIR/modernbert-base-bf16" ;;
    align)
      line "stage-2 step, ModernBERT-base text" bf16 align-step "$DIR/vits16-bf16" "$DIR/modernbert-base-bf16"
      line "stage-2 step, MiniLM text" bf16 align-step "$DIR/vits16-bf16" "$DIR/minilm-bf16" ;;
    *) echo "unknown row $row" >&2; exit 2 ;;
  esac
done
