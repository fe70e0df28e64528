"""Where the EOD batch spends its time, step by step (figures go in benchmarks/README.md).

The 1,000,000-row EOD 2018 file of ``batch_bench.py`` (same seed), Parquet to Parquet, taken apart into the steps
``run_batch`` does for each batch of rows, one after the other: reading the slice, staging it
(``stage_frame_counted``), the output frame (``output_frame``), the summary counts (``BatchSummary.add``) and
writing it (``AtomicWriter``, in this thread); then the whole ``run_batch`` (which writes each batch in a thread of
its own while it stages the next) and the polars floor of ``batch_bench.py``, interleaved. Wall and CPU time (this
process, every thread), lowest of ``--runs`` passes, with the load average.

Run: ``.venv/bin/python benchmarks/eod_split.py [--rows 1000000] [--runs 3]``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl

from batch_bench import eod_floor, eod_lookup, eod_parquet
from mesostage.batch.frame import stage_frame_counted
from mesostage.batch.io import AtomicWriter, read_chunks
from mesostage.batch.run import BatchSummary, output_frame, run_batch

Timed = tuple[float, float]


def clocked(fn: Callable[[], object]) -> tuple[Timed, object]:
    wall, cpu = time.perf_counter(), time.process_time()
    value = fn()
    return (time.perf_counter() - wall, time.process_time() - cpu), value


def load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def steps(source: Path, target: Path) -> dict[str, Timed]:
    """One pass of run_batch's loop, each step timed on its own."""
    spent: dict[str, list[float]] = {}

    def add(name: str, t: Timed) -> None:
        w, c = spent.setdefault(name, [0.0, 0.0])
        spent[name] = [w + t[0], c + t[1]]

    chunks = read_chunks(source, "parquet", batch_rows=250_000)
    writer = AtomicWriter(target, "parquet")
    summary = BatchSummary(str(source), str(target), "eod")
    row = 1
    while True:
        t, chunk = clocked(lambda: next(chunks, None))
        add("read (polars slice)", t)
        if chunk is None:
            break
        t, (staged, counts) = clocked(lambda c=chunk: stage_frame_counted(c.rows, "eod"))
        add("stage_frame", t)
        t, frame = clocked(lambda c=chunk, s=staged, r=row: output_frame(c.echo, s, r))
        add("output_frame", t)
        t, _ = clocked(lambda f=frame, n=counts: summary.add(f, n))
        add("summary.add", t)
        t, _ = clocked(lambda f=frame: writer.write(f))
        add("write (pyarrow)", t)
        row += frame.height  # type: ignore[attr-defined]
    t, _ = clocked(writer.commit)
    add("write (pyarrow)", t)
    return {k: (v[0], v[1]) for k, v in spent.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"eod_split: {args.rows:,} rows; {load()}; {os.cpu_count()} cores; polars {pl.__version__}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source = folder / "eod.parquet"
        eod_parquet(source, args.rows)
        lookup = eod_lookup()
        best: dict[str, Timed] = {}
        whole: list[Timed] = []
        floors: list[Timed] = []
        run_batch(source, folder / "warm.parquet")
        for _ in range(args.runs):
            floors.append(clocked(lambda: eod_floor(source, folder / "floor.parquet", lookup))[0])
            whole.append(clocked(lambda: run_batch(source, folder / "whole.parquet"))[0])
            for name, t in steps(source, folder / "steps.parquet").items():
                best[name] = min(best.get(name, t), t, key=lambda x: x[1])
        for name, (w, c) in best.items():
            print(f"  {name:<22} {w:6.3f} s wall  {c:6.3f} s CPU")
        print(
            f"  {'sum of the steps':<22} {sum(w for w, _ in best.values()):6.3f} s wall  "
            f"{sum(c for _, c in best.values()):6.3f} s CPU"
        )
        w, c = min(whole, key=lambda x: x[1])
        fw, fc = min(floors, key=lambda x: x[1])
        print(f"  {'run_batch, whole':<22} {w:6.3f} s wall  {c:6.3f} s CPU")
        print(f"  {'floor (polars)':<22} {fw:6.3f} s wall  {fc:6.3f} s CPU   ratio {w / fw:.2f} wall, {c / fc:.2f} CPU")
        print(f"  {load()}")


if __name__ == "__main__":
    main()
