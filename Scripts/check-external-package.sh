#!/usr/bin/env bash
# Builds Examples/ExternalPackage — a separate package that depends on this repository by the local path
# `../..` and uses only public API — and runs it on a tiny BERT checkpoint folder of the tests. Shows that the
# README's "Using it from another package" works as written. A full build in the example's own build folder:
# several minutes, so it is not part of Scripts/test.sh.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root/Examples/ExternalPackage"
swift build
swift run external-demo "$root/Tests/PRIMATextTests/Fixtures/bert_tiny"
