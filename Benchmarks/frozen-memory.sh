#!/usr/bin/env bash
# Peak resident memory (GNU time's "Maximum resident set size", the whole process) of loading DINOv3 ViT-S/16 and
# ModernBERT-base / MiniLM checkpoints and of the inference and stage-2 step rows, with the frozen Linear weights
# stored in float32 and in bfloat16 (`--frozen-weights`, Documentation/MixedPrecision.md). Each row runs in a fresh
# process on checkpoints written first (random weights) as F32 and as BF16 files.
# Usage: Benchmarks/frozen-memory.sh [row ...]   (rows: load inference align; default all)
#        PRIMA_NUM_THREADS: worker threads (default 2); FROZEN_MEMORY_DIR: where the checkpoints go (default a temp folder)
set -euo pipefail
cd "$(dirname "$0")/.."
export PRIMA_NUM_THREADS=${PRIMA_NUM_THREADS:-2}
export OPENBLAS_NUM_THREADS=$PRIMA_NUM_THREADS OMP_NUM_THREADS=$PRIMA_NUM_THREADS
swift build -c release --product prima-frozen-memory >&2
BIN="$(swift build -c release --show-bin-path)/prima-frozen-memory"
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
  for dtype in f32 bf16; do
    case $row in
      load)
        line "load DINOv3 ViT-S/16" $dtype load-vision "$DIR/vits16-$dtype"
        line "load ModernBERT-base" $dtype load-text "$DIR/modernbert-base-$dtype"
        line "load MiniLM (BERT 6x384)" $dtype load-text "$DIR/minilm-$dtype" ;;
      inference)
        line "ViT-S/16 b8 224², forward, no grad" $dtype vits16-inference "$DIR/vits16-$dtype"
        line "ModernBERT-base 8x128, forward, no grad" $dtype modernbert-inference "$DIR/modernbert-base-$dtype" ;;
      align)
        line "stage-2 step, ModernBERT-base text" $dtype align-step "$DIR/vits16-$dtype" "$DIR/modernbert-base-$dtype"
        line "stage-2 step, MiniLM text" $dtype align-step "$DIR/vits16-$dtype" "$DIR/minilm-$dtype" ;;
      *) echo "unknown row $row" >&2; exit 2 ;;
    esac
  done
done
