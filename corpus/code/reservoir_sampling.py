"""Hidden tests for coding.reservoir-sampling: sample_stream(stream, k, rng=None) -> list."""

import random
import tracemalloc
from collections import Counter
from itertools import combinations

REFERENCE = '''
import random

def sample_stream(stream, k, rng=None):
    rng = rng or random.Random()
    res = []
    for i, x in enumerate(stream, 1):     # i = items seen so far
        if i <= k:
            res.append(x)
        else:
            j = rng.randrange(i)          # uniform in 0..i-1
            if j < k:                     # probability k/i
                res[j] = x                # evicts a uniform slot
    return res
'''

BUGGY = {
    # The classic off-by-one: randint is inclusive, so item i is kept with probability k/(i+1).
    "randint-off-by-one": '''
import random

def sample_stream(stream, k, rng=None):
    rng = rng or random.Random()
    res = []
    for i, x in enumerate(stream, 1):
        if i <= k:
            res.append(x)
        else:
            j = rng.randint(0, i)
            if j < k:
                res[j] = x
    return res
''',
    # Keeps item i with probability 1/i (right only for k = 1): early items are oversampled.
    "one-over-i": '''
import random

def sample_stream(stream, k, rng=None):
    rng = rng or random.Random()
    res = []
    for i, x in enumerate(stream, 1):
        if i <= k:
            res.append(x)
        elif rng.random() < 1 / i:
            res[rng.randrange(k)] = x
    return res
''',
    # Uniform, but stores the whole stream and breaks when k exceeds its length.
    "store-everything": '''
import random

def sample_stream(stream, k, rng=None):
    rng = rng or random.Random()
    return rng.sample(list(stream), k)
''',
    # Always evicts the last slot: item-level probabilities are no longer k/n.
    "evict-last-slot": '''
import random

def sample_stream(stream, k, rng=None):
    rng = rng or random.Random()
    res = []
    for i, x in enumerate(stream, 1):
        if i <= k:
            res.append(x)
        elif rng.randrange(i) < k:
            res[-1] = x
    return res
''',
}

CHI2_9_DF_P001 = 27.88  # chi-squared critical value, 9 degrees of freedom, p = 0.001
CHI2_5_DF_P001 = 20.52


def test_empty_stream(f):
    check("sample_stream([], 3)", f([], 3, random.Random(1)), [])


def test_k_zero(f):
    check("sample_stream([1, 2, 3], 0)", f([1, 2, 3], 0, random.Random(1)), [])


def test_k_larger_than_stream(f):
    got = f([1, 2, 3], 5, random.Random(1))
    check("sample_stream([1, 2, 3], 5)", sorted(got), [1, 2, 3])


def test_k_equals_length(f):
    got = f(iter("abcd"), 4, random.Random(1))
    check("sample_stream(iter('abcd'), 4)", sorted(got), ["a", "b", "c", "d"])


def test_one_pass_over_a_generator(f):
    got = f((i * i for i in range(100)), 5, random.Random(2))
    squares = {i * i for i in range(100)}
    ok = len(got) == 5 and len(set(got)) == 5 and set(got) <= squares
    check("sample_stream((i * i for i in range(100)), 5)", got, "5 distinct squares", ok=ok)


def test_items_uniform_chi_squared(f):
    """Every item of a 10-item stream lands in a 3-sample with probability 3/10."""
    rng, counts, trials = random.Random(7), Counter(), 6000
    for _ in range(trials):
        counts.update(f(range(10), 3, rng))
    observed = [counts[i] for i in range(10)]
    stat = chi_squared(observed, [trials * 3 / 10] * 10)
    check(
        f"how often each of range(10) is in sample_stream(range(10), 3), {trials} runs",
        observed,
        f"about {trials * 3 // 10} each (chi-squared below {CHI2_9_DF_P001})",
        ok=stat < CHI2_9_DF_P001,
    )
    return f"chi-squared {stat:.1f} over 9 degrees of freedom"


def test_subsets_uniform_chi_squared(f):
    """Every 2-subset of a 4-item stream is equally likely."""
    rng, counts, trials = random.Random(11), Counter(), 6000
    for _ in range(trials):
        counts[frozenset(f(range(4), 2, rng))] += 1
    subsets = [frozenset(c) for c in combinations(range(4), 2)]
    observed = [counts[s] for s in subsets]
    stat = chi_squared(observed, [trials / 6] * 6)
    check(
        f"how often each 2-subset of range(4) is drawn, {trials} runs",
        observed,
        f"about {trials // 6} each (chi-squared below {CHI2_5_DF_P001})",
        ok=stat < CHI2_5_DF_P001 and sum(observed) == trials,
    )


def test_memory_is_order_k(f):
    """A 60,000-item stream with k = 10 must not be stored."""
    tracemalloc.start()
    try:
        f((i for i in range(60_000)), 10, random.Random(3))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    check("peak memory of sample_stream(<60,000-item generator>, 10)", f"{peak // 1024} KB", "under 1024 KB", ok=peak < 1 << 20)
