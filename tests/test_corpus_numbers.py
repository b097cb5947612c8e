"""Every checkable number or formula in a reference answer is recomputed here (issue 21).

Each test (a) asserts that the statement is still in the reference answer, as a short exact
substring (whitespace-normalised), so editing the number without re-checking fails the
test, and (b) recomputes it independently (closed form, numpy, or a small seeded
simulation) within a stated tolerance.

The YAML is read directly rather than through load_corpus(), whose rubric-claim checks
take several seconds; only reference answers and facts are needed here.
"""

from __future__ import annotations

import math
import random
import signal
from fractions import Fraction
from functools import lru_cache
from statistics import NormalDist

import numpy as np
import pytest
import yaml

from interviewer.corpus import default_corpus_dir

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
Z = NormalDist()


@lru_cache(maxsize=1)
def _questions() -> dict[str, dict]:
    out: dict[str, dict] = {}
    for path in sorted(default_corpus_dir().glob("*.yaml")):
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader) or {}
        for q in data.get("questions") or ():
            out.setdefault(q["id"], q)
    return out


def _norm(text: str) -> str:
    return " ".join(text.split())


def states(qid: str, *phrases: str) -> None:
    """The reference answer of `qid` still contains every phrase (whitespace-insensitive)."""
    questions = _questions()
    assert qid in questions, f"question {qid} is gone"
    ref = _norm(questions[qid]["reference_answer"])
    for phrase in phrases:
        assert _norm(phrase) in ref, f"{qid}: reference no longer says {phrase!r}; re-check the number"


def fact_says(qid: str, phrase: str) -> None:
    facts = " ".join(f["answer"] for f in _questions()[qid].get("facts") or ())
    assert _norm(phrase) in _norm(facts), f"{qid}: facts no longer say {phrase!r}"


def rel(a: float, b: float) -> float:
    return abs(a - b) / abs(b)


# --------------------------------------------------------------------------- ml-coding


