#!/usr/bin/env bash
# Data-parallel scaling of one PRIMA stage-2 step (Documentation/Distributed.md): prima-mpi-bench (release) on 1 and
# on 2 ranks of this machine, one thread per rank, the same global batch; prints both lines, the efficiency
# T1 / (2 · T2) of the wall-clock step times, and the same ratio of the ranks' CPU seconds (the work added by
# splitting, unaffected by other processes on the machine), with the load average.
#
# Usage: Benchmarks/mpi-scaling.sh [vits16|vitb16] [global batch, default 16] [timed steps, default 3]
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:-vits16} batch=${2:-16} steps=${3:-3}
export PRIMA_WITH_MPI=1 PRIMA_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
swift build -c release --product prima-mpi-bench >&2
bench="$(swift build -c release --show-bin-path)/prima-mpi-bench"
echo -e "model\tranks\tbatch\tstep_s\tcpu_s\tallreduce_s\ttrainable_floats\tgradient_bytes\tgathered_bytes"
one=$(mpirun --oversubscribe -np 1 "$bench" "$model" "$batch" "$steps" 2>/dev/null | tail -1)
two=$(mpirun --oversubscribe -np 2 "$bench" "$model" "$batch" "$steps" 2>/dev/null | tail -1)
echo "$one"
echo "$two"
awk -v a="$(cut -f4 <<<"$one")" -v b="$(cut -f4 <<<"$two")" -v c="$(cut -f5 <<<"$one")" -v d="$(cut -f5 <<<"$two")" \
  'BEGIN { printf "wall clock: speed-up %.2f, efficiency %.0f%%; CPU time: efficiency %.0f%%\n", a / b, 100 * a / (2 * b), 100 * c / (2 * d) }'
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(getconf _NPROCESSORS_ONLN) cores"
