"""CPU beside wall time, and the median of several runs: what every benchmark here reports."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Timing:
    cpu: float
    wall: float


def timed(action: Callable[[], object]) -> Timing:
    cpu, wall = time.process_time(), time.perf_counter()
    action()
    return Timing(time.process_time() - cpu, time.perf_counter() - wall)


def median(samples: list[Timing]) -> Timing:
    return Timing(statistics.median(s.cpu for s in samples), statistics.median(s.wall for s in samples))
