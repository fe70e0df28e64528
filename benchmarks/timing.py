"""Timing helpers shared by the benchmark scripts (run as ``python benchmarks/NAME.py``)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

__all__ = ["goal_line", "p95", "summary", "times_ms"]


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


def goal_line(
    name: str,
    value: float,
    unit: str,
    floor: float,
    floor_unit: str,
    floor_what: str,
    ratio: float,
    goal: str,
    met: bool,
) -> str:
    """One goal in the form ``make bench`` (benchmarks/run_all.py) collects."""
    return (
        f"GOAL {name} | value {value:.4g} {unit} | floor {floor:.4g} {floor_unit} ({floor_what}) | ratio {ratio:.2f} "
        f"| goal {goal} | met {'yes' if met else 'no'}"
    )


def p95(values: list[float]) -> float:
    """The 95th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]
