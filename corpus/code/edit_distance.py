"""Hidden tests for coding.string-problems: edit_distance(a, b) -> int over strings or word lists."""

import random
from functools import lru_cache

REFERENCE = '''
def edit_distance(a, b):
    """Levenshtein distance between sequences (characters or words)."""
    if len(a) < len(b):
        a, b = b, a                        # keep rows over the shorter one
    prev = list(range(len(b) + 1))         # distance from empty prefix
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1,             # delete ca
                         cur[j - 1] + 1,          # insert cb
                         prev[j - 1] + (ca != cb))  # substitute or match
        prev = cur
    return prev[-1]
'''

BUGGY = {
    # No base cases: the first row and column start at 0, so leading edits are free.
    "no-base-cases": '''
def edit_distance(a, b):
    prev = [0] * (len(b) + 1)
    for i, ca in enumerate(a, 1):
        cur = [0] * (len(b) + 1)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
        prev = cur
    return prev[-1]
''',
    # Substitution costs 2 (a delete plus an insert): that is the LCS distance, not Levenshtein.
    "substitution-costs-two": '''
def edit_distance(a, b):
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (0 if ca == cb else 2))
        prev = cur
    return prev[-1]
''',
    # Compares positions only (Hamming distance plus the length difference).
    "positionwise": '''
def edit_distance(a, b):
    return sum(x != y for x, y in zip(a, b)) + abs(len(a) - len(b))
''',
    # Reuses the row object, so "cur" and "prev" alias and the diagonal is overwritten.
    "aliased-rows": '''
def edit_distance(a, b):
    prev = list(range(len(b) + 1))
    cur = prev
    for i, ca in enumerate(a, 1):
        cur[0] = i
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
        prev = cur
    return prev[-1]
''',
}


@lru_cache(maxsize=None)
def brute(a, b):
    if not a or not b:
        return len(a) + len(b)
    return min(brute(a[1:], b) + 1, brute(a, b[1:]) + 1, brute(a[1:], b[1:]) + (a[0] != b[0]))


def test_both_empty(f):
    check("edit_distance('', '')", f("", ""), 0)


def test_empty_against_word(f):
    check("edit_distance('', 'abc')", f("", "abc"), 3)
    check("edit_distance('abc', '')", f("abc", ""), 3)


def test_one_insertion(f):
    check("edit_distance('a', 'ba')", f("a", "ba"), 1)


def test_identical(f):
    check("edit_distance('kitten', 'kitten')", f("kitten", "kitten"), 0)


def test_kitten_sitting(f):
    check("edit_distance('kitten', 'sitting')", f("kitten", "sitting"), 3)


def test_substitution_costs_one(f):
    check("edit_distance('abc', 'axc')", f("abc", "axc"), 1)


def test_word_lists(f):
    ref, hyp = "the cat sat on the mat".split(), "the cat sat on mat today".split()
    check("edit_distance('the cat sat on the mat'.split(), 'the cat sat on mat today'.split())", f(ref, hyp), 2)


def test_symmetric_and_unicode(f):
    check("edit_distance('café', 'cafe')", f("café", "cafe"), 1)
    check("edit_distance('flaw', 'lawn') and the reverse", (f("flaw", "lawn"), f("lawn", "flaw")), (2, 2))


def test_matches_brute_force_on_random_strings(f):
    rng = random.Random(5)
    for _ in range(300):
        a = "".join(rng.choice("abc") for _ in range(rng.randint(0, 6)))
        b = "".join(rng.choice("abc") for _ in range(rng.randint(0, 6)))
        check(f"edit_distance({a!r}, {b!r})", f(a, b), brute(a, b))


def test_long_inputs_in_time(f):
    a, b = "ab" * 150, "ba" * 160
    check("edit_distance('ab' * 150, 'ba' * 160)", f(a, b), 20)
