"""Hidden tests for coding.probability-problems: rand10(rand7) -> int, calling only the rand7 it is given."""

import random
from collections import Counter

REFERENCE = '''
def rand10(rand7):
    while True:
        v = (rand7() - 1) * 7 + rand7()   # uniform on 1..49
        if v <= 40:                        # 40 is a multiple of 10
            return (v - 1) % 10 + 1
'''

BUGGY = {
    # The sum of two rolls is triangular, not uniform.
    "sum-of-two": '''
def rand10(rand7):
    return (rand7() + rand7()) % 10 + 1
''',
    # Modulo over all 49 values: 1..9 get five chances, 10 gets four.
    "modulo-without-rejection": '''
def rand10(rand7):
    v = (rand7() - 1) * 7 + rand7()
    return (v - 1) % 10 + 1
''',
    # Rejects correctly but maps 1..40 with v % 10, so 10 never appears (0 does).
    "returns-zero-to-nine": '''
def rand10(rand7):
    while True:
        v = (rand7() - 1) * 7 + rand7()
        if v <= 40:
            return v % 10
''',
    # Rejection on one call: uniform on 1..5, then doubled with a coin from rand7 that is not fair.
    "biased-coin": '''
def rand10(rand7):
    while True:
        a = rand7()
        if a <= 5:
            break
    coin = rand7() <= 3
    return a + (5 if coin else 0)
''',
}

CHI2_9_DF_P001 = 27.88  # critical value, 9 degrees of freedom, p = 0.001
DRAWS = 40_000


class CountingRand7:
    """A uniform rand7 from a seeded generator that counts its calls."""

    def __init__(self, seed):
        self.rng, self.calls = random.Random(seed), 0

    def __call__(self):
        self.calls += 1
        return self.rng.randint(1, 7)


def test_values_in_one_to_ten(f):
    rand7 = CountingRand7(1)
    values = {f(rand7) for _ in range(2000)}
    check("set(rand10(rand7) for 2,000 draws)", sorted(values), list(range(1, 11)))


def test_returns_int(f):
    got = f(CountingRand7(2))
    check("type(rand10(rand7))", type(got).__name__, "int", ok=isinstance(got, int))


def test_uniform_chi_squared(f):
    rand7 = CountingRand7(3)
    counts = Counter(f(rand7) for _ in range(DRAWS))
    observed = [counts[v] for v in range(1, 11)]
    stat = chi_squared(observed, [DRAWS / 10] * 10)
    check(
        f"counts of 1..10 over {DRAWS:,} draws of rand10(rand7)",
        observed,
        f"about {DRAWS // 10} each (chi-squared below {CHI2_9_DF_P001})",
        ok=stat < CHI2_9_DF_P001,
    )
    return f"chi-squared {stat:.1f} over 9 degrees of freedom"


def test_expected_rand7_calls(f):
    """A rejection sampler needs about 2.45 calls on average; anything above 3 is wasteful."""
    rand7 = CountingRand7(4)
    for _ in range(5000):
        f(rand7)
    mean = rand7.calls / 5000
    check("average rand7() calls per rand10(rand7)", round(mean, 2), "between 1.18 and 3.0", ok=1.18 <= mean <= 3.0)
    return f"{mean:.2f} rand7 calls per draw"


def test_draws_are_independent(f):
    """Consecutive outputs must not be correlated: pairs of draws are uniform over 100 cells."""
    rand7 = CountingRand7(5)
    pairs = Counter((f(rand7), f(rand7)) for _ in range(20_000))
    observed = [pairs[(a, b)] for a in range(1, 11) for b in range(1, 11)]
    stat = chi_squared(observed, [200.0] * 100)
    check("counts of consecutive pairs over 20,000 pairs", f"chi-squared {stat:.1f}", "chi-squared below 148.2", ok=stat < 148.2)