class CountedRand7:
    """A seeded fair die with 7 faces that counts how often it was rolled."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.calls = 0

    def __call__(self) -> int:
        self.calls += 1
        return self.rng.randint(1, 7)


def test_rand10_from_rand7_expects_2_45_calls() -> None:
    states("coding.probability-problems", "2 * 49/40 = 2.45", "(9/49)^r", "4/40 = 1/10")
    assert 2 * Fraction(49, 40) == Fraction(245, 100)
    rand7 = CountedRand7(seed=7)

    def rand10() -> int:
        while True:
            v = (rand7() - 1) * 7 + rand7()
            if v <= 40:
                return (v - 1) % 10 + 1

    n = 20_000
    counts = np.bincount([rand10() for _ in range(n)], minlength=11)[1:]
    assert abs(rand7.calls / n - 2.45) < 0.05
    assert np.all(np.abs(counts / n - 0.1) < 0.01)  # uniform within 1 point
    # P(more than r rounds) = (9/49)^r: 1 - P(accept within r rounds)
    assert 1 - sum(Fraction(40, 49) * Fraction(9, 49) ** i for i in range(3)) == Fraction(9, 49) ** 3


def test_rand10_reusing_rejections_averages_about_2_2_calls_and_bound_is_1_18() -> None:
    states("coding.probability-problems", "average to about 2.2 calls", "log(10)/log(7), about 1.18 calls")
    # Closed form: 2 calls; on reject (9/49) one more call over 63 outcomes keep 60;
    # on reject (3/63) one more over 21 keep 20; on reject (1/21) restart.
    a, b, c = Fraction(9, 49), Fraction(3, 63), Fraction(1, 21)
    expected = (2 + a + a * b) / (1 - a * b * c)
    assert abs(float(expected) - 2.2) < 0.05
    rand7 = CountedRand7(seed=3)

    def rand10() -> int:
        while True:
            v = (rand7() - 1) * 7 + rand7()  # 1..49
            if v <= 40:
                return (v - 1) % 10 + 1
            v = (v - 40 - 1) * 7 + rand7()  # 1..63
            if v <= 60:
                return (v - 1) % 10 + 1
            v = (v - 60 - 1) * 7 + rand7()  # 1..21
            if v <= 20:
                return (v - 1) % 10 + 1

    n = 20_000
    for _ in range(n):
        rand10()
    assert abs(rand7.calls / n - float(expected)) < 0.03
    assert round(math.log(10) / math.log(7), 2) == 1.18


def test_reservoir_sampling_keeps_every_item_with_probability_k_over_n() -> None:
    states("coding.reservoir-sampling", "(k/i) * (i/n) = k/n", "kept with probability k/(i+1) and early items are oversampled")
    n, k, trials = 20, 5, 20_000
    rng = random.Random(11)

    def sample(off_by_one: bool) -> np.ndarray:
        hits = np.zeros(n)
        for _ in range(trials):
            res = []
            for i in range(1, n + 1):
                if i <= k:
                    res.append(i)
                else:
                    j = rng.randint(0, i) if off_by_one else rng.randrange(i)
                    if j < k:
                        res[j] = i
            hits[np.array(res) - 1] += 1
        return hits / trials

    good = sample(False)
    assert np.all(np.abs(good - k / n) < 0.02)
    bad = sample(True)
    assert bad[:k].mean() > k / n + 0.03  # early items oversampled by the randint bug


def test_consistent_hashing_moves_about_10_of_110_keys_and_mod_n_moves_almost_all() -> None:
    states("coding.hash-tables-distributed", "about 10/110 of them when growing from 100 to 110", "remaps almost every key")
    rng = np.random.default_rng(5)
    keys = rng.random(20_000)
    vnodes = 100

    def owner(points: np.ndarray, labels: np.ndarray) -> np.ndarray:
        order = np.argsort(points)
        points, labels = points[order], labels[order]
        idx = np.searchsorted(points, keys) % len(points)
        return labels[idx]

    ring = rng.random(110 * vnodes)
    labels = np.repeat(np.arange(110), vnodes)
    old = owner(ring[: 100 * vnodes], labels[: 100 * vnodes])
    new = owner(ring, labels)
    assert abs(np.mean(old != new) - 10 / 110) < 0.02
    ints = np.arange(100_000)
    assert np.mean(ints % 100 != ints % 110) > 0.85


def test_auc_rank_formula_equals_pairwise_probability() -> None:
    states("coding.metrics-implementation", "n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)")
    rng = np.random.default_rng(0)
    y = rng.random(300) < 0.3
    s = rng.random(300) + 0.3 * y  # distinct scores, no ties
    ranks = np.empty(len(s))
    ranks[np.argsort(s)] = np.arange(1, len(s) + 1)
    n_pos, n_neg = y.sum(), (~y).sum()
    auc = (ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
    pairs = (s[y][:, None] > s[~y][None, :]).mean()
    assert abs(auc - pairs) < 1e-12


def test_wer_can_exceed_100_percent() -> None:
    states("advanced.speech-recognition", "so it can exceed 100%")

    def edit(a: list[str], b: list[str]) -> int:
        prev = list(range(len(b) + 1))
        for i, ca in enumerate(a, 1):
            cur = [i] + [0] * len(b)
            for j, cb in enumerate(b, 1):
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            prev = cur
        return prev[-1]

    ref, hyp = "hello".split(), "oh well hello there".split()
    assert edit(ref, hyp) / len(ref) == 3.0


def test_ridge_shrinks_each_direction_by_s2_over_s2_plus_lambda_and_gd_needs_lr_below_2_over_lambda_max() -> None:
    states("coding.linear-regression-implementation", "s^2 / (s^2 + lambda)", "2 / lambda_max of the loss Hessian, (2/n) X^T X here")
    rng = np.random.default_rng(1)
    X = rng.normal(size=(50, 4)) * [1, 2, 0.5, 3]
    y = rng.normal(size=50)
    lam = 3.0
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    ols = Vt.T @ ((U.T @ y) / s)
    ridge = np.linalg.solve(X.T @ X + lam * np.eye(4), X.T @ y)
    assert np.allclose(Vt @ ridge, (s**2 / (s**2 + lam)) * (Vt @ ols))
    # Mean-squared-error loss (1/n)||Xw - y||^2 has Hessian (2/n) X^T X.
    n = len(y)
    lmax = np.linalg.eigvalsh(2 / n * X.T @ X).max()

    def final_loss(lr: float) -> float:
        w = np.zeros(4)
        for _ in range(300):
            w -= lr * 2 / n * X.T @ (X @ w - y)
        return float(np.mean((X @ w - y) ** 2))

    best = float(np.mean((X @ ols - y) ** 2))
    assert final_loss(1.9 / lmax) < best + 1e-3
    assert final_loss(2.1 / lmax) > 1e3


# --------------------------------------------------------------------------- infra-design


def test_ring_allreduce_sends_2_n_minus_1_over_n_times_m_bytes_per_worker() -> None:
    states("infra.distributed-training", "each take N-1 steps moving M/N bytes", "about 2(N-1)/N * M bytes")
    rng = np.random.default_rng(2)
    for N in (2, 4, 8):
        M = N * 6  # elements, divisible into N chunks
        grads = [rng.normal(size=M) for _ in range(N)]
        buf = [g.reshape(N, -1).copy() for g in grads]
        sent = np.zeros(N)
        for step in range(N - 1):  # reduce-scatter
            msgs = [(w, (w - step) % N, buf[w][(w - step) % N].copy()) for w in range(N)]
            for w, c, data in msgs:
                buf[(w + 1) % N][c] += data
                sent[w] += data.size
        for step in range(N - 1):  # all-gather: worker w owns chunk (w + 1) % N
            msgs = [(w, (w + 1 - step) % N, buf[w][(w + 1 - step) % N].copy()) for w in range(N)]
            for w, c, data in msgs:
                buf[(w + 1) % N][c] = data
                sent[w] += data.size
        total = np.sum(grads, axis=0)
        assert all(np.allclose(b.ravel(), total) for b in buf)
        assert np.allclose(sent, 2 * (N - 1) / N * M)


def test_pipeline_bubble_fraction_is_p_minus_1_over_m_plus_p_minus_1() -> None:
    states("infra.distributed-training", "(p-1)/(m+p-1)")
    for p, m in [(4, 1), (4, 4), (4, 16), (8, 32)]:
        # GPipe forward: stage s runs micro-batch j at time s + j (a stage waits for its input).
        finish = np.zeros((p, m))
        for s in range(p):
            for j in range(m):
                start = max(finish[s - 1, j] if s else 0, finish[s, j - 1] if j else 0)
                finish[s, j] = start + 1
        makespan = finish.max()
        idle = 1 - (p * m) / (p * makespan)
        assert abs(idle - (p - 1) / (m + p - 1)) < 1e-12


def test_checkpoint_interval_sqrt_2_cost_mtbf_minimizes_waste_and_256_gpus_fail_every_day_or_two() -> None:
    states("infra.distributed-training-failures", "sqrt(2 * checkpoint cost * mean time between failures)", "a failure every day or two")
    fact_says("infra.distributed-training-failures", "32 nodes with 8 GPUs each; a node fails about once every 60 days")
    job_mtbf_days = 60 / 32
    assert 1 <= job_mtbf_days <= 2
    C, M = 8.0, job_mtbf_days * 24 * 60  # minutes
    T = np.linspace(10, 2000, 200_000)
    waste = C / T + T / (2 * M)  # checkpoint overhead + expected lost work
    assert rel(T[np.argmin(waste)], math.sqrt(2 * C * M)) < 0.01


def test_mixed_precision_fp16_overflows_above_65504() -> None:
    states("infra.faster-training", "values above 65,504 overflow")
    assert float(np.finfo(np.float16).max) == 65504
    with np.errstate(over="ignore"):
        assert np.isinf(np.float16(65520.0))


def test_batch_norm_folds_into_preceding_layer() -> None:
    states("infra.low-latency-optimization", "s = gamma / sqrt(var + eps)", "W' = W * s and b' = (b - mu) * s + beta")
    rng = np.random.default_rng(4)
    W, b = rng.normal(size=(5, 3)), rng.normal(size=5)
    gamma, beta, mu, var, eps = rng.normal(size=5), rng.normal(size=5), rng.normal(size=5), rng.random(5) + 0.1, 1e-5
    x = rng.normal(size=(7, 3))
    bn = gamma * ((x @ W.T + b) - mu) / np.sqrt(var + eps) + beta
    s = gamma / np.sqrt(var + eps)
    folded = x @ (W * s[:, None]).T + (b - mu) * s + beta
    assert np.allclose(bn, folded)


def test_fanout_tail_40_and_63_percent_and_p99_98_per_backend() -> None:
    states("infra.latency", "about 40% for k = 50 and 63% for k = 100", "0.9998^50 is about 0.99")
    assert abs(1 - 0.99**50 - 0.40) < 0.01
    assert abs(1 - 0.99**100 - 0.63) < 0.01
    assert abs(0.9998**50 - 0.99) < 0.001
    rng = np.random.default_rng(6)
    slow = rng.random((20_000, 50)) < 0.01
    assert abs(slow.any(axis=1).mean() - 0.40) < 0.02


def test_hedging_at_p95_costs_about_5_percent_extra_load() -> None:
    states("infra.latency", "roughly its p95 latency", "It costs about 5% extra load")
    rng = np.random.default_rng(8)
    lat = rng.lognormal(3, 0.5, size=100_000)
    p95 = np.quantile(lat[:50_000], 0.95)
    assert abs(np.mean(lat[50_000:] > p95) - 0.05) < 0.005


def test_queueing_latency_grows_like_1_over_1_minus_rho() -> None:
    states("infra.latency", "Latency grows like 1/(1 - rho)")
    rng = np.random.default_rng(9)
    n, mu = 200_000, 1.0
    for rho in (0.5, 0.8):
        arrivals = rng.exponential(1 / (rho * mu), n)
        service = rng.exponential(1 / mu, n)
        wait, total = 0.0, 0.0
        for a, s in zip(arrivals[1:], service[:-1]):  # Lindley recursion, M/M/1
            wait = max(0.0, wait + s - a)
            total += wait
        sojourn = total / (n - 1) + 1 / mu
        assert rel(sojourn, (1 / mu) / (1 - rho)) < 0.1


def test_high_qps_needs_about_670_replicas_1000_with_zone_loss() -> None:
    states("infra.high-qps", "200,000 QPS needs 200,000 / 300, about 670 replicas", "1.5 times as many, about 1,000", "about 90% utilization during a zone outage")
    fact_says("infra.high-qps", "One replica sustains 500 QPS")
    per_replica = 500 * 0.6
    replicas = 200_000 / per_replica
    assert per_replica == 300 and abs(replicas - 670) < 5
    assert abs(replicas * 3 / 2 - 1000) < 5  # two zones of three must carry the load
    util_two_zones = 200_000 / (replicas * 2 / 3 * 500)
    assert abs(util_two_zones - 0.9) < 0.01


def test_feature_hydration_catalog_is_about_1_6_gb() -> None:
    states("infra.feature-hydration", "A two-million-item catalog with 200 float features is about 1.6 GB")
    assert 2_000_000 * 200 * 4 / 1e9 == pytest.approx(1.6)


# --------------------------------------------------------------------------- ml-fundamentals


def test_adam_bias_correction_and_uncorrected_first_step_is_3_2_lr() -> None:
    states("fundamentals.gradient-descent-optimizers", "E[m_t] = (1 - b1^t) E[g]", "about 0.032 |g|, so the step is about 3.2 lr")
    b1, b2 = 0.9, 0.999
    g = 1.7
    m, v = (1 - b1) * g, (1 - b2) * g**2
    assert abs(math.sqrt(v) / abs(g) - 0.032) < 0.0005
    assert abs(m / math.sqrt(v) - 3.2) < 0.05  # step / lr
    assert m / (1 - b1) / math.sqrt(v / (1 - b2)) == pytest.approx(1.0)  # corrected: exactly lr
    rng = np.random.default_rng(10)
    grads = rng.normal(2.0, 1.0, size=(100_000, 5))
    ms = np.zeros(100_000)
    for t in range(5):
        ms = b1 * ms + (1 - b1) * grads[:, t]
    assert abs(ms.mean() - (1 - b1**5) * 2.0) < 0.01


def test_momentum_effective_step_is_lr_over_1_minus_beta() -> None:
    states("fundamentals.gradient-descent-optimizers", "effective step up to lr / (1 - beta)")
    beta, g, v = 0.9, 1.0, 0.0
    for _ in range(500):
        v = beta * v + g
    assert v == pytest.approx(1 / (1 - beta))


@pytest.mark.parametrize(
    ("qid", "phrase"),
    [
        ("recsys.dataset-collection", "q = p / (p + (1 - p) / w)"),
        ("recsys-ranking.heavy-ranker-training", "q = p / (p + (1 - p) / w)"),
        ("recsys-ranking.calibration", "q = p / (p + (1 - p) / w)"),
        ("fundamentals.label-imbalance", "p = p' / (p' + (1 - p') / w)"),
        ("fundamentals.classification-metrics", "p = r q / (r q + 1 - q)"),
    ],
)
def test_negative_downsampling_correction_recovers_true_rate(qid: str, phrase: str) -> None:
    states(qid, phrase)
    rng = np.random.default_rng(12)
    p_true, w = 0.02, 0.1
    y = rng.random(2_000_000) < p_true
    kept = y | (rng.random(y.size) < w)
    p_sampled = y[kept].mean()
    assert rel(p_sampled / (p_sampled + (1 - p_sampled) / w), p_true) < 0.03
    assert w * p_sampled / (w * p_sampled + 1 - p_sampled) == pytest.approx(p_sampled / (p_sampled + (1 - p_sampled) / w))


def test_downsampling_correction_maps_9_percent_to_about_1_percent() -> None:
    states("recsys-ranking.heavy-ranker-training", "With w = 0.1 a raw 9% becomes about 1%")
    states("recsys-ranking.calibration", "With w = 0.1, p = 0.09 maps to about 0.0098")
    q = 0.09 / (0.09 + 0.91 / 0.1)
    assert abs(q - 0.0098) < 0.00005 and abs(q - 0.01) < 0.001


def test_fraud_accuracy_99_8_percent_and_1_percent_fpr_is_five_false_alarms_per_fraud() -> None:
    states("fundamentals.classification-metrics", "scores 99.8%", "an FPR of 1% already means five false alarms per real fraud", "equal to the prevalence, 0.002")
    prevalence = 0.002
    assert 1 - prevalence == pytest.approx(0.998)
    assert (1 - prevalence) * 0.01 / prevalence == pytest.approx(4.99)
    rng = np.random.default_rng(13)
    y = rng.random(500_000) < prevalence
    ap = _average_precision(y, rng.random(y.size))
    assert abs(ap - prevalence) < 0.0005


def _average_precision(y: np.ndarray, s: np.ndarray) -> float:
    order = np.argsort(-s)
    hits = y[order]
    precision = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    return float(precision[hits].mean())


def test_cost_threshold_flags_when_p_exceeds_cfp_over_cfp_plus_cfn() -> None:
    states("fundamentals.classification-metrics", "flag when p > C_FP / (C_FP + C_FN)")
    c_fp, c_fn = 5.0, 200.0
    p = np.linspace(0, 1, 100_001)
    flag_better = (1 - p) * c_fp < p * c_fn
    assert abs(p[np.argmax(flag_better)] - c_fp / (c_fp + c_fn)) < 1e-4


def test_logistic_weight_0_69_doubles_the_odds_and_sigmoid_facts() -> None:
    states("fundamentals.logistic-regression", "0.69 doubles the odds", "sigma'(z) = sigma(z) (1 - sigma(z))")
    states("fundamentals.activation-functions", "is at most 0.25", "Tanh = 2 s(2z) - 1")
    assert abs(math.exp(0.69) - 2) < 0.01
    z = np.linspace(-10, 10, 100_001)
    sig = 1 / (1 + np.exp(-z))
    deriv = np.gradient(sig, z)
    assert np.allclose(deriv, sig * (1 - sig), atol=1e-6)
    assert deriv.max() == pytest.approx(0.25, abs=1e-6)
    assert np.allclose(np.tanh(z), 2 / (1 + np.exp(-2 * z)) - 1)


def test_logistic_loss_gradient_and_squared_loss_gradient_match_finite_differences() -> None:
    states("fundamentals.logistic-regression-loss", "grad J = (1/n) sum_i (p_i - y_i) x_i = (1/n) X^T (p - y)", "the gradient is 2 (p - y) p (1 - p) x")
    rng = np.random.default_rng(14)
    X, y, w = rng.normal(size=(40, 3)), (rng.random(40) < 0.4).astype(float), rng.normal(size=3)

    def sig(z):
        return 1 / (1 + np.exp(-z))

    def log_loss(w):
        p = sig(X @ w)
        return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))

    def sq_loss(w):
        return np.sum((sig(X[0] @ w) - y[0]) ** 2)

    def numgrad(f, w, h=1e-6):
        return np.array([(f(w + h * e) - f(w - h * e)) / (2 * h) for e in np.eye(len(w))])

    p = sig(X @ w)
    assert np.allclose(numgrad(log_loss, w), X.T @ (p - y) / len(y), atol=1e-7)
    assert np.allclose(numgrad(sq_loss, w), 2 * (p[0] - y[0]) * p[0] * (1 - p[0]) * X[0], atol=1e-7)


def test_l1_soft_thresholding_and_l2_shrinkage_solve_one_dimensional_problems() -> None:
    states("fundamentals.feature-selection-methods", "w = sign(z) * max(|z| - lambda, 0)", "w = z / (1 + lambda)")
    grid = np.linspace(-5, 5, 200_001)
    lam = 0.8
    for z in (-2.0, -0.5, 0.3, 1.7):
        l1 = grid[np.argmin(0.5 * (grid - z) ** 2 + lam * np.abs(grid))]
        l2 = grid[np.argmin(0.5 * (grid - z) ** 2 + lam / 2 * grid**2)]
        assert abs(l1 - np.sign(z) * max(abs(z) - lam, 0)) < 1e-4
        assert abs(l2 - z / (1 + lam)) < 1e-4


@pytest.mark.parametrize("qid", ["fundamentals.tree-ensembles", "fundamentals.boosting-vs-bagging"])
def test_average_of_correlated_models_has_variance_rho_sigma2_plus_rest_over_b(qid: str) -> None:
    states(qid, "rho * sigma^2 + (1 - rho) * sigma^2 / B")
    rng = np.random.default_rng(15)
    B, rho, sigma = 10, 0.3, 2.0
    shared = rng.normal(size=(100_000, 1))
    own = rng.normal(size=(100_000, B))
    models = sigma * (math.sqrt(rho) * shared + math.sqrt(1 - rho) * own)
    expected = rho * sigma**2 + (1 - rho) * sigma**2 / B
    assert rel(models.mean(axis=1).var(), expected) < 0.03


def test_bootstrap_sample_holds_about_63_percent_unique_points() -> None:
    states("fundamentals.boosting-vs-bagging", "each holds about 63% unique points")
    rng = np.random.default_rng(16)
    n = 10_000
    unique = np.mean([len(np.unique(rng.integers(0, n, n))) / n for _ in range(20)])
    assert abs(unique - (1 - 1 / math.e)) < 0.005 and round(unique, 2) == 0.63


def test_adaboost_alpha_minimizes_exponential_loss() -> None:
    states("fundamentals.boosting-vs-bagging", "alpha_t = 0.5 * ln((1 - err_t) / err_t)")
    alphas = np.linspace(-3, 3, 600_001)
    for err in (0.1, 0.3, 0.45):
        loss = (1 - err) * np.exp(-alphas) + err * np.exp(alphas)
        assert abs(alphas[np.argmin(loss)] - 0.5 * math.log((1 - err) / err)) < 1e-4


def test_pinball_loss_optimum_is_cost_ratio_quantile() -> None:
    states("fundamentals.loss-function-types", "max(q r, (q - 1) r)", "q = c_u / (c_u + c_o)")
    rng = np.random.default_rng(17)
    y = rng.gamma(2.0, 10.0, size=20_000)
    c_u, c_o = 3.0, 1.0
    preds = np.linspace(0, 100, 2001)
    cost = [np.mean(c_u * np.maximum(y - t, 0) + c_o * np.maximum(t - y, 0)) for t in preds]
    q = c_u / (c_u + c_o)
    assert abs(preds[int(np.argmin(cost))] - np.quantile(y, q)) < 0.2
    r = y - np.quantile(y, 0.3)
    assert np.allclose(np.maximum(0.3 * r, (0.3 - 1) * r), np.where(r > 0, 0.3 * r, -0.7 * r))


def test_huber_loss_is_continuous_with_continuous_slope_at_delta() -> None:
    states("fundamentals.loss-function-types", "0.5 r^2 when |r| <= delta and delta * (|r| - 0.5 delta) otherwise")
    delta = 1.5

    def huber(r):
        return np.where(np.abs(r) <= delta, 0.5 * r**2, delta * (np.abs(r) - 0.5 * delta))

    r = np.linspace(-5, 5, 100_001)
    slope = np.gradient(huber(r), r)
    assert np.max(np.abs(np.diff(huber(r)))) < 1e-3
    assert np.max(np.abs(np.diff(slope))) < 1e-3


def test_r2_is_one_minus_mse_over_var_and_can_be_negative_mape_asymmetric() -> None:
    states("fundamentals.regression-metrics", "R^2 = 1 - SS_res / SS_tot = 1 - MSE / Var(y)", "It can be negative on test data", "under-prediction is capped at 100%")
    rng = np.random.default_rng(18)
    y = rng.normal(10, 2, size=1000)
    pred = y + rng.normal(0, 1, size=1000)
    r2 = 1 - np.sum((y - pred) ** 2) / np.sum((y - y.mean()) ** 2)
    assert r2 == pytest.approx(1 - np.mean((y - pred) ** 2) / np.var(y))
    bad = np.full_like(y, y.mean() + 5)
    assert 1 - np.mean((y - bad) ** 2) / np.var(y) < 0
    under = np.abs(y - 0) / np.abs(y)  # predicting 0 for positive y
    assert np.allclose(under, 1.0)
    assert np.mean(np.abs(y - 3 * y) / np.abs(y)) == pytest.approx(2.0)


def test_grid_search_is_6561_runs_and_successive_halving_is_48_gpu_hours() -> None:
    states("fundamentals.hyperparameter-tuning", "three values for eight parameters is 6,561 runs", "about 48 GPU-hours for 64 configurations")
    assert 3**8 == 6561
    eta, configs, hours, total = 4, 64, 0.25, 0.0
    while configs >= 1 and hours <= 4:
        total += configs * hours
        assert configs * hours == 16
        configs, hours = configs // eta, hours * eta
    assert total == 48


# --------------------------------------------------------------------------- ml-fundamentals: CNN (corpus/deep-learning.yaml)


def test_conv_layer_weight_count_output_size_and_receptive_field() -> None:
    qid = "fundamentals.cnn-convolutions"
    states(qid, "a 3x3 layer from 64 to 128 channels has 73,728 weights plus 128 biases", "about 150 million weights",
           "two stacked 3x3 convolutions with stride 1 see 5x5, three see 7x7", "with s=2 it becomes 16")
    assert 3 * 3 * 64 * 128 == 73_728
    assert abs(224 * 224 * 3 * 1000 / 1e6 - 150) < 1
    # Receptive field of stacked 3x3 stride-1 convs: track which inputs reach the centre output.
    for layers, size in ((2, 5), (3, 7)):
        x = np.zeros((15, 15))
        x[7, 7] = 1
        for _ in range(layers):
            padded = np.pad(x, 1)
            x = np.sum([padded[i : i + 15, j : j + 15] for i in range(3) for j in range(3)], axis=0)
        rows, cols = np.nonzero(x)
        assert np.ptp(rows) + 1 == size and np.ptp(cols) + 1 == size
    # Output size floor((n + 2p - k) / s) + 1, checked against an actual sliding window.
    for s, out in ((1, 32), (2, 16)):
        padded = np.pad(np.ones((32, 32)), 1)
        positions = len(range(0, padded.shape[0] - 3 + 1, s))
        assert positions == (32 + 2 - 3) // s + 1 == out


# --------------------------------------------------------------------------- system design: sizing arithmetic


def test_music_app_qps_embedding_memory_and_scoring_rate() -> None:
    states("recsys.operating-parameters", "500M / 86,400, roughly 6K QPS", "design for around 20K QPS", "is 512 bytes, so 100M tracks need about 51 GB",
           "Scoring 500 candidates per request at 20K QPS is 10M model evaluations per second")
    avg = 100e6 * 5 / 86_400
    assert abs(avg - 6000) < 300
    assert abs(3 * avg - 20_000) / 20_000 < 0.15
    assert 128 * np.dtype(np.float32).itemsize == 512
    assert abs(100e6 * 512 / 1e9 - 51) < 1
    assert 500 * 20_000 == 10_000_000


def test_brute_force_retrieval_cost_and_pq_index_memory() -> None:
    states("recsys.candidate-scoring-at-scale", "200M * 128, about 2.6e10 multiply-adds", "around 8e14 per second", "shrinking 512 bytes to 32",
           "200M items take about 6.4 GB", "At full precision, about 100 GB")
    per_query = 200e6 * 128
    assert abs(per_query - 2.6e10) / 2.6e10 < 0.02
    assert abs(per_query * 30_000 - 8e14) / 8e14 < 0.05
    assert 128 * 4 == 512 and 128 // 32 == 4  # 32 sub-vectors of 4 dims, one byte each
    assert 200e6 * 32 / 1e9 == pytest.approx(6.4)
    assert abs(200e6 * 512 / 1e9 - 100) < 5


def test_id_embedding_table_is_about_128_gb() -> None:
    states("recsys-ranking.text-or-id-features", "500M items x 64 dims x 4 bytes is about 128 GB")
    assert 500e6 * 64 * 4 / 1e9 == pytest.approx(128)


def test_ranking_serving_is_50_million_scorings_per_second() -> None:
    states("recsys-ranking.model-serving", "50,000 QPS x 1,000 candidates is 50 million scorings per second")
    assert 50_000 * 1_000 == 50_000_000


def test_preranker_budget_is_2_microseconds_per_candidate() -> None:
    states("recsys-ranking.pre-ranking-algorithms", "5,000 candidates in 10 ms leaves about 2 microseconds per ad")
    assert 10e-3 / 5_000 == pytest.approx(2e-6)


def test_hotel_descriptions_are_4_8m_generations_and_about_10b_tokens() -> None:
    states("applied.text-generation", "4.8 million generations, 400,000 hotels times 12 languages", "roughly 10 billion tokens at about 2,000")
    assert 400_000 * 12 == 4_800_000
    assert abs(4_800_000 * 2_000 - 10e9) / 10e9 < 0.05


def test_ab_sample_size_is_16_sigma2_over_delta2_for_alpha_05_power_80() -> None:
    states("recsys-ranking.online-experiments", "n = 16 * sigma^2 / delta^2 for alpha = 0.05 and 80% power")
    factor = 2 * (Z.inv_cdf(0.975) + Z.inv_cdf(0.80)) ** 2
    assert abs(factor - 16) < 0.5  # 15.7
    rng = np.random.default_rng(19)
    sigma, delta = 1.0, 0.2
    n = int(16 * sigma**2 / delta**2)
    a = rng.normal(0, sigma, size=(2000, n)).mean(axis=1)
    b = rng.normal(delta, sigma, size=(2000, n)).mean(axis=1)
    zstat = (b - a) / math.sqrt(2 * sigma**2 / n)
    assert abs(np.mean(np.abs(zstat) > 1.96) - 0.80) < 0.03


def test_sample_ratio_mismatch_50_4_vs_49_6_over_20m_users_has_tiny_p_value() -> None:
    states("recsys-ranking.experiment-considerations", "a planned 50/50 split over 20 million users lands at 50.4/49.6, a chi-square test gives a tiny p-value")
    n = 20_000_000
    obs = np.array([0.504 * n, 0.496 * n])
    chi2 = float(np.sum((obs - n / 2) ** 2 / (n / 2)))
    p = 2 * (1 - Z.cdf(math.sqrt(chi2)))  # chi-square with 1 dof
    assert chi2 == pytest.approx(1280) and p < 1e-100


def test_past_project_misroute_drop_has_ci_17_5_to_18_5_points() -> None:
    states("phone.past-project-walkthrough", "misroutes fell from 25% to 7%", "About 80,000 tickets went through the test, half in each arm",
           "95% confidence interval of roughly 17.5 to 18.5 points")
    n = 40_000
    se = math.sqrt(0.25 * 0.75 / n + 0.07 * 0.93 / n)
    lo, hi = 0.18 - 1.96 * se, 0.18 + 1.96 * se
    assert abs(lo - 0.175) < 0.001 and abs(hi - 0.185) < 0.001


def test_fake_negatives_observed_rate_is_p_over_1_plus_p_and_inverts() -> None:
    states("advanced.delayed-labels", "b = p / (1 + p)", "p = b / (1 - b)")
    rng = np.random.default_rng(20)
    p = 0.05
    converted = rng.random(1_000_000) < p
    b = converted.sum() / (converted.size + converted.sum())  # every click a negative, plus a positive copy
    assert rel(b, p / (1 + p)) < 0.02
    assert rel(b / (1 - b), p) < 0.02


def test_constant_elasticity_optimal_price_is_2c_at_elasticity_minus_2() -> None:
    states("advanced.pricing-models", "p* = c * e / (1 + e) for e < -1, so e = -2 gives p* = 2c")
    c = 3.0
    prices = np.linspace(c, 20 * c, 400_001)
    for e in (-2.0, -3.0, -1.5):
        best = prices[np.argmax((prices - c) * prices**e)]
        assert rel(best, c * e / (1 + e)) < 1e-3
    assert c * -2 / (1 - 2) == 2 * c


def test_quantile_intervals_p5_p95_hold_90_and_p10_p90_hold_80_percent() -> None:
    states("arch.logistics-eta-prediction", "the P5 and P95 of the arrival time, which bound a 90% window")
    states("applied.regression-model", "P10 to P90 is an 80% interval, not a 90% one")
    rng = np.random.default_rng(21)
    train, test = rng.lognormal(3, 0.6, 50_000), rng.lognormal(3, 0.6, 50_000)
    for lo, hi, cover in ((0.05, 0.95, 0.90), (0.10, 0.90, 0.80)):
        a, b = np.quantile(train, [lo, hi])
        assert abs(np.mean((test >= a) & (test <= b)) - cover) < 0.01


def test_ndcg_formula_is_one_for_ideal_order_and_in_unit_interval() -> None:
    states("recsys-ranking.ranking-metrics", "DCG@k = sum over positions i of (2^rel_i - 1) / log2(i + 1)", "so it lies in [0, 1]")
    rng = np.random.default_rng(22)

    def dcg(rels: np.ndarray) -> float:
        return float(np.sum((2.0**rels - 1) / np.log2(np.arange(1, len(rels) + 1) + 1)))

    rels = np.array([3, 2, 3, 0, 1, 2])
    ideal = dcg(np.sort(rels)[::-1])
    assert dcg(np.sort(rels)[::-1]) / ideal == 1.0
    assert dcg(rels) / ideal == pytest.approx((7 + 3 / np.log2(3) + 7 / 2 + 0 + 1 / np.log2(6) + 3 / np.log2(7)) / ideal)
    for _ in range(200):
        assert 0 <= dcg(rng.permutation(rels)) / ideal <= 1 + 1e-12


def test_invoice_failure_puts_weekly_misroutes_over_the_5_percent_sla() -> None:
    states("nontech.disagree-with-manager", "15% of their volume", "error rate is 30% versus 4% elsewhere", "their SLA penalties apply")
    fact_says("nontech.disagree-with-manager", "more than 5% of weekly documents are misrouted")
    overall = 0.15 * 0.30 + 0.85 * 0.04
    assert overall == pytest.approx(0.079) and overall > 0.05


# --------------------------------------------------------------------------- systems engineering


def test_exit_code_137_is_128_plus_sigkill() -> None:
    states("syseng.oom-kill", "Exit code 137 is 128 + 9")
    assert 128 + int(signal.SIGKILL) == 137


def test_48_bit_address_space_is_256_tb_and_page_tables_cost_8_bytes_per_4kb() -> None:
    states("syseng.virtual-memory", "48-bit on x86-64: 256 TB of addresses, the lower 128 TB for user space", "about 8 bytes per mapped 4 KB page")
    assert 2**48 == 256 * 2**40 and 2**47 == 128 * 2**40
    assert 8 / 4096 < 0.002  # page-table entries are 64-bit


def test_list_membership_loop_is_10_13_to_10_14_comparisons() -> None:
    states("phone.complexity-common-ops", "about 10^13 to 10^14 comparisons for 10 million IDs")
    n = 10_000_000
    assert 1e13 <= n * n / 4 and n * n <= 1e14  # average scan ~n/2 over n lookups, bounded by n^2


def test_lost_update_grants_200_hours_deducts_100_and_atomic_update_ends_at_minus_50() -> None:
    states("syseng.transactions-isolation", "both workers read 150 and pass the check", "both write 50: a lost update, 200 hours granted but only 100 deducted", "ends at -50")
    balance = 150
    reads = [balance, balance]
    granted = sum(100 for r in reads if r >= 100)
    for r in reads:
        balance = r - 100  # application computes and writes the value
    assert (granted, 150 - balance, balance) == (200, 100, 50)
    balance = 150
    for _ in reads:
        balance -= 100  # SET x = x - 100, serialized by the row lock
    assert balance == -50


def test_btree_with_hundreds_of_keys_per_page_needs_3_to_5_levels_for_billions_of_rows() -> None:
    states("syseng.database-indexes", "hundreds of keys per page, so even billions of rows need only 3 to 5 levels")
    for fanout in (200, 300, 500):
        for rows in (1e9, 2e9, 1e10):
            assert 3 <= math.ceil(math.log(rows, fanout)) <= 5


def test_set_of_10_million_python_ints_takes_several_hundred_mb() -> None:
    import sys

    states("phone.complexity-common-ops", "A set of 10 million Python ints takes several hundred MB")
    small = 1_000_000
    table = sys.getsizeof(set(range(10**9, 10**9 + small))) * 10  # hash table grows ~linearly
    ints = 10 * small * sys.getsizeof(10**9)
    assert 200e6 < table + ints < 1.5e9


def test_sql_rank_dense_rank_frames_null_sums_and_integer_division() -> None:
    import sqlite3

    states("syseng.sql-window-functions", "RANK gives ties the same rank and leaves gaps (1, 1, 3); DENSE_RANK leaves no gaps (1, 1, 2)",
           "from 6 PRECEDING to CURRENT ROW, the last 7 sessions")
    states("syseng.sql-joins", "SUM over only NULLs returns NULL", "silently turns the left join into an inner join")
    states("syseng.sql-aggregation", "integer division makes clicks / impressions 0")
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE s (v INT)")
    db.executemany("INSERT INTO s VALUES (?)", [(9,), (9,), (5,)])
    rows = db.execute("SELECT RANK() OVER (ORDER BY v DESC), DENSE_RANK() OVER (ORDER BY v DESC) FROM s ORDER BY v DESC").fetchall()
    assert [r[0] for r in rows] == [1, 1, 3] and [r[1] for r in rows] == [1, 1, 2]
    db.execute("CREATE TABLE w (i INT)")
    db.executemany("INSERT INTO w VALUES (?)", [(i,) for i in range(1, 21)])
    counts = [r[0] for r in db.execute("SELECT COUNT(*) OVER (ORDER BY i ROWS BETWEEN 6 PRECEDING AND CURRENT ROW) FROM w ORDER BY i")]
    assert max(counts) == 7
    db.execute("CREATE TABLE u (id INT)")
    db.execute("CREATE TABLE o (uid INT, amount INT, d TEXT)")
    db.executemany("INSERT INTO u VALUES (?)", [(1,), (2,)])
    db.execute("INSERT INTO o VALUES (1, 10, '2024-07-01')")
    sums = dict(db.execute("SELECT u.id, SUM(o.amount) FROM u LEFT JOIN o ON o.uid = u.id GROUP BY u.id"))
    assert sums == {1: 10, 2: None}
    filtered = db.execute("SELECT u.id FROM u LEFT JOIN o ON o.uid = u.id WHERE o.d >= '2024-06-01'").fetchall()
    assert filtered == [(1,)]  # user 2 vanished: an inner join
    assert db.execute("SELECT 3 / 10, CAST(3 AS REAL) / 10").fetchone() == (0, 0.3)


def test_l2_step_shrinks_by_1_minus_2_lr_lambda_and_inverted_dropout_keeps_the_mean() -> None:
    states("fundamentals.regularization", "by the factor 1 - 2 * lr * lambda", "scales the survivors by 1/(1-p)")
    lr, lam, w = 0.1, 0.3, np.array([2.0, -1.0, 0.5])
    assert np.allclose(w - lr * (2 * lam * w), w * (1 - 2 * lr * lam))
    rng = np.random.default_rng(23)
    a, p = rng.random(1_000_000) + 1, 0.3
    dropped = a * (rng.random(a.size) >= p) / (1 - p)
    assert abs(dropped.mean() - a.mean()) < 0.005


def test_he_init_variance_2_over_fan_in_preserves_relu_signal() -> None:
    states("fundamentals.activation-functions", "He initialization with variance 2 / fan_in")
    rng = np.random.default_rng(24)
    x = rng.normal(size=(2000, 256))
    for _ in range(10):
        W = rng.normal(0, math.sqrt(2 / 256), size=(256, 256))
        x = np.maximum(x @ W, 0)
    mean_square = np.mean(x**2)
    assert 0.5 < mean_square < 2.0  # neither exploded nor vanished after 10 layers (input mean square 1)


def test_int8_quantization_is_4x_smaller_and_round_trip_error_is_half_a_step() -> None:
    states("fundamentals.model-optimization", "q = round(x / scale) + zero_point, so x ~ scale * (q - zero_point)", "Weights get 4x smaller than fp32")
    rng = np.random.default_rng(25)
    x = rng.normal(size=10_000).astype(np.float32)
    scale = (x.max() - x.min()) / 255
    zp = -128 - round(float(x.min()) / scale)
    q = np.clip(np.round(x / scale) + zp, -128, 127).astype(np.int8)
    assert x.nbytes == 4 * q.nbytes
    assert np.max(np.abs(scale * (q.astype(np.float32) - zp) - x)) <= scale / 2 + 1e-6


def test_attention_scores_are_n_by_n_and_cost_n2_d() -> None:
    states("advanced.transformers", "O(n^2 * d) time and O(n^2) memory")
    rng = np.random.default_rng(26)
    d = 16
    for n in (32, 64):
        Q, K = rng.normal(size=(n, d)), rng.normal(size=(n, d))
        scores = Q @ K.T
        assert scores.shape == (n, n)  # O(n^2) memory
        assert scores.size * d == n * n * d  # one d-length dot product per entry
