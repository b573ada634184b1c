#!/usr/bin/env bash
# The main job on the built-in default: installs missing system packages, builds in release mode and runs
# the PAD-UFES-20 example (synthetic PAD-UFES-20 look-alike, small seeded DINOv3 and text encoders, five-fold
# cross-validation of PRIMA beside the image-only and image+metadata baselines; `--ablation` adds Table 3's rows).
# Arguments go to `prima-padufes`
# (e.g. `Scripts/demo.sh --output runs/demo`; `Scripts/demo.sh --help` lists the options).
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/install-system-deps.sh
swift build -c release --product prima-padufes
exec "$(swift build -c release --show-bin-path)/prima-padufes" "$@"
