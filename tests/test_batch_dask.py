"""Staging a partitioned Parquet dataset on a local Dask cluster gives the same rows as a local run.

Skipped where Dask is not installed (it is an optional dependency: ``mesostage[dask]``).
"""

from __future__ import annotations

import itertools
import os
import socket
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


def test_dask_refuses_a_folder_whose_files_differ(tmp_path: Path, client: Any) -> None:
    folder, frame = dataset(tmp_path)
    frame.drop("eodMets").head(3).write_parquet(folder / "part.9.parquet")
    with pytest.raises(FileError, match=r"part\.9\.parquet: its columns"):
        run_dask(folder, tmp_path / "staged", client=client)
    assert not (tmp_path / "staged").exists()


def test_row_counts_come_from_the_footers_and_each_file_is_read_once(
    tmp_path: Path, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pyarrow.parquet as pq

    folder, frame = dataset(tmp_path)
    frame.head(0).write_parquet(folder / "part.1.5.parquet")  # an empty file between two others
    reads: list[Any] = []
    real = pq.read_table

    def counted(source: Any, *args: Any, **kwargs: Any) -> Any:
        reads.append(source)
        return real(source, *args, **kwargs)

    monkeypatch.setattr(pq, "read_table", counted)  # the in-process workers share this module
    summary = run_dask(folder, tmp_path / "staged", client=client)
    files = list(folder.iterdir())
    assert len(reads) == len(files)  # one read of the data per file: the counts came from the footers
    dasked = pl.read_parquet(tmp_path / "staged" / "*.parquet").sort("row")
    assert dasked["row"].to_list() == list(range(1, frame.height + 1))
    assert summary.rows == frame.height


# ---------------------------------------------------------------- object storage (S3 API on 127.0.0.1, moto)


@pytest.fixture(scope="module")
def s3() -> Iterator[dict[str, Any]]:
    """A local S3 endpoint (moto in server mode on 127.0.0.1, a free port) and the s3fs options to reach it."""
    moto_server = pytest.importorskip("moto.server", reason="moto[server] is not installed (the test extra has it)")
    s3fs = pytest.importorskip("s3fs", reason="s3fs is not installed (the dask and test extras have it)")
    # No credential look-up beyond the options given: never the instance metadata address.
    saved = {
        k: os.environ.get(k) for k in ("AWS_EC2_METADATA_DISABLED", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE")
    }
    os.environ.update(
        {"AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull}
    )
    with socket.socket() as probe:  # a free port on loopback (moto 5.0.0 cannot report one it chose)
        probe.bind(("127.0.0.1", 0))
        host, port = probe.getsockname()
    server = moto_server.ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    options = {
        "key": "testing",
        "secret": "testing",
        "endpoint_url": f"http://{host}:{port}",
        "client_kwargs": {"region_name": "eu-west-1"},
    }
    fs = s3fs.S3FileSystem(**options)
    fs.mkdir("registry")
    try:
        yield {"options": options, "fs": fs}
    finally:
        server.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def test_dask_reads_and_writes_s3_urls(tmp_path: Path, client: Any, s3: dict[str, Any]) -> None:
    fs, options = s3["fs"], s3["options"]
    folder, frame = dataset(tmp_path)
    fs.put(str(folder) + "/", "registry/in/", recursive=True)
    summary = run_dask("s3://registry/in", "s3://registry/out", client=client, storage_options=options)
    frame.write_parquet(tmp_path / "all.parquet")
    local = run_batch(tmp_path / "all.parquet", tmp_path / "local.parquet")
    fs.invalidate_cache()
    parts = sorted(fs.ls("registry/out"))
    assert parts
    assert all(p.endswith(".parquet") for p in parts)
    dasked = pl.concat([pl.read_parquet(fs.open(p, "rb").read()) for p in parts]).sort("row")
    assert dasked.to_dicts() == pl.read_parquet(tmp_path / "local.parquet").to_dicts()
    assert (summary.rows, summary.staged, summary.errors_by_kind) == (local.rows, local.staged, local.errors_by_kind)
    assert summary.errors == local.errors
    assert sorted(fs.ls("registry")) == ["registry/in", "registry/out"]  # no temporary folder left behind
    with pytest.raises(FileError, match="exists"):
        run_dask("s3://registry/in", "s3://registry/out", client=client, storage_options=options)
    with pytest.raises(FileError, match="bucket nowhere does not exist"):
        run_dask("s3://registry/in", "s3://nowhere/out", client=client, storage_options=options)
    with pytest.raises(FileError, match="folder of Parquet files"):
        run_dask("s3://registry/missing", "s3://registry/out2", client=client, storage_options=options)


def test_cli_refuses_a_url_without_dask() -> None:
    from typer.testing import CliRunner

    from mesostage.cli import app

    result = CliRunner().invoke(app, ["batch", "s3://registry/in.parquet", "-o", "out.parquet"])
    assert result.exit_code == 2
    assert "s3://registry/in.parquet" in result.output
    assert "--dask" in result.output
