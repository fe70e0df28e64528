"""Staging a partitioned Parquet dataset with Dask, for data that outgrows one machine.

Input and output are folders given as local paths or fsspec URLs (``s3://bucket/prefix`` with s3fs, ``gs://``,
``abfs://``... with their fsspec packages), so the workers need no shared disk: each reads its files from, and
writes its part to, the store itself.

One task per Parquet file. The row count of each file comes from its Parquet footer (no pass over the data), which
gives each file the row number of its first row; row numbers count across files in dataset order (file paths in
natural order, as Dask orders them). Each file goes through the same vectorised path as a local run
(``frame.stage_frame``), so the results are the same row for row. The summary is counted on the workers: each task
returns its counts and the rows it could not stage, never its staged rows. The output is written under a hidden
temporary folder beside it and moved into place when complete. Dask is an optional dependency
(``pip install 'mesostage[dask]'``).
"""

from __future__ import annotations

import dataclasses
import time
import uuid
from pathlib import Path
from typing import Any

import polars as pl

from mesostage.batch.frame import InputKind, detect_kind, stage_frame
from mesostage.batch.io import FileError
from mesostage.batch.run import ROW_COLUMN, BatchSummary, check_options, output_frame

__all__ = ["run_dask"]

_SUMMARY_COLUMNS = [ROW_COLUMN, "system", "stage", "error_kind", "error", "discrepancies"]


def _footer(fs: Any, path: str) -> tuple[int, list[str]]:
    """Rows and column names of one Parquet file, from its footer only."""
    import pyarrow.parquet as pq

    with fs.open(path, "rb") as fh:
        meta = pq.read_metadata(fh)
    return meta.num_rows, list(meta.schema.to_arrow_schema().names)


def _stage_file(
    fs: Any, source: str, target: str, first: int, kind: InputKind, system: str | None, review: bool = True
) -> BatchSummary:
    """Stage one file on a worker; write its part; return its counts (and only the rows not staged)."""
    import pyarrow.parquet as pq

    with fs.open(source, "rb") as fh:
        table = pq.read_table(fh)
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    staged = output_frame(frame, stage_frame(frame, kind, system=system, review=review), first, review=review)
    with fs.open(target, "wb") as fh:
        staged.write_parquet(fh)
    summary = BatchSummary(source, target, kind)  # a new one per task: in-process workers share objects
    summary.add(staged.select(_SUMMARY_COLUMNS))
    return summary


def _merge(total: BatchSummary, part: BatchSummary) -> None:
    """Add one task's counts to the total: every count, count table and list of the summary (whatever fields
    ``BatchSummary`` has), not the names of the input and output."""
    for spec in dataclasses.fields(BatchSummary):
        mine, theirs = getattr(total, spec.name), getattr(part, spec.name)
        if isinstance(mine, bool | str | float):
            continue
        if isinstance(mine, int):
            setattr(total, spec.name, mine + theirs)
        elif isinstance(mine, dict):
            for key, count in theirs.items():
                mine[key] = mine.get(key, 0) + count
        elif isinstance(mine, list):
            mine.extend(theirs)


def _filesystem(url: str | Path, storage_options: dict[str, Any] | None) -> tuple[Any, str]:
    try:
        from fsspec.core import url_to_fs  # type: ignore[import-untyped]  # fsspec ships no type information

        fs, root = url_to_fs(str(url), **(storage_options or {}))
        return fs, str(root)
    except ImportError as exc:  # e.g. s3:// without s3fs
        raise FileError(f"{url}: {exc}") from None
    except ValueError as exc:  # an unknown protocol
        raise FileError(f"{url}: {exc}") from None


def _is_local(fs: Any) -> bool:
    protocol = fs.protocol
    return "file" in (protocol if isinstance(protocol, tuple | list) else (protocol,))


def _dataset_files(fs: Any, root: str, shown: str) -> list[str]:
    from dask.utils import natural_sort_key

    if not fs.isdir(root):
        raise FileError(f"{shown}: with --dask the input is a folder of Parquet files")
    hidden = ("_", ".")
    files = [
        path
        for path in fs.find(root)
        if not any(part.startswith(hidden) for part in path[len(root.rstrip("/")) :].split("/") if part)
    ]
    if not files:
        raise FileError(f"{shown}: no Parquet files in the folder")
    return sorted(files, key=natural_sort_key)


def _check_output(fs: Any, root: str, shown: str) -> str:
    """The temporary folder to write to, beside the output (which must not exist)."""
    if fs.exists(root):
        raise FileError(f"{shown}: exists; give a new folder for the output")
    parent, _, name = root.rstrip("/").rpartition("/")
    if _is_local(fs):
        if not fs.isdir(parent):
            raise FileError(f"{shown}: the folder {parent} does not exist")
    else:
        bucket = root.split("/", 1)[0]
        if not fs.exists(bucket):
            raise FileError(f"{shown}: the bucket {bucket} does not exist or cannot be reached")
    return f"{parent}/.{name}.{uuid.uuid4().hex[:12]}.partial"


