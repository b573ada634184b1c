#!/usr/bin/env bash
# Builds the DocC documentation of every library with the swift-docc-plugin, one archive per module in
# .build/plugins/Swift-DocC/outputs/<Module>.doccarchive, and prints the number of DocC warnings.
# Options: --fail-on-warnings (exit 1 if there is any warning); other arguments go to generate-documentation
# (for example --transform-for-static-hosting --hosting-base-path PRIMA-Swift).
set -euo pipefail
cd "$(dirname "$0")/.."
modules=(PRIMATensor PRIMANN PRIMAData PRIMAVision PRIMAText PRIMAAlign PRIMAFusion PRIMAKnowledge PRIMAExperiments)
strict=0
args=()
for a in "$@"; do
  if [[ "$a" == --fail-on-warnings ]]; then strict=1; else args+=("$a"); fi
done
targets=()
for m in "${modules[@]}"; do targets+=(--target "$m"); done
log=$(mktemp)
trap 'rm -f "$log"' EXIT
swift package generate-documentation "${targets[@]}" "${args[@]}" 2>&1 | tee "$log"
warnings=$(grep -c "warning:" "$log" || true)
echo "DocC warnings: $warnings"
if (( strict && warnings > 0 )); then exit 1; fi
