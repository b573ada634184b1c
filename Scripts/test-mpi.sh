#!/usr/bin/env bash
# The multi-process checks of data-parallel training (Documentation/Distributed.md): installs Open MPI if missing,
# builds the MPI targets (PRIMA_WITH_MPI=1) and runs each scenario of prima-mpi-checks under mpirun on this machine.
# Oversubscribed, so 2 and 3 ranks run on a 2-core CI machine; about a minute after the build.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/install-system-deps.sh --mpi
export PRIMA_WITH_MPI=1
swift build --product prima-mpi-checks
bin="$(swift build --show-bin-path)/prima-mpi-checks"
# CI containers run as root, which mpirun refuses unless told; one thread per rank, as on a cluster node share.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1 PRIMA_NUM_THREADS=1
folder=$(mktemp -d)
trap 'rm -rf "$folder"' EXIT

run() {  # ranks scenario [argument]: must print PASS
  local ranks=$1; shift
  echo "== $* on $ranks ranks"
  local output
  output=$(timeout 120 mpirun --oversubscribe -np "$ranks" "$bin" "$@" 2>&1 | grep -v ' info ') || { echo "$output"; echo "FAILED: $*" >&2; exit 1; }
  echo "$output"
  grep -q "^PASS $1" <<<"$output" || { echo "FAILED: $* printed no PASS" >&2; exit 1; }
}

expect_failure() {  # seconds pattern ranks scenario: the job must fail within the time, printing the pattern
  local limit=$1 pattern=$2 ranks=$3 scenario=$4 start output status
  echo "== $scenario on $ranks ranks (must fail within ${limit}s)"
  start=$SECONDS
  set +e
  output=$(timeout $((limit + 30)) mpirun --oversubscribe -np "$ranks" "$bin" "$scenario" 2>&1 | grep -v ' info ')
  status=${PIPESTATUS[0]}
  set -e
  echo "$output"
  local took=$((SECONDS - start))
  [ "$status" -ne 0 ] || { echo "FAILED: $scenario ended with status 0" >&2; exit 1; }
  [ "$took" -le "$limit" ] || { echo "FAILED: $scenario took ${took}s (limit ${limit}s)" >&2; exit 1; }
  grep -q "$pattern" <<<"$output" || { echo "FAILED: $scenario did not print '$pattern'" >&2; exit 1; }
  echo "PASS $scenario: failed as expected in ${took}s (status $status)"
}

run 2 gather
run 2 align "$folder"
run 2 classifier
run 2 fusion "$folder"
run 2 supervised "$folder"
run 2 mismatch
run 3 too-many-ranks
# A rank that dies: mpirun ends every rank and names the one that exited.
expect_failure 30 "exited with non-zero status" 2 dead-rank
# A rank that hangs: the others' collective times out with a clear error and the job is aborted.
PRIMA_MPI_TIMEOUT=3 expect_failure 30 "did not answer within 3" 2 hang
# Fold parallel: 3 folds over 2 ranks write the same files, table and results as a serial run.
echo "== fold parallel: prima-padufes serial and on 2 ranks"
swift build --product prima-padufes
padufes="$(swift build --show-bin-path)/prima-padufes"
# The image-only baseline, and PRIMA with one epoch per stage (its stage 1 runs once, on rank 0, before the folds).
options=(--synthetic-images 30 --folds 3 --epochs 2 --baseline image-only --baseline prima --knowledge-epochs 1
         --align-epochs 1 --supervised-epochs 1 --fusion-epochs 1 --batch-size 8 --cache-dir "$folder/cache" --quiet)
PRIMA_NUM_THREADS=1 "$padufes" "${options[@]}" --output "$folder/serial" >/dev/null 2>&1
PRIMA_NUM_THREADS=1 timeout 120 mpirun --oversubscribe -np 2 "$padufes" "${options[@]}" --output "$folder/ranks" >/dev/null 2>&1
diff <(cd "$folder/serial" && find . -type f ! -name .lock | sort) <(cd "$folder/ranks" && find . -type f ! -name .lock | sort)
diff "$folder/serial/results.csv" "$folder/ranks/results.csv"
diff "$folder/serial/table.txt" "$folder/ranks/table.txt"
echo "PASS fold parallel: same files, results.csv and table.txt"
# Ranks started with different options: every rank refuses before writing anything.
echo "== fold parallel with mismatched options (must fail, writing nothing)"
set +e
output=$(PRIMA_NUM_THREADS=1 timeout 60 mpirun --oversubscribe -np 1 "$padufes" "${options[@]}" --output "$folder/mixed" : \
  -np 1 "$padufes" "${options[@]}" --epochs 3 --output "$folder/mixed" 2>&1)
status=$?
set -e
echo "$output" | grep error
[ "$status" -ne 0 ] && grep -q "differ between ranks" <<<"$output" && [ ! -e "$folder/mixed" ] \
  || { echo "FAILED: mismatched fold-parallel ranks (status $status)" >&2; exit 1; }
echo "PASS fold parallel mismatch"
echo "All MPI checks passed."
