#!/usr/bin/env bash
# The test command: installs missing system packages, then builds and runs the whole test suite.
# Extra arguments go to `swift test` (e.g. `Scripts/test.sh --filter SafeTensors`).
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/install-system-deps.sh
swift build --build-tests
swift test --skip-build "$@"
