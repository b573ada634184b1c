"""Reference values for PRIMAData's paired tests and calibration, from SciPy and NumPy.

Writes Tests/PRIMADataTests/Fixtures/statistics.json. Every value is a float64 in the case's params (the
inputs too), so both sides compute on exactly the same numbers. Conventions pinned here and mirrored in Swift:
- Student's t: scipy.special.betainc for I_x(a, b); scipy.stats.t.cdf and the two-sided tail 2·t.sf(|t|);
- paired t-test: scipy.stats.ttest_rel(b, a) (differences b − a, two-sided); NaN (undefined) is written as null;
- Wilcoxon signed-rank: zeros dropped (zero_method="wilcox"), two-sided; without ties SciPy's method="exact";
  with ties SciPy's PermutationMethod, which enumerates all 2^n sign flips (method="exact" ignores ties); the
  statistic is SciPy's two-sided one, min(W+, W-);
- expected calibration error: 15 equal-width bins (i/15, (i+1)/15] over the top-class probability (edges
  np.arange(16) / 15, upper edge inclusive), ECE = sum over bins of n_b / N * |accuracy_b - confidence_b|; the
  prediction is the first arg-max (np.argmax).
Run: /path/to/python gen_statistics.py
"""
import numpy as np
import scipy
from scipy import special, stats

from fixture import write


def params_case(name, params):
    return {"name": name, "inputs": {}, "params": {**params, "scipy": scipy.__version__}, "outputs": {}, "grads": {}}


def finite_or_none(x):
    x = float(x)
    return x if np.isfinite(x) else (None if np.isnan(x) else ("inf" if x > 0 else "-inf"))


def beta_case(name, points):
    return params_case(name, {"x": [p[0] for p in points], "a": [p[1] for p in points], "b": [p[2] for p in points],
                              "value": [float(special.betainc(p[1], p[2], p[0])) for p in points]})


def t_case(name, points):
    return params_case(name, {"t": [p[0] for p in points], "df": [p[1] for p in points],
                              "cdf": [float(stats.t.cdf(p[0], p[1])) for p in points],
                              "two_sided": [float(2 * stats.t.sf(abs(p[0]), p[1])) for p in points]})


def paired_case(name, a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    t = stats.ttest_rel(b, a)
    d = b - a
    nonzero = d[d != 0]
    params = {"a": a.tolist(), "b": b.tolist(), "t_statistic": finite_or_none(t.statistic), "t_df": int(t.df),
              "t_p": finite_or_none(t.pvalue)}
    if len(nonzero) > 0:
        ties = len(np.unique(np.abs(nonzero))) < len(nonzero)
        method = stats.PermutationMethod() if ties else "exact"
        w = stats.wilcoxon(d, zero_method="wilcox", method=method)
        params.update({"wilcoxon_statistic": float(w.statistic), "wilcoxon_p": float(w.pvalue),
                       "wilcoxon_method": "permutation" if ties else "exact"})
    else:
        params.update({"wilcoxon_statistic": None, "wilcoxon_p": None, "wilcoxon_method": "none"})
    return params_case(name, params)


def ece_reference(probabilities, labels, bins=15):
    probabilities = np.asarray(probabilities, dtype=np.float64)
    labels = np.asarray(labels)
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == labels
    edges = np.arange(bins + 1) / bins
    ece, counts, accuracies, confidences = 0.0, [], [], []
    for i in range(bins):
        inside = (confidence > edges[i]) & (confidence <= edges[i + 1])
        if i == 0:
            inside |= confidence == 0
        n = int(inside.sum())
        counts.append(n)
        if n == 0:
            accuracies.append(None)
            confidences.append(None)
            continue
        accuracy, mean_confidence = float(correct[inside].mean()), float(confidence[inside].mean())
        accuracies.append(accuracy)
        confidences.append(mean_confidence)
        ece += n / len(labels) * abs(accuracy - mean_confidence)
    return ece, counts, accuracies, confidences


def ece_case(name, probabilities, labels):
    probabilities = np.asarray(probabilities, dtype=np.float64)
    ece, counts, accuracies, confidences = ece_reference(probabilities, labels)
    return params_case(name, {"probabilities": probabilities.tolist(), "labels": [int(v) for v in labels],
                              "ece": ece, "counts": counts, "accuracies": accuracies, "confidences": confidences})


def main():
    rng = np.random.default_rng(20261203)
    cases = [
        beta_case("incomplete_beta", [(0.5, 2.0, 0.5), (0.1, 0.5, 0.5), (0.9, 2.5, 0.5), (0.999, 10.0, 0.5),
                                      (1e-6, 0.5, 0.5), (0.3, 24.5, 0.5), (0.75, 3.0, 7.0), (0.02, 1.0, 1.0)]),
        t_case("student_t", [(0.0, 4.0), (1.2, 4.0), (-2.776445105, 4.0), (4.604094871, 4.0), (-0.3, 1.0),
                             (12.0, 9.0), (1e-8, 4.0), (-35.0, 4.0), (2.0, 49.0), (0.7, 2.5)]),
        # Five folds: macro F1 of two methods (fractions), a clear and a doubtful difference.
        paired_case("five_folds_clear", [0.61, 0.58, 0.64, 0.60, 0.57], [0.66, 0.63, 0.67, 0.66, 0.61]),
        paired_case("five_folds_mixed", [0.712, 0.655, 0.690, 0.701, 0.668], [0.705, 0.671, 0.702, 0.689, 0.690]),
        paired_case("ten_folds_random", rng.uniform(0.5, 0.8, 10).tolist(), rng.uniform(0.5, 0.8, 10).tolist()),
        # Tied absolute differences and a zero difference (dropped by the Wilcoxon test).
        paired_case("ties_and_zero", [0.5, 0.6, 0.7, 0.8, 0.9, 0.4], [0.53, 0.57, 0.75, 0.82, 0.9, 0.42]),
        paired_case("identical", [0.5, 0.6, 0.7], [0.5, 0.6, 0.7]),
        paired_case("constant_shift", [0.5, 0.625, 0.75], [0.75, 0.875, 1.0]),
        paired_case("two_folds", [0.5, 0.7], [0.6, 0.65]),
    ]
    logits = rng.normal(size=(300, 6)) * 2.0
    labels = rng.integers(0, 6, 300)
    logits[np.arange(300), labels] += 1.5
    softmax = np.exp(logits - logits.max(axis=1, keepdims=True))
    softmax /= softmax.sum(axis=1, keepdims=True)
    cases.append(ece_case("ece_six_classes", softmax, labels))
    p = rng.uniform(0.5, 1.0, 80)
    binary = np.stack([p, 1 - p], axis=1)
    cases.append(ece_case("ece_binary", binary, (rng.random(80) > p).astype(int)))
    # Confidences exactly on bin edges (1/3 = 5/15, 0.4 = 6/15, 1) and ties between classes.
    edges = [[1 / 3, 1 / 3, 1 / 3], [0.4, 0.3, 0.3], [0.4, 0.4, 0.2], [1.0, 0.0, 0.0], [0.2, 0.2, 0.6]]
    cases.append(ece_case("ece_on_edges", edges, [0, 1, 1, 0, 2]))
    write("PRIMADataTests", "statistics", "Scripts/reference/gen_statistics.py", cases)


if __name__ == "__main__":
    main()
