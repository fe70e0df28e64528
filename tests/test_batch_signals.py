"""A Ctrl-C or SIGTERM at the worst moment of a batch run leaves no file behind (issue 16): while the temporary
output file is being made, while it is removed after a stop, and between the clean-up and the exit.

The signal is sent by the process to itself at the exact step (``signal.raise_signal``), so these tests do not
depend on timing; the end-to-end test that signals a running ``mesostage batch`` is in ``test_batch_io.py``.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

import mesostage.batch.io as batch_io
from mesostage.batch.run import run_batch
from mesostage.safeio import Terminated, sigterm_as_interrupt, stop_signals_held


@pytest.fixture(autouse=True)
def _handlers_put_back() -> Iterator[None]:
    before = {stop: signal.getsignal(stop) for stop in (signal.SIGINT, signal.SIGTERM)}
    yield
    for stop, handler in before.items():
        signal.signal(stop, handler)


def _rows(path: Path) -> Path:
    path.write_text("system,t,n,m\ntnm8,T1,N0,M0\ntnm8,T2,N1,M0\n", encoding="utf-8")
    return path


def _step_with_ctrl_c(done: list[str]) -> list[int]:
    with stop_signals_held(replay=True) as noted:
        signal.raise_signal(signal.SIGINT)
        done.append("the step went on to its end")
    return noted


def test_a_held_ctrl_c_acts_after_the_step_when_replayed() -> None:
    done: list[str] = []
    with pytest.raises(KeyboardInterrupt):
        _step_with_ctrl_c(done)
    assert done == ["the step went on to its end"]


def test_a_held_stop_is_dropped_without_replay() -> None:
    with stop_signals_held(replay=False) as noted:
        signal.raise_signal(signal.SIGINT)
        signal.raise_signal(signal.SIGTERM)
    assert noted == [signal.SIGINT, signal.SIGTERM]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_ctrl_c_while_the_temporary_file_is_made_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _rows(tmp_path / "in.csv")
    made = batch_io.private_temp

    def made_then_interrupted(target: Path, tag: str) -> Path:
        temp = made(target, tag)
        signal.raise_signal(signal.SIGINT)  # the moment the file exists and nobody holds it yet
        return temp

    monkeypatch.setattr(batch_io, "private_temp", made_then_interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_batch(source, tmp_path / "out.csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_sigterm_while_the_file_is_removed_still_removes_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = _rows(tmp_path / "in.csv")
    close_and_remove = batch_io.AtomicWriter._close_and_remove

    def stopped_in_writing(self: batch_io.AtomicWriter, frame: object) -> None:
        raise Terminated()

    def interrupted_again(self: batch_io.AtomicWriter) -> None:
        signal.raise_signal(signal.SIGTERM)  # pressed again while the clean-up runs
        close_and_remove(self)

    monkeypatch.setattr(batch_io.AtomicWriter, "write", stopped_in_writing)
    monkeypatch.setattr(batch_io.AtomicWriter, "_close_and_remove", interrupted_again)
    with sigterm_as_interrupt(), pytest.raises(Terminated):
        run_batch(source, tmp_path / "out.csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_after_a_stop_leaves_the_command_further_stops_are_ignored() -> None:
    # Between the clean-up and the exit, a repeated SIGTERM must not kill the process by the signal (exit status
    # -15 in place of 143, as seen on a busy machine).
    with pytest.raises(Terminated), sigterm_as_interrupt():
        signal.raise_signal(signal.SIGTERM)
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_IGN
    assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN


def test_a_run_that_ends_well_puts_the_sigterm_handler_back() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with sigterm_as_interrupt():
        assert signal.getsignal(signal.SIGTERM) is not before
    assert signal.getsignal(signal.SIGTERM) is before
