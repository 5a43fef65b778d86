#!/usr/bin/python3
"""Writes the scikit-learn fixtures in testdata/sklearn/ used by classify_test.go.

Run once with Debian's python3-sklearn (1.2.1 when generated):
    cd metrics/testdata && /usr/bin/python3 gen_sklearn.py
Each fixture holds the inputs and scikit-learn's own outputs: the text of
classification_report (byte for byte), its output_dict and confusion_matrix.
"""
import json
import random
import warnings

import sklearn
from sklearn.metrics import classification_report, confusion_matrix

warnings.simplefilter("ignore")  # zero-division warnings are expected


def noisy(rng, gold, labels, err):
    return [rng.choice(labels) if rng.random() < err else g for g in gold]


def case(name, gold, pred, labels=None, digits=2):
    rep = classification_report(gold, pred, labels=labels, digits=digits)
    d = classification_report(gold, pred, labels=labels, digits=digits, output_dict=True)
    cm = confusion_matrix(gold, pred, labels=labels)
    with open("sklearn/%s.json" % name, "w", encoding="utf-8") as f:
        json.dump({"sklearn": sklearn.__version__, "gold": gold, "pred": pred, "labels": labels,
                   "digits": digits, "report": rep, "dict": d, "confusion": cm.tolist()},
                  f, ensure_ascii=False, indent=1)


rng = random.Random(7)
g = [rng.choice(["neg", "pos"]) for _ in range(200)]
case("binary", g, noisy(rng, g, ["neg", "pos"], 0.3))

labs = ["ABBR", "DESC", "ENTY", "HUM", "LOC", "NUM"]
g = [rng.choice(labs) for _ in range(500)]
p = noisy(rng, g, labs[:-1], 0.4)  # NUM is never predicted: precision 0/0
case("trec_like_digits4", g, p, digits=4)

g = [rng.choice(["正面", "负面", "中性", "a_rather_long_label_name"]) for _ in range(123)]
case("unicode_long_digits3", g, noisy(rng, g, ["正面", "负面", "中性"], 0.5), digits=3)

# A listed label that occurs nowhere: every score of it is a zero division.
g = [rng.choice(["a", "b"]) for _ in range(40)]
case("absent_label", g, noisy(rng, g, ["a", "b"], 0.5), labels=["a", "b", "c"])

# Class x entirely wrong (0 precision and recall), and everything right.
# (With no true positive at all, scikit-learn 1.2 prints supports as floats,
# "2.0": a quirk of its bincount fallback that we deliberately do not copy.)
case("x_all_wrong", ["x", "y", "x", "y"], ["y", "x", "y", "y"])
case("perfect_digits0", ["x", "y", "z"], ["x", "y", "z"], digits=0)
