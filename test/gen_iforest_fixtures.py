#!/usr/bin/python3
"""Reference fixtures for the isolation forest (test/fixtures/iforest/).

Writes small seeded labelled datasets (inliers from gaussian blobs, outliers
from other distributions) and the ROC AUC that scikit-learn's IsolationForest
reaches on each, so that the unit tests can check that our forest separates the
same data as well as sklearn's (|AUC difference| <= 0.02) without Python.

sklearn's AUC depends on its random_state, so the reference is the mean over
N_SEEDS random states (the spread is written too); the unit test averages our
forest over the same number of seeds. Each data file also holds, per row,
sklearn's score s(x, n) (-score_samples) averaged over the same forests, for a
row-by-row comparison of the scores themselves.

Run with Debian's Python (scikit-learn 1.2.1):
    /usr/bin/python3 test/gen_iforest_fixtures.py
"""
import csv
import os

import numpy as np
import sklearn
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "iforest")
N_SEEDS = 10
N_TREES = 100
SAMPLE_SIZE = 256


def blobs(rng, n, centers, scale):
    centers = np.asarray(centers, dtype=float)
    which = rng.integers(0, len(centers), size=n)
    return centers[which] + rng.normal(0.0, scale, size=(n, centers.shape[1]))


def uniform_box(rng, n, lo, hi, d):
    return rng.uniform(lo, hi, size=(n, d))


def dataset_blobs_2d(rng):
    inl = blobs(rng, 300, [[0, 0], [5, 5]], 1.0)
    out = uniform_box(rng, 15, -6, 11, 2)
    return inl, out


def dataset_blobs_4d(rng):
    inl = blobs(rng, 400, [[0, 0, 0, 0], [4, 4, 0, 0], [0, 4, 4, 4]], 0.8)
    out = uniform_box(rng, 20, -2.5, 6.5, 4)
    return inl, out


def dataset_blob_6d(rng):
    inl = blobs(rng, 300, [[0] * 6], 1.0)
    out = uniform_box(rng, 15, -3, 3, 6)
    return inl, out


def dataset_cac_ltv(rng):
    # Daily (CAC, LTV): LTV moves with CAC; anomalies are days where one of the
    # two jumps while the other does not (each value alone is still plausible).
    cac = rng.normal(40.0, 4.0, size=360)
    ltv = 3.0 * cac + rng.normal(0.0, 4.0, size=360)
    inl = np.column_stack([cac, ltv])
    k = 18
    cac_o = rng.normal(40.0, 4.0, size=k)
    ltv_o = 3.0 * cac_o + rng.choice([-1.0, 1.0], size=k) * rng.uniform(8.0, 20.0, size=k)
    out = np.column_stack([cac_o, ltv_o])
    return inl, out


def dataset_counts_3d(rng):
    # Integer counts with many ties and a constant third feature: exercises
    # duplicated rows and features that cannot be split.
    a = rng.poisson(20, size=300)
    b = rng.poisson(5, size=300)
    inl = np.column_stack([a, b, np.full(300, 7.0)]).astype(float)
    out = np.column_stack([rng.poisson(28, size=12), rng.poisson(9, size=12), np.full(12, 7.0)]).astype(float)
    return inl, out


DATASETS = [
    ("blobs_2d", 20261101, dataset_blobs_2d),
    ("blobs_4d", 20261102, dataset_blobs_4d),
    ("blob_6d", 20261103, dataset_blob_6d),
    ("cac_ltv_2d", 20261104, dataset_cac_ltv),
    ("counts_3d", 20261105, dataset_counts_3d),
]


def main():
    os.makedirs(OUT, exist_ok=True)
    summary = []
    for name, seed, make in DATASETS:
        rng = np.random.default_rng(seed)
        inl, out = make(rng)
        x = np.vstack([inl, out])
        y = np.concatenate([np.zeros(len(inl), dtype=int), np.ones(len(out), dtype=int)])
        order = rng.permutation(len(x))
        x, y = x[order], y[order]
        aucs = []
        score_sum = np.zeros(len(x))
        for rs in range(N_SEEDS):
            model = IsolationForest(n_estimators=N_TREES, max_samples=min(SAMPLE_SIZE, len(x)),
                                    random_state=rs).fit(x)
            score = -model.score_samples(x)  # the paper's s(x, n)
            score_sum += score
            aucs.append(roc_auc_score(y, score))
        with open(os.path.join(OUT, name + ".csv"), "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["label", "sklearn_score"] + ["x%d" % (j + 1) for j in range(x.shape[1])])
            for label, s, row in zip(y, score_sum / N_SEEDS, x):
                w.writerow([int(label), "%.6f" % s] + [repr(float(v)) for v in row])
        summary.append([name, x.shape[1], len(x), int(y.sum()), N_TREES, SAMPLE_SIZE, N_SEEDS,
                        "%.6f" % np.mean(aucs), "%.6f" % np.std(aucs), "%.6f" % min(aucs), "%.6f" % max(aucs)])
    with open(os.path.join(OUT, "cases.csv"), "w", newline="") as f:
        f.write("# sklearn %s IsolationForest; written by test/gen_iforest_fixtures.py\n" % sklearn.__version__)
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["name", "n_features", "n_rows", "n_outliers", "n_trees", "sample_size", "n_seeds",
                    "sklearn_auc_mean", "sklearn_auc_sd", "sklearn_auc_min", "sklearn_auc_max"])
        w.writerows(summary)


if __name__ == "__main__":
    main()
