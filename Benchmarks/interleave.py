"""Interleaved side-by-side benchmark: Swift (prima-bench) against PyTorch float32, and Swift's bf16 mode
(PRIMA_BENCH_FROZEN=bf16: frozen weights in bf16 with bf16 products) against PyTorch bf16 autocast.

A shared machine drifts by 20-40% between minutes, so comparing a Swift run now with a PyTorch run later says
little. Each round therefore runs every side once, back to back, in a rotating order (round 1: S T B, round 2:
T B S, ...), and the ratio Swift / PyTorch is formed *within* the round. The table reports, per row, the median
of the per-round medians of each side, and the median of the per-round ratios with their range (min-max over
rounds). Each process times its rows as the median of repeated calls after warm-up (Benchmarks/Swift/Timing.swift,
Benchmarks/PyTorch/bench.py), so a round is itself robust to single slow calls.

The bf16 side runs by default only on CPUs with native bf16 arithmetic (AVX-512 BF16 or AMX): elsewhere
PyTorch emulates bf16 matrix products and autocast is far slower than float32 (measured on an AVX2-only EPYC:
a 1024^3 product 6.6 s under autocast against 0.15 s in float32), so it is not PyTorch's best configuration.

Usage: python Benchmarks/interleave.py --swift BIN --python PY [--rounds N] [--bf16 auto|on|off] [--markdown FILE] [rows ...]
Called by Benchmarks/run.sh, which builds BIN.
"""
import argparse
import datetime
import os
import platform
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def parse_tsv(text):
    rows = {}
    for line in text.splitlines():
        name, _, value = line.partition("\t")
        if value:
            try:
                rows[name] = float(value)
            except ValueError:
                pass
    return rows


def run_side(command, env_extra):
    env = dict(os.environ, **env_extra)
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"benchmark command failed ({done.returncode}): {' '.join(command)}\n{done.stderr[-2000:]}")
    return parse_tsv(done.stdout)


def has_native_bf16():
    try:
        flags = next((line for line in open("/proc/cpuinfo") if line.startswith("flags")), "").split()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def machine_line(python):
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    swift = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.splitlines()
    torch = subprocess.run([python, "-c", "import torch, transformers; print(torch.__version__, transformers.__version__)"],
                           capture_output=True, text=True).stdout.split()
    blas = "OpenBLAS " + (subprocess.run(["sh", "-c", "dpkg-query -W -f '${Version}' libopenblas0-pthread 2>/dev/null"],
                                         capture_output=True, text=True).stdout or "?")
    return (f"{datetime.date.today().isoformat()}, {cpu}, {os.cpu_count()} logical CPUs, {platform.platform()}; "
            f"{swift[0] if swift else 'swift ?'}; {blas}; PyTorch {torch[0] if torch else '?'}, "
            f"transformers {torch[1] if len(torch) > 1 else '?'}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--swift", required=True)
    parser.add_argument("--python", required=True)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--bf16", choices=["auto", "on", "off"], default="auto",
                        help="the PyTorch bf16 autocast side: auto = only where the CPU has native bf16")
    parser.add_argument("--markdown", help="also write the table as Markdown to this file")
    parser.add_argument("rows", nargs="*")
    args = parser.parse_args()
    if args.rounds < 1:
        sys.exit("--rounds must be at least 1")

    sides = {"swift": ([args.swift] + args.rows, {}),
             "torch": ([args.python, os.path.join(HERE, "PyTorch", "bench.py")] + args.rows, {})}
    with_bf16 = args.bf16 == "on" or (args.bf16 == "auto" and has_native_bf16())
    if args.bf16 == "auto" and not with_bf16:
        print("PyTorch bf16 autocast side skipped: this CPU has no AVX-512 BF16 or AMX (--bf16 on forces it)",
              file=sys.stderr)
    if with_bf16:
        sides["bf16"] = ([args.python, os.path.join(HERE, "PyTorch", "bench.py")] + args.rows,
                         {"PRIMA_BENCH_AUTOCAST": "bf16"})
        # The package's counterpart of autocast: frozen weights in bf16 with bf16 products (rows without
        # frozen weights run as in float32).
        sides["swift_bf16"] = ([args.swift] + args.rows, {"PRIMA_BENCH_FROZEN": "bf16"})
    order = list(sides)
    results = {side: [] for side in sides}
    for r in range(args.rounds):
        rotated = order[r % len(order):] + order[:r % len(order)]
        for side in rotated:
            command, env = sides[side]
            results[side].append(run_side(command, env))
            print(f"round {r + 1}/{args.rounds}: {side} done", file=sys.stderr, flush=True)

    names = [n for n in results["swift"][0] if not n.endswith(("peak_rss_mib", "_cpu_s")) and not n.startswith("sgemm_raw_")]

    def per_round(side, name):
        return [round_[name] for round_ in results[side] if name in round_]

    def ratio_cell(name, other, mine="swift"):
        ratios = [s[name] / o[name] for s, o in zip(results[mine], results[other]) if name in s and o.get(name)]
        if not ratios:
            return "–"
        return f"{statistics.median(ratios):.2f} ({min(ratios):.2f}–{max(ratios):.2f})"

    def ms(values):
        if not values:
            return "–"
        value = statistics.median(values) * 1e3
        return f"{value:.0f}" if value >= 1000 else f"{value:.4g}"

    header = "| row | Swift ms | PyTorch fp32 ms | Swift / fp32 (range) |"
    rule = "|---|---:|---:|---:|"
    if "bf16" in results:
        header += " PyTorch bf16 ms | Swift bf16 ms | Swift bf16 / PyTorch bf16 (range) |"
        rule += "---:|---:|---:|"
    lines = [f"Measured {machine_line(args.python)}.",
             f"{args.rounds} interleaved rounds; per row: median over rounds, ratio = median of per-round ratios "
             f"(range over rounds); threads {os.environ.get('PRIMA_NUM_THREADS', '2')}.", "", header, rule]
    for name in names:
        line = f"| {name} | {ms(per_round('swift', name))} | {ms(per_round('torch', name))} | {ratio_cell(name, 'torch')} |"
        if "bf16" in results:
            line += (f" {ms(per_round('bf16', name))} | {ms(per_round('swift_bf16', name))} |"
                     f" {ratio_cell(name, 'bf16', mine='swift_bf16')} |")
        lines.append(line)
    peaks = {side: max((r.get("peak_rss_mib", 0) for r in results[side]), default=0) for side in results}
    lines.append("")
    lines.append("Process peak RSS over all selected rows (MiB): " +
                 ", ".join(f"{side} {value:.0f}" for side, value in peaks.items()) +
                 " (rows that measure their own peak, the DINOv3 rows, reset the high-water mark, so this is the"
                 " peak since the last of them; per-row peaks in fresh processes: Benchmarks/peak-memory.sh).")
    table = "\n".join(lines)
    print(table)
    if args.markdown:
        with open(args.markdown + ".tmp", "w") as f:
            f.write(table + "\n")
        os.replace(args.markdown + ".tmp", args.markdown)


if __name__ == "__main__":
    main()
