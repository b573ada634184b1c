"""Groups a flat `perf report` of one benchmark row into the categories of the profile tables in
Documentation/Benchmarks.md ("Where a training step spends its time").

Usage: perf report -i FILE --no-children --sort dso,sym -g none --stdio | python3 Benchmarks/perf_categories.py
Prints one line per category: its share of all samples, and its share of the samples that belong to the
timed steps (model construction excluded).
"""
import re
import sys

# First match wins: (category, predicate on "dso symbol").
CATEGORIES = [
    ("model construction (not part of the step)",
     re.compile(r"Initiali[sz](?:er|ation)|fillUniform|nextNormal|__cos_fma|__sin_fma|__ieee754_log|randomNormal|kaimingUniform|fanInUniform|WeightFiller")),
    ("oneDNN products (bf16 matmul, f32 sgemm: JIT kernels, driver)", re.compile(r"\[JIT\]|libdnnl")),
    ("bf16 conversion (rounding activations, widening)", re.compile(r"prima_f32_to_bf16|prima_bf16_to_f32|HalfPrecision")),
    ("sgemm micro-kernel", re.compile(r"libopenblas.*sgemm_kernel")),
    ("sgemm packing (copy routines)", re.compile(r"libopenblas.*sgemm_\w*copy")),
    ("sgemm beta (scaling / zeroing C)", re.compile(r"libopenblas.*sgemm_beta")),
    ("other OpenBLAS (gemv, drivers)", re.compile(r"libopenblas")),
    ("attention kernel (scores, online softmax)",
     re.compile(r"AttentionKernel|AttentionProblem|prima_exp_shift_sum|exponentiateRow")),
    ("softmax / norm / GELU kernels", re.compile(r"prima_(gelu|layer_norm|rms_norm|softmax|silu)|softmax|layerNorm|rmsNorm")),
    ("copies / transposes (layout changes)",
     re.compile(r"relayout|permuteCopy|transposeTiles|memmove|memcpy|splitHeads|mergeHeads|mergingHeads|splittingHeads|concatenat|narrow|chunk")),
    ("allocation / zeroing / page faults",
     re.compile(r"memset|malloc|calloc|\bfree\b|_int_free|_int_malloc|cfree|clear_page|page_fault|do_anonymous_page|"
                r"handle_mm_fault|alloc_folio|alloc_pages|munmap|mmap|zap_|free_pages|release_pages|__folio|lru|"
                r"swift_slowAlloc|swift_slowDealloc|swift_allocObject|swift_deallocObject|uninitializedShape|zeros")),
    ("thread hand-off / waiting (pool spin, futex, scheduler)",
     re.compile(r"sched_yield|futex|dispatch|_raw_spin|finish_task_switch|schedule|pthread|__lll|syscall|"
                r"entry_SYSCALL|do_syscall|prima_parallel|prima_pool_run|worker_main|run_indices")),
    ("package elementwise / reduction kernels", re.compile(r"prima-bench|PRIMA|prima_")),
]


def main():
    totals = {name: 0.0 for name, _ in CATEGORIES}
    totals["other (kernel, runtime)"] = 0.0
    line_pattern = re.compile(r"^\s*([0-9.]+)%\s+(.*)$")
    for line in sys.stdin:
        if line.startswith("#"):
            continue
        match = line_pattern.match(line)
        if not match:
            continue
        share, rest = float(match.group(1)), match.group(2)
        for name, pattern in CATEGORIES:
            if pattern.search(rest):
                totals[name] += share
                break
        else:
            totals["other (kernel, runtime)"] += share
    setup = totals[CATEGORIES[0][0]]
    step = sum(totals.values()) - setup
    print(f"{'category':58s} {'% of samples':>12s} {'% of step':>10s}")
    for name, share in totals.items():
        of_step = "" if name == CATEGORIES[0][0] else f"{100 * share / step:10.1f}"
        print(f"{name:58s} {share:12.1f} {of_step:>10s}")


if __name__ == "__main__":
    main()
