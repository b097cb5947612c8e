"""Hidden tests for coding.array-problems: max_subarray(xs) -> (total, start, end), window xs[start:end + 1]."""

import random

REFERENCE = '''
def max_subarray(xs):
    """Return (total, start, end) of the best window xs[start:end + 1]."""
    if not xs:
        raise ValueError("empty input")
    best, best_lo, best_hi = xs[0], 0, 0
    cur, lo = xs[0], 0
    for i in range(1, len(xs)):
        if cur < 0:              # a negative running sum only hurts: restart
            cur, lo = xs[i], i
        else:
            cur += xs[i]
        if cur > best:
            best, best_lo, best_hi = cur, lo, i
    return best, best_lo, best_hi
'''

BUGGY = {
    # Clamps the running sum at zero first: an all-negative array returns 0 and an empty window.
    "clamps-at-zero": '''
def max_subarray(xs):
    if not xs:
        raise ValueError("empty input")
    best, best_lo, best_hi, cur, lo = 0, 0, -1, 0, 0
    for i, x in enumerate(xs):
        cur += x
        if cur < 0:
            cur, lo = 0, i + 1
        elif cur > best:
            best, best_lo, best_hi = cur, lo, i
    return best, best_lo, best_hi
''',
    # Correct answers with prefix sums, but O(n^2).
    "quadratic-prefix-sums": '''
def max_subarray(xs):
    if not xs:
        raise ValueError("empty input")
    prefix = [0]
    for x in xs:
        prefix.append(prefix[-1] + x)
    best = (xs[0], 0, 0)
    for lo in range(len(xs)):
        for hi in range(lo, len(xs)):
            total = prefix[hi + 1] - prefix[lo]
            if total > best[0]:
                best = (total, lo, hi)
    return best
''',
    # Forgets to move the start when restarting, so the indices are wrong.
    "stale-start": '''
def max_subarray(xs):
    if not xs:
        raise ValueError("empty input")
    best, best_lo, best_hi = xs[0], 0, 0
    cur, lo = xs[0], 0
    for i in range(1, len(xs)):
        if cur < 0:
            cur = xs[i]
        else:
            cur += xs[i]
        if cur > best:
            best, best_lo, best_hi = cur, lo, i
    return best, best_lo, best_hi
''',
}


def brute(xs):
    return max(sum(xs[i : j + 1]) for i in range(len(xs)) for j in range(i, len(xs)))


def _valid(xs, got):
    total, lo, hi = got
    return 0 <= lo <= hi < len(xs) and sum(xs[lo : hi + 1]) == total


def test_example_campaign(f):
    xs = [-2, 1, -3, 4, -1, 2, 1, -5, 4]
    check("max_subarray([-2, 1, -3, 4, -1, 2, 1, -5, 4])", tuple(f(xs)), (6, 3, 6))


def test_single_element(f):
    check("max_subarray([5])", tuple(f([5])), (5, 0, 0))
    check("max_subarray([-5])", tuple(f([-5])), (-5, 0, 0))


def test_all_negative_returns_least_bad_day(f):
    check("max_subarray([-3, -1, -2])", tuple(f([-3, -1, -2])), (-1, 1, 1))


def test_empty_input_raises(f):
    raises("max_subarray([])", lambda: f([]), ValueError)


def test_all_zero(f):
    xs = [0, 0, 0]
    got = tuple(f(xs))
    check("max_subarray([0, 0, 0])", got, "total 0 with a valid window", ok=got[0] == 0 and _valid(xs, got))


def test_whole_array(f):
    check("max_subarray([2, -1, 3])", tuple(f([2, -1, 3])), (4, 0, 2))


def test_matches_brute_force_with_valid_window(f):
    rng = random.Random(9)
    for _ in range(400):
        xs = [rng.randint(-6, 6) for _ in range(rng.randint(1, 9))]
        got = tuple(f(xs))
        check(f"max_subarray({xs})", got, f"total {brute(xs)} with xs[start:end + 1] summing to it", ok=got[0] == brute(xs) and _valid(xs, got))


def test_linear_time(f):
    rng = random.Random(3)

    def make(n):
        return ([rng.randint(-50, 50) for _ in range(n)],)

    return growth_probe(f, make, (100, 200, 400), max_exponent=1.3)
