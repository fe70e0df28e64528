"""Staging a partitioned Parquet dataset with Dask, for data that outgrows one machine.

Each partition goes through the same vectorised path as a local run (``frame.stage_frame``), so the results are the
same row for row; row numbers count across partitions in dataset order. The output is a folder of Parquet files,
written to a temporary folder and renamed into place when complete. Dask is an optional dependency
(``pip install 'mesostage[dask]'``).
"""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import polars as pl

from mesostage.batch.frame import InputKind, detect_kind, stage_frame
from mesostage.batch.io import FileError
from mesostage.batch.run import BatchSummary, check_options, output_frame

__all__ = ["run_dask"]


def _stage_partition(
    pdf: Any, kind: InputKind, system: str | None, offsets: list[int], partition_info: dict[str, Any] | None = None
) -> Any:
    frame = pl.from_pandas(pdf)
    first = offsets[partition_info["number"]] + 1 if partition_info else 1
    return output_frame(frame, stage_frame(frame, kind, system=system), first).to_pandas()


def run_dask(
    input_dir: Path,
    output_dir: Path,
    *,
    kind: InputKind | None = None,
    system: str | None = None,
    scheduler: str | None = None,
    client: Any = None,
) -> BatchSummary:
    """Stage every row of a partitioned Parquet dataset on a Dask cluster; write a folder of Parquet files.

    ``client``: a ``dask.distributed.Client`` to use; else one for ``scheduler`` (an address), else a local cluster
    started for the run.

    Raises
    ------
    FileError
        When Dask is not installed, the input is not a Parquet dataset or the output exists (nothing is written).
    """
    try:
        import dask.dataframe as dd
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise FileError("--dask needs Dask: pip install 'mesostage[dask]'") from None
    started = time.perf_counter()
    if not input_dir.is_dir():
        raise FileError(f"{input_dir}: with --dask the input is a folder of Parquet files")
    if output_dir.exists():
        raise FileError(f"{output_dir}: exists; give a new folder for the output")
    if not output_dir.parent.is_dir():
        raise FileError(f"{output_dir}: the folder {output_dir.parent} does not exist")
    try:
        ddf = dd.read_parquet(str(input_dir))
    except Exception as exc:  # dask and pyarrow raise several types for a folder that is not a dataset
        raise FileError(f"{input_dir}: not a readable Parquet dataset: {exc}") from None
    kind = kind or detect_kind(list(ddf.columns))
    if kind is None:
        raise FileError(f"{input_dir}: cannot tell what the rows hold from the columns {list(ddf.columns)}")
    check_options(kind, system)

    own_cluster = None
    if client is None:
        if scheduler is not None:
            client = Client(scheduler)  # type: ignore[no-untyped-call]  # distributed is not fully typed
        else:
            own_cluster = LocalCluster(  # type: ignore[no-untyped-call]
                n_workers=2, threads_per_worker=1, dashboard_address=None
            )
            client = Client(own_cluster)  # type: ignore[no-untyped-call]
    temp = Path(tempfile.mkdtemp(prefix=f".{output_dir.name}.", suffix=".partial", dir=output_dir.parent))
    try:
        lengths = ddf.map_partitions(len).compute()
        offsets = [0]
        for n in lengths:
            offsets.append(offsets[-1] + int(n))
        fn = functools.partial(_stage_partition, kind=kind, system=system, offsets=offsets)
        meta = fn(ddf._meta)
        staged = ddf.map_partitions(fn, meta=meta)
        staged.to_parquet(str(temp), write_index=False)
        os.replace(temp, output_dir)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    finally:
        if own_cluster is not None:
            client.close()
            own_cluster.close()
    summary = BatchSummary(str(input_dir), str(output_dir), kind)
    columns = ["row", "system", "stage", "error_kind", "error", "discrepancies"]
    summary.add(pl.scan_parquet(output_dir / "*.parquet").select(columns).sort("row").collect())
    summary.seconds = time.perf_counter() - started
    return summary
