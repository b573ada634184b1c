#!/bin/bash
# Compares the CPU time of two builds of prima-bench on one row on a busy machine: both binaries run at the
# same time, one thread each, so that they share whatever load the machine has; each prints the median CPU
# seconds per call of the row (`<row>_cpu_s`). Wall time is not a result here.
#
# Usage: Benchmarks/paired-cpu.sh BEFORE_BINARY AFTER_BINARY ROW [PAIRS]   (PAIRS defaults to 3)
set -euo pipefail
if [ $# -lt 3 ]; then
    echo "usage: $0 BEFORE_BINARY AFTER_BINARY ROW [PAIRS]" >&2
    exit 2
fi
before=$1 after=$2 row=$3 pairs=${4:-3}
export PRIMA_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cpu() { awk -v r="${row}_cpu_s" '$1 == r { print $2 }' "$1"; }
for i in $(seq 1 "$pairs"); do
    "$before" "$row" > "$work/before" 2>/dev/null &
    b=$!
    "$after" "$row" > "$work/after" 2>/dev/null &
    a=$!
    wait "$b" "$a"
    echo "$row pair $i: before $(cpu "$work/before") s, after $(cpu "$work/after") s CPU per call (load $(cut -d' ' -f1 /proc/loadavg))"
done
