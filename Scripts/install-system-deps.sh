#!/usr/bin/env bash
# Installs the system libraries PRIMA-Swift links against, on Debian/Ubuntu, when any is missing:
# OpenBLAS (cblas.h), LAPACKE, oneDNN (native bfloat16 products), libpng, libjpeg-turbo, and python3 with pip (to fetch the MiniLM test weights).
# With --mpi, also Open MPI (libopenmpi-dev openmpi-bin), needed only by the MPI targets (PRIMA_WITH_MPI=1).
# Uses sudo when not run as root.
set -euo pipefail
packages=(libopenblas-dev liblapacke-dev libdnnl-dev libpng-dev libjpeg62-turbo-dev)
[ "${1:-}" = --mpi ] && packages+=(libopenmpi-dev openmpi-bin)
# Ubuntu names libjpeg-turbo's dev package libjpeg-turbo8-dev; libjpeg-dev resolves to the right one on both.
missing=()
for p in "${packages[@]}"; do
  if ! dpkg -s "$p" >/dev/null 2>&1; then
    [ "$p" = libjpeg62-turbo-dev ] && { dpkg -s libjpeg-turbo8-dev >/dev/null 2>&1 && continue; p=libjpeg-dev; }
    missing+=("$p")
  fi
done
python3 -m pip --version >/dev/null 2>&1 || missing+=(python3-pip)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing system packages: ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >&2
