"""batch --dask against one process on the same rows, and where the time goes; s3:// URLs with ``--s3``.

1,000,000 EOD-coded rows (generated, fixed seed, as batch_bench.py) in 8 Parquet files. In turn (``--runs`` each,
medians): ``run_batch`` on the same rows in one file in this process (the floor), and ``run_dask`` on the folder
with its default local cluster of 2 worker processes (started and stopped within the figure, as ``mesostage batch
--dask`` does). Then the parts: starting and stopping the cluster alone, and ``run_dask`` on a cluster already
running. ``--s3``: also from ``s3://`` to ``s3://`` on a local S3 endpoint (moto in server mode on 127.0.0.1).
Needs ``mesostage[dask]`` (and ``moto[server]`` for ``--s3``). ``--quick``: a tenth of the rows.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).parent))
from batch_bench import Timed, clocked, eod_parquet, load, median_timed
from mesostage.batch.dask_run import run_dask
from mesostage.batch.run import run_batch
from timing import goal_line

FILES = 8


def s3_run(folder: Path) -> None:
    from moto.server import ThreadedMotoServer
    from s3fs import S3FileSystem

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        host, port = probe.getsockname()
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_DEFAULT_REGION": "eu-west-1",
            "AWS_EC2_METADATA_DISABLED": "true",
        }
    )
    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    options = {"endpoint_url": f"http://{host}:{port}", "client_kwargs": {"region_name": "eu-west-1"}}
    try:
        fs = S3FileSystem(**options)
        fs.mkdir("bench")
        fs.put(str(folder) + "/", "bench/in/", recursive=True)
        started = time.perf_counter()
        summary = run_dask("s3://bench/in", "s3://bench/out", storage_options=options)
        remote = time.perf_counter() - started
        print(f"s3:// (moto, loopback): {summary.rows:,} rows in {remote:.1f} s ({summary.rows / remote:,.0f} rows/s)")
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--s3", action="store_true", help="also s3:// to s3:// on moto (loopback)")
    args = parser.parse_args()
    rows = 100_000 if args.quick else 1_000_000
    from dask.distributed import Client, LocalCluster

    print(f"dask_bench: {load()}; {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folder = root / "in"
        folder.mkdir()
        whole = root / "all.parquet"
        eod_parquet(whole, rows)
        frame = pl.read_parquet(whole)
        size = rows // FILES
        for i in range(FILES):
            frame.slice(i * size, size).write_parquet(folder / f"part.{i}.parquet")
        counter = iter(range(1_000))

        def dask_run() -> None:
            run_dask(folder, root / f"out{next(counter)}")

        run_batch(whole, root / "one.parquet")  # warm-up (imports, first use)
        floors: list[Timed] = []
        subjects: list[Timed] = []
        for _ in range(args.runs):
            floors.append(clocked(lambda: run_batch(whole, root / "one.parquet")))
            subjects.append(clocked(dask_run))
        floor, subject = median_timed(floors), median_timed(subjects)
        print(
            f"one process (run_batch, one file): {rows:,} rows in {floor[0]:.2f} s wall, {floor[1]:.2f} s CPU; "
            f"--dask, local cluster of 2 workers started for the run: {subject[0]:.2f} s wall, {subject[1]:.2f} s "
            f"CPU in this process (medians of {args.runs}); {load()}"
        )

        def cluster_only() -> None:
            cluster = LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None)  # type: ignore[no-untyped-call]
            client = Client(cluster)  # type: ignore[no-untyped-call]
            client.close()
            cluster.close()

        start_stop = median_timed([clocked(cluster_only) for _ in range(args.runs)])
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None)  # type: ignore[no-untyped-call]
        client = Client(cluster)  # type: ignore[no-untyped-call]
        try:
            run_dask(folder, root / "warm", client=client)
            running = median_timed(
                [
                    clocked(lambda: run_dask(folder, root / f"out{next(counter)}", client=client))
                    for _ in range(args.runs)
                ]
            )
        finally:
            client.close()
            cluster.close()
        print(
            f"where the time goes: starting and stopping the cluster {start_stop[0]:.2f} s; staging on a running "
            f"cluster {running[0]:.2f} s ({rows / running[0]:,.0f} rows/s); {load()}"
        )
        ratio = subject[0] / floor[0]
        print(
            goal_line(
                "batch --dask 2 workers vs one process",
                subject[0],
                "s",
                floor[0],
                "s",
                "run_batch in one process, same rows",
                ratio,
                "not slower than one process (ratio <= 1.00)",
                ratio <= 1.0,
            )
        )
        if args.s3:
            s3_run(folder)


if __name__ == "__main__":
    main()
