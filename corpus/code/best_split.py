"""Hidden tests for coding.decision-tree-implementation: best_split(X, y) -> (feature, threshold, impurity).

feature and threshold are None when no split lowers the size-weighted Gini impurity; rows with
X[:, feature] <= threshold go left.
"""

import numpy as np

REFERENCE = '''
import numpy as np

def gini(c):
    p = c / c.sum()
    return 1.0 - (p ** 2).sum()

def best_split(X, y):
    n, tot = len(y), np.bincount(y)
    best = (None, None, gini(tot))
    nl = np.arange(1, n)
    for f in range(X.shape[1] if n > 1 else 0):
        o = np.argsort(X[:, f]); xs = X[o, f]
        L = np.cumsum(np.eye(len(tot))[y[o]], axis=0)[:-1]; R = tot - L
        imp = 1 - ((L**2).sum(1) / nl + (R**2).sum(1) / (n - nl)) / n
        imp[xs[1:] == xs[:-1]] = np.inf       # no cut between equal values
        i = imp.argmin()
        if imp[i] < best[2] - 1e-12:
            best = (f, (xs[i] + xs[i + 1]) / 2, imp[i])
    return best
'''

BUGGY = {
    # No guard against cutting between equal values: the reported impurity is for a split that cannot exist.
    "cuts-between-equal-values": '''
import numpy as np

def gini(c):
    p = c / c.sum()
    return 1.0 - (p ** 2).sum()

def best_split(X, y):
    n, tot = len(y), np.bincount(y)
    best = (None, None, gini(tot))
    nl = np.arange(1, n)
    for f in range(X.shape[1] if n > 1 else 0):
        o = np.argsort(X[:, f]); xs = X[o, f]
        L = np.cumsum(np.eye(len(tot))[y[o]], axis=0)[:-1]; R = tot - L
        imp = 1 - ((L**2).sum(1) / nl + (R**2).sum(1) / (n - nl)) / n
        i = imp.argmin()
        if imp[i] < best[2] - 1e-12:
            best = (f, (xs[i] + xs[i + 1]) / 2, imp[i])
    return best
''',
    # Averages the children's impurities without weighting by their sizes: loves splitting off one row.
    "unweighted-children": '''
import numpy as np

def gini(c):
    p = c / c.sum()
    return 1.0 - (p ** 2).sum()

def best_split(X, y):
    n, tot = len(y), np.bincount(y)
    best = (None, None, gini(tot))
    for f in range(X.shape[1]):
        values = np.unique(X[:, f])
        for a, b in zip(values[:-1], values[1:]):
            t = (a + b) / 2
            left = X[:, f] <= t
            imp = (gini(np.bincount(y[left], minlength=len(tot))) + gini(np.bincount(y[~left], minlength=len(tot)))) / 2
            if imp < best[2] - 1e-12:
                best = (f, t, imp)
    return best
''',
    # Scores splits by misclassification rate: blind to many splits that purify the children.
    "misclassification-rate": '''
import numpy as np

def best_split(X, y):
    n = len(y)
    best = (None, None, 1 - np.bincount(y).max() / n)
    for f in range(X.shape[1]):
        values = np.unique(X[:, f])
        for a, b in zip(values[:-1], values[1:]):
            t = (a + b) / 2
            left = X[:, f] <= t
            err = (left.sum() - np.bincount(y[left]).max() + (~left).sum() - np.bincount(y[~left]).max()) / n
            if err < best[2] - 1e-12:
                best = (f, t, err)
    return best
''',
}


def _gini(y):
    if len(y) == 0:
        return 0.0
    p = np.bincount(y) / len(y)
    return 1.0 - (p**2).sum()


def _weighted(X, y, f, t):
    left = X[:, f] <= t
    return (left.sum() * _gini(y[left]) + (~left).sum() * _gini(y[~left])) / len(y)


def _brute_best(X, y):
    best = _gini(y)
    for f in range(X.shape[1]):
        values = np.unique(X[:, f])
        for a, b in zip(values[:-1], values[1:]):
            best = min(best, _weighted(X, y, f, (a + b) / 2))
    return best


def _check_split(f, X, y, shown):
    feature, threshold, impurity = f(X, y)
    target, parent = _brute_best(X, y), _gini(y)
    if target >= parent - 1e-12:
        check(shown, feature, "None (no split lowers the impurity)", ok=feature is None)
        return
    ok = feature is not None and 0 <= int(feature) < X.shape[1]
    if ok:
        left = X[:, int(feature)] <= threshold
        actual = _weighted(X, y, int(feature), threshold)
        ok = 0 < left.sum() < len(y) and abs(actual - target) < 1e-9 and abs(float(impurity) - target) < 1e-9
    check(shown, (feature, threshold, impurity), f"a split with weighted Gini {target:.4f}", ok=ok)


def test_one_clean_split(f):
    X, y = np.array([[1.0], [2.0], [3.0], [4.0]]), np.array([0, 0, 1, 1])
    got = f(X, y)
    check("best_split([[1], [2], [3], [4]], [0, 0, 1, 1])", (got[0], float(got[1]), float(got[2])), (0, 2.5, 0.0))


def test_picks_the_informative_feature(f):
    X = np.array([[5.0, 1.0], [1.0, 2.0], [4.0, 3.0], [2.0, 4.0], [3.0, 5.0], [6.0, 6.0]])
    y = np.array([0, 0, 0, 1, 1, 1])
    _check_split(f, X, y, "best_split(<feature 1 separates the classes, feature 0 is noise>, y)")


def test_pure_node_has_no_split(f):
    feature, threshold, impurity = f(np.array([[1.0], [2.0], [3.0]]), np.array([1, 1, 1]))
    check("best_split([[1], [2], [3]], [1, 1, 1])", (feature, threshold, float(impurity)), (None, None, 0.0))


def test_equal_values_cannot_be_split(f):
    feature, _, _ = f(np.array([[7.0], [7.0], [7.0], [7.0]]), np.array([0, 1, 0, 1]))
    check("best_split([[7], [7], [7], [7]], [0, 1, 0, 1])[0]", feature, None, ok=feature is None)


def test_duplicated_values_split_only_between_distinct_values(f):
    X, y = np.array([[1.0], [1.0], [1.0], [2.0], [2.0], [3.0]]), np.array([0, 0, 1, 1, 1, 1])
    _check_split(f, X, y, "best_split([[1], [1], [1], [2], [2], [3]], [0, 0, 1, 1, 1, 1])")


def test_three_classes(f):
    X = np.array([[0.1], [0.2], [0.3], [1.1], [1.2], [2.1], [2.2], [2.3]])
    y = np.array([0, 0, 0, 1, 1, 2, 2, 2])
    _check_split(f, X, y, f"best_split({X.ravel().tolist()} as a column, {y.tolist()})")


def test_matches_brute_force_with_many_ties(f):
    rng = np.random.default_rng(3)
    for _ in range(120):
        n, d = int(rng.integers(2, 14)), int(rng.integers(1, 4))
        X = rng.integers(0, 4, size=(n, d)).astype(float)
        y = rng.integers(0, int(rng.integers(1, 4)), size=n)
        _check_split(f, X, y, f"best_split(X={X.tolist()}, y={y.tolist()})")
