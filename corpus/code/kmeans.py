"""Hidden tests for coding.k-means-implementation: kmeans(X, k, iters=100, tol=1e-6, seed=0) -> (centroids, labels)."""

import numpy as np

REFERENCE = '''
import numpy as np

def kmeans(X, k, iters=100, tol=1e-6, seed=0):
    rng = np.random.default_rng(seed)
    X = np.asarray(X, float); n = len(X)
    if not 1 <= k <= n:
        raise ValueError("need 1 <= k <= n")
    C = X[[rng.integers(n)]]                      # k-means++ seeding
    while len(C) < k:
        d2 = ((X[:, None] - C[None]) ** 2).sum(-1).min(1)
        p = d2 / d2.sum() if d2.sum() > 0 else None
        C = np.vstack([C, X[rng.choice(n, p=p)]])
    for _ in range(iters):
        labels = nearest(X, C)
        new = np.array([X[labels == j].mean(0) if np.any(labels == j)
                        else C[j] for j in range(k)])
        empty = [j for j in range(k) if not np.any(labels == j)]
        if empty:                                 # distinct worst-fit points
            worst = np.argsort(((X - new[labels]) ** 2).sum(1))[::-1]
            new[empty] = X[worst[:len(empty)]]
        shift, C = np.abs(new - C).max(), new
        if shift < tol:
            break
    return C, nearest(X, C)                       # labels match C, even if iters = 0

def nearest(X, C):
    # ||x-c||^2 = ||x||^2 - 2 x.c + ||c||^2, one matmul
    d2 = (X**2).sum(1)[:, None] - 2 * X @ C.T + (C**2).sum(1)
    return d2.argmin(1)
'''

BUGGY = {
    # The mean of an empty cluster is NaN, and the NaN centroid then poisons everything.
    "empty-cluster-nan": '''
import numpy as np

def kmeans(X, k, iters=100, tol=1e-6, seed=0):
    rng = np.random.default_rng(seed)
    X = np.asarray(X, float)
    C = X[rng.choice(len(X), k, replace=False)]
    labels = np.zeros(len(X), int)
    for _ in range(iters):
        d2 = ((X[:, None] - C[None]) ** 2).sum(-1)
        labels = d2.argmin(1)
        new = np.array([X[labels == j].mean(0) for j in range(k)])
        if np.abs(new - C).max() < tol:
            C = new
            break
        C = new
    return C, labels
''',
    # labels is only assigned inside the loop: iters = 0 raises UnboundLocalError.
    "labels-undefined-when-no-iterations": '''
import numpy as np

def kmeans(X, k, iters=100, tol=1e-6, seed=0):
    rng = np.random.default_rng(seed)
    X = np.asarray(X, float)
    C = X[rng.choice(len(X), k, replace=False)]
    for _ in range(iters):
        d2 = ((X[:, None] - C[None]) ** 2).sum(-1)
        labels = d2.argmin(1)
        new = np.array([X[labels == j].mean(0) if np.any(labels == j) else C[j] for j in range(k)])
        shift, C = np.abs(new - C).max(), new
        if shift < tol:
            break
    return C, labels
''',
    # argmin over the wrong axis: picks, for each centroid, its nearest point.
    "argmin-wrong-axis": '''
import numpy as np

def kmeans(X, k, iters=100, tol=1e-6, seed=0):
    rng = np.random.default_rng(seed)
    X = np.asarray(X, float)
    C = X[rng.choice(len(X), k, replace=False)]
    labels = np.zeros(len(X), int)
    for _ in range(iters):
        d2 = ((X[:, None] - C[None]) ** 2).sum(-1)
        near = d2.argmin(0)
        labels = np.zeros(len(X), int)
        labels[near] = np.arange(k)
        new = np.array([X[labels == j].mean(0) if np.any(labels == j) else C[j] for j in range(k)])
        shift, C = np.abs(new - C).max(), new
        if shift < tol:
            break
    return C, labels
''',
}


def _blobs(seed=0, per=30):
    rng = np.random.default_rng(seed)
    centers = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    X = np.vstack([c + rng.normal(0, 0.5, (per, 2)) for c in centers])
    return X, np.repeat(np.arange(3), per)


def _same_partition(a, b):
    pairs = set(zip(np.asarray(a).tolist(), np.asarray(b).tolist()))
    return len(pairs) == len(set(np.asarray(a).tolist())) == len(set(np.asarray(b).tolist()))


def test_recovers_separated_blobs(f):
    X, truth = _blobs()
    C, labels = f(X, 3)
    check("kmeans(<three blobs 10 apart>, 3): clusters", np.asarray(labels)[::30], "the three blobs", ok=_same_partition(labels, truth))


def test_centroids_are_cluster_means(f):
    X, _ = _blobs(1)
    C, labels = (np.asarray(v) for v in f(X, 3))
    means = np.array([X[labels == j].mean(0) for j in range(3)])
    check("kmeans(<three blobs>, 3): each centroid is the mean of its points", C, means, tol=1e-4)


def test_labels_are_nearest_centroid(f):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(200, 3))
    C, labels = (np.asarray(v) for v in f(X, 5))
    nearest = ((X[:, None] - C[None]) ** 2).sum(-1).argmin(1)
    check("kmeans(<200 random points>, 5): labels", labels, nearest)


def test_one_cluster_is_the_mean(f):
    X = np.array([[0.0, 0.0], [2.0, 0.0], [4.0, 6.0]])
    C, labels = f(X, 1)
    check("kmeans([[0, 0], [2, 0], [4, 6]], 1)", (np.asarray(C).reshape(-1).tolist(), np.asarray(labels).tolist()), ([2.0, 2.0], [0, 0, 0]))


def test_k_equals_n(f):
    X = np.array([[0.0], [1.0], [5.0], [9.0]])
    C, labels = (np.asarray(v) for v in f(X, 4))
    ok = sorted(C.reshape(-1).tolist()) == [0.0, 1.0, 5.0, 9.0] and len(set(labels.tolist())) == 4
    check("kmeans([[0], [1], [5], [9]], 4)", C.reshape(-1), "every point its own centroid", ok=ok)


def test_duplicates_and_empty_clusters_give_no_nan(f):
    X = np.array([[1.0, 1.0]] * 10 + [[5.0, 5.0]] * 10)
    C, labels = (np.asarray(v) for v in f(X, 3))
    ok = C.shape == (3, 2) and not np.isnan(C).any() and set(labels.tolist()) <= {0, 1, 2}
    inertia = ((X - C[labels]) ** 2).sum() if ok else float("nan")
    check("kmeans(<10 copies of [1, 1] and 10 of [5, 5]>, 3)", C, "3 finite centroids, within-cluster sum of squares 0", ok=ok and inertia < 1e-9)


def test_zero_iterations_still_labels(f):
    X, _ = _blobs(3)
    C, labels = (np.asarray(v) for v in f(X, 3, iters=0))
    nearest = ((X[:, None] - C[None]) ** 2).sum(-1).argmin(1)
    check("kmeans(<three blobs>, 3, iters=0): labels of the initial centroids", labels, nearest)


def test_deterministic_for_a_seed(f):
    X, _ = _blobs(4)
    a, b = f(X, 3, seed=7), f(X, 3, seed=7)
    check("kmeans(X, 3, seed=7) twice", np.asarray(a[0]), np.asarray(b[0]))
