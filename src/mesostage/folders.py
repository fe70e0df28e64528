"""The platform's user folders for mesostage (``platformdirs``): the defaults of the ``data_dir`` and ``cache_dir``
settings (:mod:`mesostage.settings`). Imported only where a folder is needed: ``platformdirs`` takes a few ms."""

from __future__ import annotations

from pathlib import Path

import platformdirs

__all__ = ["user_cache_folder", "user_data_folder"]


def user_data_folder() -> Path:
    """The user data folder (``~/.local/share/mesostage`` on Linux)."""
    return Path(platformdirs.user_data_dir("mesostage", appauthor=False))


def user_cache_folder() -> Path:
    """The user cache folder (``~/.cache/mesostage`` on Linux)."""
    return Path(platformdirs.user_cache_dir("mesostage", appauthor=False))
