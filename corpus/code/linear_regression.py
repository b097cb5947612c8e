"""Hidden tests for coding.linear-regression-implementation: fit_gd(X, y, ...) -> weights, intercept first."""

import numpy as np

REFERENCE = '''
import numpy as np

def add_bias(X):
    return np.hstack([np.ones((len(X), 1)), X])

def fit_gd(X, y, lr=0.1, epochs=100, batch=256, l2=0.0, seed=0):
    rng = np.random.default_rng(seed)
    Xb, n = add_bias(X), len(y)
    w = np.zeros(Xb.shape[1])
    for _ in range(epochs):
        for b in np.array_split(rng.permutation(n), max(1, n // batch)):
            err = Xb[b] @ w - y[b]
            grad = 2 * Xb[b].T @ err / len(b) + 2 * l2 * np.r_[0, w[1:]] / n
            w -= lr * grad
    return w
'''

BUGGY = {
    # Gradient ascent: the sign of the update is flipped, so the loss grows without bound.
    "flipped-gradient-sign": '''
import numpy as np

def fit_gd(X, y, lr=0.1, epochs=100, batch=256, l2=0.0, seed=0):
    rng = np.random.default_rng(seed)
    Xb, n = np.hstack([np.ones((len(X), 1)), X]), len(y)
    w = np.zeros(Xb.shape[1])
    for _ in range(epochs):
        for b in np.array_split(rng.permutation(n), max(1, n // batch)):
            grad = 2 * Xb[b].T @ (Xb[b] @ w - y[b]) / len(b) + 2 * l2 * np.r_[0, w[1:]] / n
            w += lr * grad
    return w
''',
    # Sums the gradient over the batch instead of averaging: the step is 256 times too large and diverges.
    "gradient-not-averaged": '''
import numpy as np

def fit_gd(X, y, lr=0.1, epochs=100, batch=256, l2=0.0, seed=0):
    rng = np.random.default_rng(seed)
    Xb, n = np.hstack([np.ones((len(X), 1)), X]), len(y)
    w = np.zeros(Xb.shape[1])
    for _ in range(epochs):
        for b in np.array_split(rng.permutation(n), max(1, n // batch)):
            grad = 2 * Xb[b].T @ (Xb[b] @ w - y[b]) + 2 * l2 * np.r_[0, w[1:]]
            w -= lr * grad
    return w
''',
    # No bias column: the line is forced through the origin and the intercept is reported as 0.
    "no-intercept": '''
import numpy as np

def fit_gd(X, y, lr=0.1, epochs=100, batch=256, l2=0.0, seed=0):
    rng = np.random.default_rng(seed)
    X, n = np.asarray(X, float), len(y)
    w = np.zeros(X.shape[1])
    for _ in range(epochs):
        for b in np.array_split(rng.permutation(n), max(1, n // batch)):
            grad = 2 * X[b].T @ (X[b] @ w - y[b]) / len(b) + 2 * l2 * w / n
            w -= lr * grad
    return np.r_[0.0, w]
''',
    # Penalizes the intercept too: ridge shrinks the mean of y toward zero.
    "penalizes-intercept": '''
import numpy as np

def fit_gd(X, y, lr=0.1, epochs=100, batch=256, l2=0.0, seed=0):
    rng = np.random.default_rng(seed)
    Xb, n = np.hstack([np.ones((len(X), 1)), X]), len(y)
    w = np.zeros(Xb.shape[1])
    for _ in range(epochs):
        for b in np.array_split(rng.permutation(n), max(1, n // batch)):
            grad = 2 * Xb[b].T @ (Xb[b] @ w - y[b]) / len(b) + 2 * l2 * w / n
            w -= lr * grad
    return w
''',
}


def _data(seed, n=1000, d=4, noise=0.0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    w = rng.normal(size=d)
    y = 1.5 + X @ w + noise * rng.normal(size=n)
    return X, y


def _closed_form(X, y, l2=0.0):
    Xb = np.hstack([np.ones((len(X), 1)), X])
    A = Xb.T @ Xb + l2 * np.diag([0.0] + [1.0] * X.shape[1])
    return np.linalg.solve(A, Xb.T @ y)


def _finite(w):
    return bool(np.all(np.isfinite(np.asarray(w, float))))


def test_line_through_two_parameters(f):
    x = np.linspace(-1.5, 1.5, 200)[:, None]
    w = f(x, 3.0 + 2.0 * x[:, 0], lr=0.1, epochs=300)
    check("fit_gd(x, 3 + 2x, lr=0.1, epochs=300)", np.asarray(w, float), [3.0, 2.0], tol=1e-3)


def test_matches_least_squares_without_noise(f):
    X, y = _data(0)
    w = f(X, y, lr=0.1, epochs=150)
    check("fit_gd(<1,000 x 4 standardized, exact linear y>, lr=0.1, epochs=150)", np.asarray(w, float), _closed_form(X, y), tol=1e-3)


def test_close_to_least_squares_with_noise(f):
    X, y = _data(1, noise=0.5)
    w = np.asarray(f(X, y, lr=0.05, epochs=150), float)
    target = _closed_form(X, y)
    ok = _finite(w) and np.abs(w - target).max() < 0.05
    check("fit_gd(<1,000 x 4 with noise 0.5>, lr=0.05, epochs=150)", w, np.round(target, 3).tolist(), ok=ok)


def test_ridge_matches_closed_form_full_batch(f):
    X, y = _data(2, n=400)
    w = f(X, y, lr=0.1, epochs=600, batch=400, l2=100.0)
    check("fit_gd(<400 x 4>, l2=100, batch=400, epochs=600) vs (X^T X + 100 I') w = X^T y", np.asarray(w, float), _closed_form(X, y, 100.0), tol=1e-4)


def test_constant_target_gives_the_mean(f):
    X = np.zeros((50, 2))
    w = f(X, np.full(50, 4.0), lr=0.1, epochs=200)
    check("fit_gd(<all-zero features>, y = 4 everywhere)", np.asarray(w, float), [4.0, 0.0, 0.0], tol=1e-4)


def test_size_not_a_multiple_of_batch(f):
    X, y = _data(3, n=300, d=2)
    w = f(X, y, lr=0.1, epochs=200, batch=128)
    check("fit_gd(<300 rows>, batch=128, epochs=200)", np.asarray(w, float), _closed_form(X, y), tol=1e-3)
