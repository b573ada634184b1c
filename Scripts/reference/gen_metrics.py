"""Reference values for PRIMAData's classification metrics, from scikit-learn.

Writes Tests/PRIMADataTests/Fixtures/metrics.json. Conventions pinned here and mirrored in Swift:
- every per-class metric is computed over labels 0..<K (`labels=range(K)`), so a class that never
  occurs still has a row; `zero_division` (0 or 1) is what precision/recall/F1 take when their
  denominator is zero, as in sklearn;
- balanced accuracy is sklearn's: the mean recall over classes that occur in y_true;
- averages beside the paper's macro F1: macro precision and recall over labels 0..<K, support-weighted F1,
  and sklearn's default macro F1 without `labels` (over the labels present in y_true or y_pred), each with
  the case's zero_division;
- one-vs-rest ROC AUC per class and its macro mean (`multi_class="ovr", average="macro"`); binary tasks
  use the positive class's score; undefined (class absent from y_true) is written as null;
- fold summaries: mean and standard deviation with ddof 0 (numpy's and sklearn's cross-validation
  reports) and ddof 1 (the sample SD).
Run: /path/to/python gen_metrics.py
"""
import numpy as np
import torch
from sklearn.metrics import (accuracy_score, balanced_accuracy_score, confusion_matrix, f1_score,
                             precision_recall_fscore_support, precision_score, recall_score, roc_auc_score)

from fixture import case, write


def as_tensor(a):
    return torch.tensor(np.asarray(a, dtype=np.float64), dtype=torch.float32)


def metric_case(name, y_true, y_pred, scores, k, zero_division):
    labels = list(range(k))
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, average=None,
                                                 zero_division=zero_division)
    _, _, macro_f1, _ = precision_recall_fscore_support(y_true, y_pred, labels=labels, average="macro",
                                                        zero_division=zero_division)
    averages = {
        "macro_precision": precision_score(y_true, y_pred, labels=labels, average="macro", zero_division=zero_division),
        "macro_recall": recall_score(y_true, y_pred, labels=labels, average="macro", zero_division=zero_division),
        "weighted_f1": f1_score(y_true, y_pred, labels=labels, average="weighted", zero_division=zero_division),
        "macro_f1_present_labels": f1_score(y_true, y_pred, average="macro", zero_division=zero_division),
    }
    outputs = {
        **{name: as_tensor([value]) for name, value in averages.items()},
        "accuracy": as_tensor([accuracy_score(y_true, y_pred)]),
        "balanced_accuracy": as_tensor([balanced_accuracy_score(y_true, y_pred)]),
        "precision": as_tensor(p), "recall": as_tensor(r), "f1": as_tensor(f), "support": as_tensor(s),
        "macro_f1": as_tensor([macro_f1]),
        "confusion": as_tensor(confusion_matrix(y_true, y_pred, labels=labels)),
    }
    params = {"num_classes": k, "zero_division": zero_division}
    # Scores go through float32 first so both sides rank exactly the same numbers.
    sc = as_tensor(scores).double().numpy()
    per_class = []
    for c in labels:
        positives = np.asarray(y_true) == c
        per_class.append(float(roc_auc_score(positives, sc[:, c])) if 0 < positives.sum() < len(y_true) else None)
    params["auc_per_class"] = per_class
    if all(v is not None for v in per_class):
        if k == 2:
            macro = roc_auc_score(y_true, sc[:, 1])
        else:
            macro = roc_auc_score(y_true, sc, multi_class="ovr", average="macro", labels=labels)
        params["auc_macro"] = float(macro)
    else:
        params["auc_macro"] = None
    inputs = {"y_true": as_tensor(y_true), "y_pred": as_tensor(y_pred), "scores": as_tensor(sc)}
    return case(name, inputs, outputs, params=params)


def softmax(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def random_case(rng, name, n, k, zero_division, drop_pred=None, drop_true=None, ties=False):
    y_true = rng.integers(0, k, n)
    if drop_true is not None:
        y_true[y_true == drop_true] = (drop_true + 1) % k
    logits = rng.normal(size=(n, k))
    logits[np.arange(n), y_true] += 1.0  # scores that carry some signal
    if ties:
        logits = np.round(logits)
    scores = softmax(logits)
    y_pred = scores.argmax(axis=1)
    flip = rng.random(n) < 0.3
    y_pred[flip] = rng.integers(0, k, flip.sum())
    if drop_pred is not None:
        y_pred[y_pred == drop_pred] = (drop_pred + 1) % k
    return metric_case(name, y_true.tolist(), y_pred.tolist(), scores, k, zero_division)


def fold_case(name, values):
    v = np.asarray(values, dtype=np.float64)
    v32 = as_tensor(v).double().numpy()
    return case(name, {"values": as_tensor(v32)},
                {"mean": as_tensor([v32.mean()]), "sd_ddof0": as_tensor([v32.std(ddof=0)]),
                 "sd_ddof1": as_tensor([v32.std(ddof=1)])})


def main():
    rng = np.random.default_rng(20260229)
    cases = [
        random_case(rng, "six_classes", 60, 6, 0),
        random_case(rng, "binary", 40, 2, 0),
        random_case(rng, "never_predicted_zero0", 50, 4, 0, drop_pred=2),
        random_case(rng, "never_predicted_zero1", 50, 4, 1, drop_pred=2),
        random_case(rng, "absent_from_truth", 45, 5, 0, drop_true=3),
        random_case(rng, "tied_scores", 80, 3, 0, ties=True),
        metric_case("perfect", [0, 1, 2, 2, 1, 0], [0, 1, 2, 2, 1, 0],
                    softmax(np.eye(3)[[0, 1, 2, 2, 1, 0]] * 3.0), 3, 0),
        metric_case("all_wrong_binary", [0, 0, 1, 1], [1, 1, 0, 0],
                    np.array([[0.2, 0.8], [0.4, 0.6], [0.7, 0.3], [0.9, 0.1]]), 2, 0),
        # Appended after the cases above so that their random draws stay the same.
        random_case(rng, "absent_from_truth_zero1", 45, 5, 1, drop_true=3),
        # Class 2 neither occurs nor is predicted: macro F1 over labels 0..<K and over present labels differ.
        random_case(rng, "absent_everywhere_zero0", 40, 4, 0, drop_true=2, drop_pred=2),
        random_case(rng, "absent_everywhere_zero1", 40, 4, 1, drop_true=2, drop_pred=2),
        fold_case("folds_five", [0.7375, 0.7012, 0.7731, 0.7544, 0.7190]),
        fold_case("folds_two", [0.5, 0.75]),
    ]
    write("PRIMADataTests", "metrics", "Scripts/reference/gen_metrics.py", cases)


if __name__ == "__main__":
    main()
