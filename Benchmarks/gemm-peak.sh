#!/usr/bin/env bash
# The machine's float32 GEMM peak on the shapes of the ViT-S and ModernBERT training steps
# (Benchmarks/GEMMPeak/gemm_peak.c): OpenBLAS on 1 and 2 threads, and oneDNN's dnnl_sgemm and bf16 matmul on one thread
# when its header is installed (Debian: libdnnl-dev). Needs a C compiler and OpenBLAS's development files.
#
# Usage: Benchmarks/gemm-peak.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
include=$(pkg-config --cflags openblas 2>/dev/null || echo -I/usr/include/x86_64-linux-gnu/openblas-pthread)
flags=() libs=(-lopenblas)
if [[ -f /usr/include/dnnl.h ]]; then flags+=(-DWITH_DNNL); libs+=(-ldnnl); fi
cc -O2 $include "${flags[@]}" Benchmarks/GEMMPeak/gemm_peak.c -o "$out/gemm_peak" "${libs[@]}"
echo "OpenBLAS, 1 thread"; "$out/gemm_peak" 1
echo "OpenBLAS, 2 threads"; "$out/gemm_peak" 2
if [[ -f /usr/include/dnnl.h ]]; then
  echo "oneDNN dnnl_sgemm, 1 thread"; OMP_NUM_THREADS=1 "$out/gemm_peak" 1 dnnl
  # bf16 inputs, float32 output: the package's BFloat16Products.bfloat16 kernel (native on AVX-512 BF16 / AMX).
  echo "oneDNN bf16 matmul, 1 thread"; OMP_NUM_THREADS=1 "$out/gemm_peak" 1 bf16
fi
