"""Timing helpers shared by the benchmark scripts (run as ``python benchmarks/NAME.py``)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

__all__ = ["summary", "times_ms"]


def times_ms(fn: Callable[[], object], n: int) -> list[float]:
    """Wall times of ``n`` calls in milliseconds, after one warm-up call (data files loaded once, as in a
    long-running process)."""
    fn()
    out = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def summary(name: str, values: list[float], goal: float, *, width: int = 56, goal_word: str = "goal") -> str:
    """One line: median and p99 against a goal for the median."""
    values = sorted(values)
    median = statistics.median(values)
    p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
    verdict = "meets" if median <= goal else "MISSES"
    return (
        f"{name:<{width}} median {median:9.3f} ms   p99 {p99:9.3f} ms   ({goal_word} median <= {goal:g} ms: {verdict})"
    )
