"""Writing output files safely: atomically over regular files, streamed to devices and pipes, private temporary
files that a killed run's successor cleans up (its own only), and SIGTERM handled like Ctrl-C.

Used by ``batch`` (its output and report) and ``trials import`` (the index).
"""

from __future__ import annotations

import contextlib
import glob
import os
import signal
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

__all__ = [
    "Terminated",
    "output_kind",
    "private_temp",
    "remove_stale_temps",
    "sigterm_as_interrupt",
    "stop_signals_held",
    "usual_mode",
]

OutputKind = Literal["file", "stream"]


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: the run stops as after Ctrl-C (temporary files removed, nothing half-written)."""


def output_kind(path: Path) -> OutputKind:
    """``"file"`` for a regular file or a new path (written atomically), ``"stream"`` for a character device, a
    pipe or a socket (``/dev/null``, ``/dev/stdout``, a FIFO), written in place.

    Raises
    ------
    IsADirectoryError
        For a directory.
    ValueError
        For a block device or anything else that is neither a file nor a stream.
    """
    if os.path.realpath(path).startswith("/proc/"):
        # /dev/stdout, /dev/fd/N: an open descriptor, perhaps of a regular file the shell opened; replacing that
        # file by name would lose the output.
        return "stream"
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "file"
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(f"{path}: a directory, not a file")
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
        return "stream"
    raise ValueError(f"{path}: neither a file nor a stream (a block device?): refusing to write to it")


def usual_mode(existing: Path | None = None) -> int:
    """The mode an output gets: the mode of the file it replaces, else what a new file usually gets (0666 less
    the umask)."""
    if existing is not None:
        with contextlib.suppress(OSError):
            return stat.S_IMODE(existing.stat().st_mode)
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def private_temp(target: Path, tag: str) -> Path:
    """A new, empty temporary file beside ``target`` (``.NAME.PID.RANDOM.TAG``), readable by its owner only (0600),
    named with this process's id so that :func:`remove_stale_temps` can tell whose it is."""
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=f".{tag}", dir=target.parent)
    os.close(fd)
    return Path(name)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def remove_stale_temps(target: Path, tag: str) -> list[Path]:
    """Remove the temporary files of runs for ``target`` that were killed: only files of this user whose process
    is gone (a run still going, or another user's, keeps its file). Returns the files removed."""
    prefix, suffix = f".{target.name}.", f".{tag}"
    removed: list[Path] = []
    with contextlib.suppress(OSError):
        for candidate in target.parent.glob(f"{glob.escape(prefix)}*{glob.escape(suffix)}"):
            pid_text = candidate.name[len(prefix) :].split(".", 1)[0]
            if not pid_text.isdigit() or int(pid_text) == os.getpid() or _alive(int(pid_text)):
                continue
            with contextlib.suppress(OSError):
                info = candidate.lstat()
                if info.st_uid == os.getuid() and stat.S_ISREG(info.st_mode):
                    candidate.unlink()
                    removed.append(candidate)
    return removed


def _terminate(signum: int, frame: object) -> None:
    raise Terminated()


_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """While inside, SIGTERM raises :class:`Terminated` (a ``KeyboardInterrupt``) in the main thread, so the
    clean-up of an interrupted run happens for ``kill`` as for Ctrl-C.

    For a command line's run only: when a stop (Ctrl-C or SIGTERM) leaves the block, its clean-up is done and the
    command is ending, so SIGINT and SIGTERM are ignored from then on instead of put back (a repeated signal between
    here and the exit would otherwise kill the process by the signal, not end it with 130/143)."""
    try:
        previous = signal.signal(signal.SIGTERM, _terminate)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    stopped = False
    try:
        yield
    except KeyboardInterrupt:
        stopped = True
        raise
    finally:
        if stopped:
            for stop in _STOP_SIGNALS:
                signal.signal(stop, signal.SIG_IGN)
        else:
            signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def stop_signals_held(*, replay: bool) -> Iterator[list[int]]:
    """While inside, a Ctrl-C or SIGTERM is noted (in the list yielded) instead of acted on, for a step that must
    not be cut in half: making a temporary file and taking charge of it, or removing it after a stop. On leaving,
    the handlers in place before are put back and, with ``replay``, each noted signal is sent again, so it acts as
    if it had come just after the step; without, it is dropped (a repeated stop while stopping). Outside the main
    thread nothing changes."""
    noted: list[int] = []

    def note(signum: int, frame: object) -> None:
        noted.append(signum)

    previous: dict[int, Any] = {}
    try:
        for stop in _STOP_SIGNALS:
            previous[stop] = signal.signal(stop, note)
    except ValueError:  # not the main thread
        yield noted
        return
    try:
        yield noted
    finally:
        for held, handler in previous.items():
            signal.signal(held, handler)
        if replay:
            for again in dict.fromkeys(noted):
                signal.raise_signal(again)