def _move_into_place(fs: Any, temp: str, parts: list[str], root: str) -> None:
    """A rename on a local disk; on object storage (no folders, no rename) a copy of each part, then the
    temporary parts are deleted. The copy is server-side but not atomic: see docs/batch.md."""
    fs.invalidate_cache()
    if _is_local(fs):
        fs.mv(temp, root, recursive=True)
        return
    try:
        for part in parts:
            fs.copy(part, f"{root}/{part.rpartition('/')[2]}")
    except BaseException:
        fs.invalidate_cache()
        if fs.exists(root):  # it did not exist before the run: only this run's copies are there
            fs.rm(root, recursive=True)
        raise
    fs.rm(temp, recursive=True)


def run_dask(
    input_dir: str | Path,
    output_dir: str | Path,
    *,
    kind: InputKind | None = None,
    system: str | None = None,
    scheduler: str | None = None,
    client: Any = None,
    storage_options: dict[str, Any] | None = None,
    review: bool = True,
) -> BatchSummary:
    """Stage every row of a partitioned Parquet dataset on a Dask cluster; write a folder of Parquet files.

    ``input_dir`` and ``output_dir``: local paths or fsspec URLs (``s3://bucket/prefix``). ``storage_options``:
    passed to the filesystem of both (for s3fs: ``key``, ``secret``, ``endpoint_url``...); they travel with the
    tasks to the workers, so on a real cluster prefer credentials the workers find themselves (environment, config
    files, instance roles). ``client``: a ``dask.distributed.Client`` to use; else one for ``scheduler`` (an
    address), else a local cluster started for the run. ``review``: as for :func:`~mesostage.batch.run.run_batch`.

    Raises
    ------
    FileError
        When Dask (or the filesystem package of a URL) is not installed, the input is not a Parquet dataset or the
        output exists (nothing is written).
    """
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise FileError("--dask needs Dask: pip install 'mesostage[dask]'") from None
    started = time.perf_counter()
    in_fs, in_root = _filesystem(input_dir, storage_options)
    out_fs, out_root = _filesystem(output_dir, storage_options)
    try:
        files = _dataset_files(in_fs, in_root, str(input_dir))
        temp = _check_output(out_fs, out_root, str(output_dir))
    except OSError as exc:  # the filesystems raise OSError subclasses (e.g. a credential the store refuses)
        raise FileError(f"{input_dir} -> {output_dir}: {exc}") from None

    own_cluster = None
    if client is None:
        if scheduler is not None:
            client = Client(scheduler)  # type: ignore[no-untyped-call]  # distributed is not fully typed
        else:
            own_cluster = LocalCluster(  # type: ignore[no-untyped-call]
                n_workers=2, threads_per_worker=1, dashboard_address=None
            )
            client = Client(own_cluster)  # type: ignore[no-untyped-call]
    try:
        try:
            footers = client.gather(client.map(_footer, [in_fs] * len(files), files, pure=False))
        except Exception as exc:  # pyarrow and the filesystems raise several types for a file that is not Parquet
            raise FileError(f"{input_dir}: not a readable Parquet dataset: {exc}") from None
        columns = footers[0][1]
        for path, (_, names) in zip(files, footers, strict=True):
            if names != columns:
                raise FileError(f"{path}: its columns {names} differ from those of {files[0]}: {columns}")
        kind = kind or detect_kind(columns)
        if kind is None:
            raise FileError(f"{input_dir}: cannot tell what the rows hold from the columns {columns}")
        check_options(kind, system)
        firsts = [1]
        for rows, _ in footers[:-1]:
            firsts.append(firsts[-1] + rows)
        targets = [f"{temp}/part.{i}.parquet" for i in range(len(files))]
        out_fs.makedirs(temp, exist_ok=True)
        try:
            futures = client.map(
                _stage_file,
                [in_fs] * len(files),
                files,
                targets,
                firsts,
                kind=kind,
                system=system,
                review=review,
                pure=False,
            )
            try:
                parts = client.gather(futures)
                _move_into_place(out_fs, temp, targets, out_root)
            except OSError as exc:  # reading or writing the store failed on a worker or here
                raise FileError(f"{output_dir}: {exc}") from None
        except BaseException:
            out_fs.invalidate_cache()
            if out_fs.exists(temp):
                out_fs.rm(temp, recursive=True)
            raise
    finally:
        if own_cluster is not None:
            client.close()
            own_cluster.close()
    summary = BatchSummary(str(input_dir), str(output_dir), kind)
    for part in parts:
        _merge(summary, part)
    summary.seconds = time.perf_counter() - started
    summary.log_progress()
    return summary
