"""The package's TOML data files (rules, vocabularies, labels, the review catalog), parsed once per machine.

Parsing TOML is the largest part of a command's own start-up work: ``mesostage stage`` reads eleven files (about
100 kB), which ``tomllib`` parses in roughly as long as the staging itself takes. :func:`load_toml` keeps each parsed
file in the cache folder (``MESOSTAGE_CACHE_DIR``, else the user cache folder) in :mod:`marshal` form, named by a
hash of the file's text, and reads that instead of parsing again: a changed file has another hash and is parsed
anew, so the cache can never give the contents of an older file. Nothing but the package's own data files goes
there (no case data). When the folder cannot be read or written, or a cached form is damaged, the file is simply
parsed as before; the result is the same either way.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["load_toml"]

#: The folder under the cache folder; the marshal format belongs to the Python version.
_SUBDIR = f"data-py{sys.version_info[0]}{sys.version_info[1]}"
_DIGEST = 16
#: Parsed files of this process, by hash of their text, as marshal data (each call gets its own new objects).
_MEMO: dict[str, bytes] = {}


def load_toml(text: str) -> dict[str, Any]:
    """``tomllib.loads(text)``, from the cache when the same text was parsed before (in this process or on this
    machine). Raises ``tomllib.TOMLDecodeError`` for a file that is not valid TOML, as ``tomllib.loads`` does."""
    key = hashlib.blake2b(text.encode("utf-8"), digest_size=_DIGEST).hexdigest()
    packed = _MEMO.get(key)
    if packed is None:
        folder = _folder()
        packed = _read(folder / f"{key}.marshal") if folder is not None else None
        if packed is None:
            import tomllib  # here: with the cache, most runs never parse

            parsed = tomllib.loads(text)
            try:
                packed = marshal.dumps(parsed)
            except ValueError:  # a type marshal cannot hold (a TOML date): parsed each time
                return parsed
            if folder is not None:
                _write(folder, f"{key}.marshal", packed)
        _MEMO[key] = packed
    data: dict[str, Any] = marshal.loads(packed)
    return data


def _folder() -> Path | None:
    if not any(name.startswith("MESOSTAGE_") for name in os.environ):  # no setting given: its default, cheaply
        from mesostage.folders import user_cache_folder

        return user_cache_folder() / _SUBDIR
    from mesostage.settings import SettingsError, settings

    try:
        return settings().cache_folder / _SUBDIR
    except SettingsError:  # a MESOSTAGE_* variable that cannot be used: the command says so; here, no cache
        return None


def _read(path: Path) -> bytes | None:
    """The marshal data in ``path``, if it is there whole (a hash of it leads the file)."""
    try:
        blob = path.read_bytes()
    except OSError:
        return None
    check, packed = blob[:_DIGEST], blob[_DIGEST:]
    if hashlib.blake2b(packed, digest_size=_DIGEST).digest() != check:
        return None
    try:
        if not isinstance(marshal.loads(packed), dict):
            return None
    except (EOFError, ValueError, TypeError):
        return None
    return packed


def _write(folder: Path, name: str, packed: bytes) -> None:
    """Write the file whole or not at all (another process may read it at the same moment)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(hashlib.blake2b(packed, digest_size=_DIGEST).digest() + packed)
            os.replace(tmp, folder / name)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        pass  # a read-only or full disk: parsed again next time
