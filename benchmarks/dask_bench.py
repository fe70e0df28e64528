"""batch --dask throughput on local folders and on s3:// URLs (moto in server mode on 127.0.0.1), one run each.

1,000,000 EOD-coded rows in 8 Parquet files (generated, fixed seed, as batch_bench.py), staged on a local cluster of
2 worker processes (the default of ``mesostage batch --dask``): from a local folder to a local folder, then from
``s3://`` to ``s3://`` on a local S3 endpoint. The figure includes starting the cluster. Needs ``mesostage[dask]``
and ``moto[server]``. ``--quick``: a tenth of the rows. Figures go in benchmarks/README.md.
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
from batch_bench import eod_parquet
from mesostage.batch.dask_run import run_dask

FILES = 8


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    rows = 100_000 if parser.parse_args().quick else 1_000_000
    from moto.server import ThreadedMotoServer
    from s3fs import S3FileSystem

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        eod_parquet(Path(tmp) / "all.parquet", rows)
        frame = pl.read_parquet(Path(tmp) / "all.parquet")
        size = rows // FILES
        for i in range(FILES):
            frame.slice(i * size, size).write_parquet(folder / f"part.{i}.parquet")
        started = time.perf_counter()
        summary = run_dask(folder, Path(tmp) / "out")
        local = time.perf_counter() - started
        print(f"local folders: {summary.rows:,} rows in {local:.1f} s ({summary.rows / local:,.0f} rows/s)")

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
            rate = summary.rows / remote
            print(f"s3:// (moto, loopback): {summary.rows:,} rows in {remote:.1f} s ({rate:,.0f} rows/s)")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
