"""Hidden tests for coding.knn-implementation: KNN(k).fit(X, y).predict(Q) -> array of labels."""

import numpy as np

REFERENCE = '''
import numpy as np

class KNN:
    def __init__(self, k=5):
        self.k = k

    def fit(self, X, y):
        self.X, self.y = np.asarray(X, float), np.asarray(y)
        return self

    def predict(self, Q):
        Q = np.asarray(Q, float)
        d2 = (Q**2).sum(1)[:, None] - 2 * Q @ self.X.T + (self.X**2).sum(1)
        d2 = np.maximum(d2, 0)                          # float round-off
        k = min(self.k, len(self.X))
        idx = np.argpartition(d2, k - 1, axis=1)[:, :k]  # O(n), no full sort
        out = []
        for row, nb in zip(d2, idx):
            labels, inv = np.unique(self.y[nb], return_inverse=True)
            w = 1 / (np.sqrt(row[nb]) + 1e-9)               # distance weights
            out.append(labels[np.bincount(inv, weights=w).argmax()])
        return np.array(out)
'''

BUGGY = {
    # Sorts each column (over queries) instead of each row (over training points).
    "wrong-axis": '''
import numpy as np

class KNN:
    def __init__(self, k=5):
        self.k = k

    def fit(self, X, y):
        self.X, self.y = np.asarray(X, float), np.asarray(y)
        return self

    def predict(self, Q):
        Q = np.asarray(Q, float)
        d = np.sqrt(((Q[:, None, :] - self.X[None, :, :]) ** 2).sum(-1))
        idx = np.argsort(d, axis=0)[: self.k].T
        out = []
        for nb in idx:
            labels, counts = np.unique(self.y[nb % len(self.y)], return_counts=True)
            out.append(labels[counts.argmax()])
        return np.array(out[: len(Q)])
''',
    # Takes the k farthest points: the sort is descending.
    "farthest-neighbors": '''
import numpy as np

class KNN:
    def __init__(self, k=5):
        self.k = k

    def fit(self, X, y):
        self.X, self.y = np.asarray(X, float), np.asarray(y)
        return self

    def predict(self, Q):
        Q = np.asarray(Q, float)
        d = ((Q[:, None, :] - self.X[None, :, :]) ** 2).sum(-1)
        idx = np.argsort(-d, axis=1)[:, : self.k]
        out = []
        for nb in idx:
            labels, counts = np.unique(self.y[nb], return_counts=True)
            out.append(labels[counts.argmax()])
        return np.array(out)
''',
    # Never clamps k to n: argpartition fails when k exceeds the training set.
    "k-not-clamped": '''
import numpy as np

class KNN:
    def __init__(self, k=5):
        self.k = k

    def fit(self, X, y):
        self.X, self.y = np.asarray(X, float), np.asarray(y)
        return self

    def predict(self, Q):
        Q = np.asarray(Q, float)
        d2 = ((Q[:, None, :] - self.X[None, :, :]) ** 2).sum(-1)
        idx = np.argpartition(d2, self.k - 1, axis=1)[:, : self.k]
        out = []
        for nb in idx:
            labels, counts = np.unique(self.y[nb], return_counts=True)
            out.append(labels[counts.argmax()])
        return np.array(out)
''',
}


def _nearest_labels(X, y, Q):
    d = ((Q[:, None, :] - X[None, :, :]) ** 2).sum(-1)
    return y[d.argmin(1)]


def test_one_neighbor_matches_brute_force(f):
    rng = np.random.default_rng(0)
    X, y, Q = rng.normal(size=(60, 3)), rng.integers(0, 3, 60), rng.normal(size=(25, 3))
    got = np.asarray(f(k=1).fit(X, y).predict(Q))
    check("KNN(k=1).fit(<60 random points, 3 classes>).predict(<25 queries>)", got, _nearest_labels(X, y, Q))


def test_one_query_one_dimension(f):
    got = f(k=1).fit([[0.0], [10.0]], [0, 1]).predict([[2.0], [9.0]])
    check("KNN(k=1).fit([[0], [10]], [0, 1]).predict([[2], [9]])", np.asarray(got), [0, 1])


def test_separated_blobs_majority(f):
    rng = np.random.default_rng(1)
    X = np.vstack([rng.normal(0, 1, (30, 2)), rng.normal(8, 1, (30, 2))])
    y = np.r_[np.zeros(30, int), np.ones(30, int)]
    Q = np.array([[0.5, -0.2], [7.5, 8.3], [1.0, 1.0], [9.0, 7.0]])
    got = np.asarray(f(k=5).fit(X, y).predict(Q))
    check("KNN(k=5) on two well-separated blobs, queries near each", got, [0, 1, 0, 1])


def test_k_larger_than_training_set(f):
    got = np.asarray(f(k=10).fit([[0.0], [0.1], [5.0]], [0, 0, 1]).predict([[0.05]]))
    check("KNN(k=10).fit([[0], [0.1], [5]], [0, 0, 1]).predict([[0.05]])", got, [0])


def test_string_labels(f):
    got = np.asarray(f(k=3).fit([[0, 0], [0, 1], [1, 0], [9, 9]], ["cat", "cat", "cat", "dog"]).predict([[0.2, 0.2]]))
    check("KNN(k=3).fit(<three 'cat' points near 0, one 'dog'>).predict([[0.2, 0.2]])", got.tolist(), ["cat"])


def test_more_queries_than_training_points(f):
    X, y = np.array([[0.0, 0.0], [5.0, 5.0]]), np.array([3, 7])
    Q = np.array([[0.1, 0.0], [4.9, 5.2], [0.0, 0.4], [6.0, 6.0], [-1.0, 0.0]])
    got = np.asarray(f(k=1).fit(X, y).predict(Q))
    check("KNN(k=1).fit([[0, 0], [5, 5]], [3, 7]).predict(<5 queries>)", got, [3, 7, 3, 7, 3])


def test_k_three_matches_brute_force_when_votes_are_clear(f):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(80, 4))
    y = (X[:, 0] > 0).astype(int)
    Q = rng.normal(size=(40, 4))
    Q[:, 0] = np.where(Q[:, 0] > 0, Q[:, 0] + 2.5, Q[:, 0] - 2.5)  # far from the boundary: all 3 neighbours agree
    got = np.asarray(f(k=3).fit(X, y).predict(Q))
    check("KNN(k=3) on queries far from the class boundary", got, (Q[:, 0] > 0).astype(int))
