"""Staging a partitioned Parquet dataset on a local Dask cluster gives the same rows as a local run.

Skipped where Dask is not installed (it is an optional dependency: ``mesostage[dask]``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from mesostage.batch.io import FileError
from mesostage.batch.run import run_batch

distributed = pytest.importorskip("dask.distributed")

# dask's Parquet reader calls DataFrame.reset_index(inplace=True), which pandas 3.1 deprecates: not our code.
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword in DataFrame.reset_index is deprecated")
from mesostage.batch.dask_run import run_dask  # noqa: E402


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    # A real scheduler and worker in this process: small and fast, and no worker processes to spawn.
    cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None)
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def dataset(tmp_path: Path) -> tuple[Path, pl.DataFrame]:
    codes = list(
        itertools.product(["100", "300", "500", "600", "700", "800", "999", "x"], ["000", "300", "700"], ["00", "70"])
    )
    frame = pl.DataFrame(
        {
            "id": [f"r{i}" for i in range(len(codes))],
            "schemaId": ["00370"] * len(codes),
            "eodPrimaryTumor": [c[0] for c in codes],
            "eodRegionalNodes": [c[1] for c in codes],
            "eodMets": [c[2] for c in codes],
        }
    )
    folder = tmp_path / "dataset"
    folder.mkdir()
    size = 13
    for i in range(0, frame.height, size):
        frame.slice(i, size).write_parquet(folder / f"part.{i // size}.parquet")
    return folder, frame


def test_dask_matches_the_local_run(tmp_path: Path, client: Any) -> None:
    folder, frame = dataset(tmp_path)
    summary = run_dask(folder, tmp_path / "staged", client=client)
    frame.write_parquet(tmp_path / "all.parquet")
    local = run_batch(tmp_path / "all.parquet", tmp_path / "local.parquet")
    dasked = pl.read_parquet(tmp_path / "staged" / "*.parquet").sort("row")
    expected = pl.read_parquet(tmp_path / "local.parquet")
    assert dasked.to_dicts() == expected.to_dicts()
    assert dasked["row"].to_list() == list(range(1, frame.height + 1))
    assert (summary.rows, summary.staged, summary.errors_by_kind) == (local.rows, local.staged, local.errors_by_kind)
    assert summary.by_stage == local.by_stage
    assert sorted(p.name for p in tmp_path.iterdir()) == ["all.parquet", "dataset", "local.parquet", "staged"]


def test_dask_refuses_an_existing_output(tmp_path: Path, client: Any) -> None:
    folder, _ = dataset(tmp_path)
    (tmp_path / "staged").mkdir()
    with pytest.raises(FileError, match="exists"):
        run_dask(folder, tmp_path / "staged", client=client)
