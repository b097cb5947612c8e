"""Hidden tests for coding.hash-tables-distributed: distributed_top_k(shards, k, r=4) -> [(query, count)]."""

import random
from collections import Counter

REFERENCE = '''
import heapq
from collections import Counter
from hashlib import md5

def top_k(counts, k):
    return heapq.nlargest(k, counts.items(), key=lambda kv: kv[1])

def partition(key, r):                 # stable across processes,
    return int(md5(key.encode()).hexdigest(), 16) % r   # unlike hash()

def map_task(lines, r):
    local = Counter(l.strip() for l in lines)   # combiner: pre-aggregate
    parts = [{} for _ in range(r)]
    for q, c in local.items():
        parts[partition(q, r)][q] = c
    return parts                        # parts[j] is shuffled to reducer j

def reduce_task(parts, k):
    total = Counter()
    for p in parts:
        total.update(p)
    return top_k(total, k)

def final_merge(reducer_outputs, k):
    return top_k(dict(kv for out in reducer_outputs for kv in out), k)

def distributed_top_k(shards, k, r=4):
    parts = [map_task(lines, r) for lines in shards]            # one mapper per shard
    outs = [reduce_task([p[j] for p in parts], k) for j in range(r)]
    return final_merge(outs, k)
'''

BUGGY = {
    # Each machine sends its local top k and the coordinator merges them: misses globally frequent queries.
    "merge-local-top-k": '''
import heapq
from collections import Counter

def distributed_top_k(shards, k, r=4):
    total = Counter()
    for lines in shards:
        local = Counter(l.strip() for l in lines)
        total.update(dict(heapq.nlargest(k, local.items(), key=lambda kv: kv[1])))
    return heapq.nlargest(k, total.items(), key=lambda kv: kv[1])
''',
    # Spreads records round-robin over reducers for balance, so a query's counts are split.
    "round-robin-partition": '''
import heapq
from collections import Counter

def distributed_top_k(shards, k, r=4):
    reducers = [Counter() for _ in range(r)]
    i = 0
    for lines in shards:
        for q, c in Counter(l.strip() for l in lines).items():
            reducers[i % r][q] += c
            i += 1
    merged = {}
    for red in reducers:
        for q, c in heapq.nlargest(k, red.items(), key=lambda kv: kv[1]):
            merged[q] = max(merged.get(q, 0), c)
    return heapq.nlargest(k, merged.items(), key=lambda kv: kv[1])
''',
    # A min-heap mix-up: returns the k least frequent queries.
    "least-frequent": '''
import heapq
from collections import Counter

def distributed_top_k(shards, k, r=4):
    total = Counter(l.strip() for lines in shards for l in lines)
    return heapq.nsmallest(k, total.items(), key=lambda kv: kv[1])
''',
}


def _truth(shards):
    return Counter(l.strip() for lines in shards for l in lines)


def _check_top(f, shards, k, shown):
    truth = _truth(shards)
    got = [tuple(kv) for kv in f(shards, k)]
    counts = [c for _, c in got]
    chosen = {q for q, _ in got}
    rest = [c for q, c in truth.items() if q not in chosen]
    ok = (
        len(got) == min(k, len(truth))
        and len(chosen) == len(got)
        and all(truth.get(q) == c for q, c in got)
        and counts == sorted(counts, reverse=True)
        and (not rest or not counts or min(counts) >= max(rest))
    )
    best = sorted(truth.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
    check(shown, got, f"the {k} most frequent with exact counts, highest first, e.g. {best}", ok=ok)


def test_one_shard(f):
    shards = [["a", "b", "a", "c", "a", "b"]]
    _check_top(f, shards, 2, "distributed_top_k([['a', 'b', 'a', 'c', 'a', 'b']], 2)")


def test_globally_frequent_query_missing_from_local_top_lists(f):
    """'x' is third on every machine but first overall."""
    shards = [["a1"] * 3 + ["a2"] * 3 + ["x"] * 2, ["b1"] * 3 + ["b2"] * 3 + ["x"] * 2, ["c1"] * 3 + ["c2"] * 3 + ["x"] * 2]
    _check_top(f, shards, 2, "distributed_top_k(3 shards, each with two local favourites x3 and 'x' x2, k=2)")


def test_counts_are_summed_across_shards(f):
    shards = [["q"] * 2 + ["p"], ["q"] * 2 + ["p"] * 2, ["q"] + ["p"] * 3 + ["z"]]
    _check_top(f, shards, 2, "distributed_top_k([['q','q','p'], ['q','q','p','p'], ['q','p','p','p','z']], 2)")


def test_strips_newlines(f):
    shards = [["cheap flights\n", "cheap flights", "hotels\n"], ["hotels\n", "hotels"]]
    _check_top(f, shards, 1, "distributed_top_k([['cheap flights\\n', 'cheap flights', 'hotels\\n'], ['hotels\\n', 'hotels']], 1)")


def test_k_zero(f):
    check("distributed_top_k([['a', 'b']], 0)", list(f([["a", "b"]], 0)), [])


def test_k_larger_than_distinct(f):
    _check_top(f, [["a", "b"], ["a"]], 5, "distributed_top_k([['a', 'b'], ['a']], 5)")


def test_empty_shards(f):
    check("distributed_top_k([[], []], 3)", list(f([[], []], 3)), [])


def test_random_logs(f):
    rng = random.Random(8)
    words = [f"q{i}" for i in range(40)]
    for _ in range(20):
        shards = [[rng.choice(words[: rng.randint(5, 40)]) for _ in range(rng.randint(0, 60))] for _ in range(rng.randint(1, 6))]
        _check_top(f, shards, 5, f"distributed_top_k(<random logs, {len(shards)} shards>, 5)")
