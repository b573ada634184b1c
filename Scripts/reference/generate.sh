#!/usr/bin/env bash
# Regenerates every committed reference fixture from PyTorch / transformers / tokenizers / scikit-learn.
# Usage: Scripts/reference/generate.sh [path/to/python]   (default: $PRIMA_REF_PYTHON or python3)
# The Python environment needs the pinned packages of Scripts/reference/requirements.txt.
set -euo pipefail
cd "$(dirname "$0")"
PY=${1:-${PRIMA_REF_PYTHON:-python3}}
for script in gen_*.py; do
  echo "== $script"
  "$PY" "$script"
done
