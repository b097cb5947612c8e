"""Hidden tests for phone.heap-top-k: top_k(items, k) -> the k (item, score) pairs with the highest scores, highest first."""

import random
import tracemalloc

REFERENCE = '''
import heapq

def top_k(items, k):
    heap = []                                  # min-heap of (score, i, item): the root is the threshold to beat
    for i, (item, score) in enumerate(items):
        if len(heap) < k:
            heapq.heappush(heap, (score, i, item))
        elif k and score > heap[0][0]:
            heapq.heapreplace(heap, (score, i, item))
    return [(item, score) for score, i, item in sorted(heap, reverse=True)]
'''

BUGGY = {
    # Sorts everything: right answer, O(n log n) comparisons and O(n) memory on a stream.
    "sort-everything": '''
def top_k(items, k):
    return sorted(items, key=lambda p: p[1], reverse=True)[:k]
''',
    # Max-heap instinct with heapq: keeps popping the smallest, so it returns the k lowest.
    "k-lowest": '''
import heapq

def top_k(items, k):
    heap = [(score, i, item) for i, (item, score) in enumerate(items)]
    heapq.heapify(heap)
    return [(item, score) for score, i, item in (heapq.heappop(heap) for _ in range(min(k, len(heap))))]
''',
    # Right items, but in heap order (ascending) instead of highest first.
    "ascending-order": '''
import heapq

def top_k(items, k):
    heap = []
    for i, (item, score) in enumerate(items):
        if len(heap) < k:
            heapq.heappush(heap, (score, i, item))
        elif k and score > heap[0][0]:
            heapq.heapreplace(heap, (score, i, item))
    return [(item, score) for score, i, item in sorted(heap)]
''',
}


def _pairs(rng, n):
    return [(f"id{i}", rng.randint(0, 10 * n)) for i in range(n)]


def _check_top(f, items, k, shown):
    got = [tuple(p) for p in f(list(items), k)]
    best = sorted((s for _, s in items), reverse=True)[:k]
    ok = [s for _, s in got] == best and all(p in set(items) for p in got) and len(set(got)) == len(got)
    check(shown, got, f"{k} pairs with scores {best}", ok=ok)


def test_small_example(f):
    items = [("a", 3), ("b", 9), ("c", 1), ("d", 7)]
    _check_top(f, items, 2, "top_k([('a', 3), ('b', 9), ('c', 1), ('d', 7)], 2)")


def test_k_zero(f):
    check("top_k([('a', 1), ('b', 2)], 0)", list(f([("a", 1), ("b", 2)], 0)), [])


def test_k_larger_than_n(f):
    _check_top(f, [("a", 1), ("b", 5), ("c", 3)], 10, "top_k([('a', 1), ('b', 5), ('c', 3)], 10)")


def test_empty_input(f):
    check("top_k([], 3)", list(f([], 3)), [])


def test_tied_scores(f):
    items = [("a", 5), ("b", 5), ("c", 5), ("d", 1)]
    _check_top(f, items, 2, "top_k([('a', 5), ('b', 5), ('c', 5), ('d', 1)], 2)")


def test_negative_scores(f):
    _check_top(f, [("a", -3), ("b", -1), ("c", -2)], 2, "top_k([('a', -3), ('b', -1), ('c', -2)], 2)")


def test_random_against_sorting(f):
    rng = random.Random(6)
    for _ in range(100):
        items = _pairs(rng, rng.randint(0, 30))
        k = rng.randint(0, 8)
        _check_top(f, items, k, f"top_k(<{len(items)} random pairs>, {k})")


def test_stream_in_order_k_memory(f):
    tracemalloc.start()
    try:
        got = f(((i, (i * 7919) % 100_003) for i in range(40_000)), 5)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    check("top_k(<40,000-pair generator>, 5): returns 5 pairs", len(list(got)), 5)
    check("peak memory of top_k(<40,000-pair generator>, 5)", f"{peak // 1024} KB", "under 1024 KB", ok=peak < 1 << 20)


def test_about_n_log_k_comparisons(f):
    """n = 4096, k = 8: a size-k heap compares about n times; sorting needs about n log2 n."""
    rng = random.Random(2)
    items = [(i, Score(rng.random())) for i in range(4096)]
    Score.comparisons = 0
    f(iter(items), 8)
    used = Score.comparisons
    check("score comparisons in top_k(<4096 pairs>, 8)", used, "at most 4n = 16384, about O(n) for small k; a sort needs ~45,000", ok=used <= 4 * 4096)
    return f"O(n log k): {used} comparisons for n = 4096, k = 8"
