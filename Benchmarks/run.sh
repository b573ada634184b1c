#!/usr/bin/env bash
# Runs prima-bench (release build) and its PyTorch twin in the same session and prints one table:
# row, Swift median, PyTorch median, Swift/PyTorch ratio (matmul rows also against raw cblas_sgemm).
#
# Usage: Benchmarks/run.sh [row-prefix ...]
#   PRIMA_BENCH_PYTHON  python with torch (default: python3)     PRIMA_NUM_THREADS  threads (default 2)
set -euo pipefail
cd "$(dirname "$0")/.."
export PRIMA_NUM_THREADS=${PRIMA_NUM_THREADS:-2}
export OPENBLAS_NUM_THREADS=$PRIMA_NUM_THREADS OMP_NUM_THREADS=$PRIMA_NUM_THREADS
PY=${PRIMA_BENCH_PYTHON:-python3}
out=$(mktemp -d)
swift build -c release --product prima-bench >&2
"$(swift build -c release --show-bin-path)/prima-bench" "$@" | tee "$out/swift.tsv" >&2
"$PY" Benchmarks/PyTorch/bench.py "$@" | tee "$out/torch.tsv" >&2
"$PY" - "$out/swift.tsv" "$out/torch.tsv" <<'PY'
import sys
def load(p):
    return dict(l.rstrip("\n").split("\t") for l in open(p) if "\t" in l)
s, t = load(sys.argv[1]), load(sys.argv[2])
def ms(v): return f"{float(v) * 1e3:10.4g}"
def rss(d, name):
    v = d.get(name + "_peak_rss_mib")
    return f"{float(v):6.0f}" if v else "     -"
print(f"{'row':34} {'Swift ms':>10} {'PyTorch ms':>10} {'ratio':>7} {'RSS MiB S/P':>13}")
for name, sv in s.items():
    if name.endswith("peak_rss_mib") or name.startswith("sgemm_raw_"):
        continue
    tv = t.get(name)
    extra = ""
    if name.startswith("matmul_"):
        raw = s.get("sgemm_raw_" + name.split("_")[1])
        if raw: extra = f"   vs raw cblas_sgemm {float(sv) / float(raw):.3f}x ({ms(raw).strip()} ms)"
    ratio = f"{float(sv) / float(tv):7.3f}" if tv else f"{'-':>7}"
    print(f"{name:34} {ms(sv)} {ms(tv) if tv else f'{chr(45):>10}'} {ratio} {rss(s, name)}/{rss(t, name).strip():<6}{extra}")
print(f"Swift process peak RSS: {float(s.get('peak_rss_mib', 0)):.0f} MiB")
PY
