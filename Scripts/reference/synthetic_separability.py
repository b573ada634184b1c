"""How well photos, metadata and both separate the classes of a synthetic dataset (scikit-learn).

Not a fixture generator: it measures the design of PRIMAData's synthetic look-alikes, whose numbers
Documentation/SyntheticData.md reports. Write a dataset with the Swift tool, then run this on it:

    swift run -c release prima-synthetic-data pad /tmp/syn-pad          # 2,298 photos, seed 0
    swift run -c release prima-synthetic-data aqua /tmp/syn-aqua        # 400 patients, seed 0
    /path/to/python Scripts/reference/synthetic_separability.py pad /tmp/syn-pad
    /path/to/python Scripts/reference/synthetic_separability.py aqua /tmp/syn-aqua

One sample per lesion (PAD-UFES-20, its first photo) or per patient (AQUA, its first, diffuse-light photo),
as the harness uses them. Three feature sets, each into a standardised, class-balanced logistic regression
scored by macro F1 over five patient-disjoint stratified folds (mean and SD over the folds, numpy's ddof 0),
and the per-fold paired differences of "both" against each part:
  image     colour and texture statistics of the photo resized to 32 x 32: per channel the mean and SD of
            the centre, the mean of the border, an 8-bin histogram; the mean absolute gradient of the centre
            and of the whole photo; the brightness of the centre's inner disc minus its ring;
  metadata  the metadata columns: numbers (missing -> training mean, plus a missing flag), yes/no answers
            as +1/-1 (0 when unknown), categories one-hot;
  both      the two side by side.
"""
import csv
import json
import sys
from pathlib import Path

import numpy as np
import sklearn
from PIL import Image
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

PAD_CLASSES = ["ACK", "BCC", "MEL", "NEV", "SCC", "SEK"]
PAD_NUMBERS = ["age", "fitspatrick", "diameter_1", "diameter_2"]
PAD_ANSWERS = ["smoke", "drink", "pesticide", "skin_cancer_history", "cancer_history", "has_piped_water",
               "has_sewage_system", "itch", "grew", "hurt", "changed", "bleed", "elevation"]
PAD_CATEGORIES = ["gender", "region", "background_father", "background_mother"]
AQUA_NUMBERS = ["age", "symptom_days", "ulcer_size_mm"]
AQUA_ANSWERS = ["contact_lens", "ocular_trauma", "plant_trauma", "agricultural_work", "topical_steroids",
                "diabetes", "hypopyon"]
AQUA_CATEGORIES = ["gender"]


def image_features(path):
    rgb = np.asarray(Image.open(path).convert("RGB").resize((32, 32), Image.BILINEAR), dtype=np.float64) / 255
    centre = rgb[8:24, 8:24]
    border = np.concatenate([rgb[:8].reshape(-1, 3), rgb[24:].reshape(-1, 3), rgb[8:24, :8].reshape(-1, 3),
                             rgb[8:24, 24:].reshape(-1, 3)])
    out = []
    for c in range(3):
        out += [centre[..., c].mean(), centre[..., c].std(), border[:, c].mean()]
        out += list(np.histogram(rgb[..., c], bins=8, range=(0, 1))[0] / rgb[..., c].size)
    grey = rgb.mean(axis=2)
    gradient = np.abs(np.diff(grey, axis=0))[:, :-1] + np.abs(np.diff(grey, axis=1))[:-1, :]
    out += [gradient[8:24, 8:24].mean(), gradient.mean()]
    y, x = np.mgrid[0:32, 0:32]
    r = np.hypot(y - 15.5, x - 15.5)
    out += [grey[r < 4].mean() - grey[(r >= 5) & (r < 9)].mean()]
    return out


def metadata_features(rows, numbers, answers, categories):
    columns = []
    for name in numbers:
        values = np.array([float(r[name]) if r[name] not in ("", "UNK") else np.nan for r in rows])
        columns += [values, np.isnan(values).astype(float)]
    for name in answers:
        columns.append(np.array([{"True": 1.0, "False": -1.0}.get(r[name], 0.0) for r in rows]))
    for name in categories:
        cells = [r[name].replace("BRASIL", "BRAZIL") for r in rows]
        for value in sorted(set(cells)):
            columns.append(np.array([float(c == value) for c in cells]))
    return np.stack(columns, axis=1)


def load_pad(root):
    with open(root / "metadata.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    first = {}
    for r in rows:
        first.setdefault(r["lesion_id"], r)
    lesions = list(first.values())
    folders = ["imgs_part_1", "imgs_part_2", "imgs_part_3"]

    def photo(name):
        return next(root / d / name for d in folders if (root / d / name).exists())

    images = np.array([image_features(photo(r["img_id"])) for r in lesions])
    meta = metadata_features(lesions, PAD_NUMBERS, PAD_ANSWERS, PAD_CATEGORIES)
    labels = np.array([PAD_CLASSES.index(r["diagnostic"]) for r in lesions])
    groups = np.array([r["patient_id"] for r in lesions])
    return images, meta, labels, groups, PAD_CLASSES


def load_aqua(root):
    with open(root / "metadata.csv", newline="") as f:
        patients = list(csv.DictReader(f))
    with open(root / "manifest.csv", newline="") as f:
        manifest = list(csv.DictReader(f))
    classes = json.loads((root / "schema.json").read_text())["label"]["classes"]
    first, label = {}, {}
    for m in manifest:
        first.setdefault(m["patient_id"], m["image_path"])
        label[m["patient_id"]] = classes.index(m["label"])
    images = np.array([image_features(root / first[p["patient_id"]]) for p in patients])
    meta = metadata_features(patients, AQUA_NUMBERS, AQUA_ANSWERS, AQUA_CATEGORIES)
    labels = np.array([label[p["patient_id"]] for p in patients])
    groups = np.array([p["patient_id"] for p in patients])
    return images, meta, labels, groups, classes


def fold_macro_f1(x, y, groups, k):
    """Macro F1 of each of the five folds (the same folds for every feature set, so they pair up)."""
    scores = []
    for train, test in StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=0).split(x, y, groups):
        mean = np.nanmean(x[train], axis=0)
        x_train, x_test = np.where(np.isnan(x[train]), mean, x[train]), np.where(np.isnan(x[test]), mean, x[test])
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000, class_weight="balanced"))
        model.fit(x_train, y[train])
        scores.append(f1_score(y[test], model.predict(x_test), labels=list(range(k)), average="macro", zero_division=0))
    return 100 * np.array(scores)


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("pad", "aqua"):
        sys.exit("usage: synthetic_separability.py pad|aqua DATASET_FOLDER")
    images, meta, labels, groups, classes = (load_pad if sys.argv[1] == "pad" else load_aqua)(Path(sys.argv[2]))
    counts = np.bincount(labels, minlength=len(classes))
    print(f"{len(labels)} samples, {len(set(groups))} patients; per class: "
          + ", ".join(f"{c} {n}" for c, n in zip(classes, counts)))
    print(f"logistic regression, 5 patient-disjoint folds (scikit-learn {sklearn.__version__}, numpy {np.__version__})")
    folds = {}
    for name, x in [("image", images), ("metadata", meta), ("both", np.concatenate([images, meta], axis=1))]:
        folds[name] = fold_macro_f1(x, labels, groups, len(classes))
        print(f"  {name:9s} macro F1 {folds[name].mean():5.1f} ({folds[name].std():.1f})")
    for other in ("image", "metadata"):
        difference = folds["both"] - folds[other]
        print(f"  both - {other:8s} per fold: mean {difference.mean():+5.1f}, SD {difference.std():.1f}")


if __name__ == "__main__":
    main()
