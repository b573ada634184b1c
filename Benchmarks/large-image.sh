#!/usr/bin/env bash
# Time and peak memory (GNU time's "Maximum resident set size") of one large generated photo through the
# default image pipeline (decode + DINOv3 evaluation transform), with the decoder's size hint and without it.
# Usage: Benchmarks/large-image.sh [width height]   (default 10000 x 9000 = 90 MP, under the default limit;
#        16000 16000 for the 256 MP rows of Documentation/Robustness.md)
# Needs Python with Pillow (PRIMA_BENCH_PYTHON, default python3) to write the test images.
set -euo pipefail
cd "$(dirname "$0")/.."
W=${1:-10000} H=${2:-9000}
PY=${PRIMA_BENCH_PYTHON:-python3}
swift build -c release --product prima-image-bench >&2
BIN="$(swift build -c release --show-bin-path)/prima-image-bench"
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
"$PY" - "$W" "$H" "$DIR" <<'PYTHON'
import sys
import numpy as np
from PIL import Image
w, h, folder = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rgb = np.empty((h, w, 3), np.uint8)  # smooth gradients: small files, quick to write
rgb[:, :, 0] = (np.arange(w, dtype=np.uint64) * 255 // w).astype(np.uint8)[None, :]
rgb[:, :, 1] = (np.arange(h, dtype=np.uint64) * 255 // h).astype(np.uint8)[:, None]
rgb[:, :, 2] = 128
image = Image.fromarray(rgb)
image.save(f"{folder}/large.png", compress_level=1)
image.save(f"{folder}/large.jpg", quality=90)
Image.new("RGB", (20000, 9000)).save(f"{folder}/huge.png", compress_level=1)
PYTHON
for file in large.png large.jpg; do
  for mode in "--full" ""; do
    echo "== $file ${mode:-(size hint 448)}"
    /usr/bin/time -f "elapsed %e s, peak RSS %M KB" "$BIN" "$DIR/$file" $mode --max-pixels 300000000 || true
  done
done
echo "== default pixel limit, 20000 x 9000"
/usr/bin/time -f "elapsed %e s, peak RSS %M KB" "$BIN" "$DIR/huge.png" || true
