"""Hidden tests for coding.metrics-implementation: roc_auc(y, s) -> float, ties counted as one half."""

import random

import numpy as np

REFERENCE = '''
import numpy as np

def roc_auc(y, s):
    y, s = np.asarray(y, bool), np.asarray(s, float)
    n_pos, n_neg = y.sum(), (~y).sum()
    if n_pos == 0 or n_neg == 0:
        raise ValueError("AUC is undefined with one class")
    ranks = np.empty(len(s))
    ranks[np.argsort(s)] = np.arange(1, len(s) + 1)
    _, inv, cnt = np.unique(s, return_inverse=True, return_counts=True)
    ranks = (np.bincount(inv, weights=ranks) / cnt)[inv]   # average tied ranks
    return (ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
'''

BUGGY = {
    # Ranks without averaging ties: the answer depends on how the sort breaks them.
    "ties-ignored": '''
import numpy as np

def roc_auc(y, s):
    y, s = np.asarray(y, bool), np.asarray(s, float)
    n_pos, n_neg = y.sum(), (~y).sum()
    ranks = np.empty(len(s))
    ranks[np.argsort(s, kind="stable")] = np.arange(1, len(s) + 1)
    return (ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
''',
    # Ranks from 0: every positive is credited one pair too few.
    "zero-based-ranks": '''
import numpy as np

def roc_auc(y, s):
    y, s = np.asarray(y, bool), np.asarray(s, float)
    n_pos, n_neg = y.sum(), (~y).sum()
    if n_pos == 0 or n_neg == 0:
        raise ValueError("AUC is undefined with one class")
    ranks = np.empty(len(s))
    ranks[np.argsort(s)] = np.arange(len(s))
    _, inv, cnt = np.unique(s, return_inverse=True, return_counts=True)
    ranks = (np.bincount(inv, weights=ranks) / cnt)[inv]
    return (ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
''',
    # All pairs in Python: right, but O(P * N).
    "all-pairs-loop": '''
def roc_auc(y, s):
    pos = [b for a, b in zip(y, s) if a]
    neg = [b for a, b in zip(y, s) if not a]
    if not pos or not neg:
        raise ValueError("AUC is undefined with one class")
    good = sum((p > q) + 0.5 * (p == q) for p in pos for q in neg)
    return good / (len(pos) * len(neg))
''',
    # Accuracy at a 0.5 threshold is not AUC.
    "accuracy-at-half": '''
import numpy as np

def roc_auc(y, s):
    y, s = np.asarray(y, bool), np.asarray(s, float)
    return float(np.mean((s >= 0.5) == y))
''',
}


def brute(y, s):
    pos = [b for a, b in zip(y, s) if a]
    neg = [b for a, b in zip(y, s) if not a]
    return sum((p > q) + 0.5 * (p == q) for p in pos for q in neg) / (len(pos) * len(neg))


def test_perfect_ranking(f):
    check("roc_auc([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])", float(f([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])), 1.0)


def test_reversed_ranking(f):
    check("roc_auc([1, 1, 0, 0], [0.1, 0.2, 0.8, 0.9])", float(f([1, 1, 0, 0], [0.1, 0.2, 0.8, 0.9])), 0.0)


def test_textbook_example(f):
    check("roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])", float(f([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])), 0.75)


def test_all_scores_tied(f):
    check("roc_auc([1, 0, 1, 0], [0.5, 0.5, 0.5, 0.5])", float(f([1, 0, 1, 0], [0.5] * 4)), 0.5)


def test_partial_ties(f):
    y, s = [0, 1, 0, 1, 1], [0.2, 0.2, 0.6, 0.6, 0.9]
    check(f"roc_auc({y}, {s})", float(f(y, s)), brute(y, s))


def test_scores_outside_zero_one(f):
    y, s = [0, 1, 0, 1], [-3.0, 2.5, 10.0, 40.0]
    check(f"roc_auc({y}, {s})", float(f(y, s)), brute(y, s))


def test_single_class_raises(f):
    raises("roc_auc([1, 1, 1], [0.2, 0.5, 0.9])", lambda: f([1, 1, 1], [0.2, 0.5, 0.9]), ValueError)


def test_matches_pair_counting_on_rounded_scores(f):
    rng = random.Random(12)
    for _ in range(150):
        n = rng.randint(2, 25)
        y = [rng.randint(0, 1) for _ in range(n)]
        y[0], y[1] = 0, 1
        s = [round(rng.random(), 1) for _ in range(n)]
        check(f"roc_auc({y}, {s})", float(f(y, s)), brute(y, s), tol=1e-9)


def test_numpy_inputs_and_imbalance(f):
    rng = np.random.default_rng(0)
    y = (rng.random(2000) < 0.02).astype(int)
    s = rng.random(2000) + 0.3 * y
    check("roc_auc(<2,000 numpy labels, 2% positive>, scores)", float(f(y, s)), brute(y.tolist(), s.tolist()), tol=1e-9)


def test_scales_to_200k_rows(f):
    """O(n log n): 200,000 rows with 100,000 positives must take well under a second."""
    rng = np.random.default_rng(1)
    y = np.arange(200_000) % 2
    s = np.round(rng.random(200_000) + 0.5 * y, 3)
    got = float(f(y, s))
    check("roc_auc(<200,000 rows>, <rounded scores>) is a probability", got, "a value in (0.5, 1)", ok=0.5 < got < 1.0)
