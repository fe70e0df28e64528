"""Configuration by environment variables, read here and nowhere else (``docs/configuration.md`` lists them).

Every variable starts with ``MESOSTAGE_`` (in capitals); each is optional, and an empty value counts as not set. A
command-line option, where there is one, wins over its variable. A value that cannot be used is a
:class:`SettingsError` naming the variable and saying what it accepts: never a guess and never a silent fall-back to
the default.

:func:`settings` reads the environment each time it is called (cheaply: the values are parsed once for each set of
``MESOSTAGE_*`` values), so a changed variable takes effect at the next call.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from mesostage.limits import PDF_MAX_IN_FLIGHT, PDF_RENDER_SLOTS, SERVE_LIMIT_CONCURRENCY, SERVE_TIMEOUT_KEEP_ALIVE
from mesostage.logs import DEFAULT_FORMAT, DEFAULT_LEVEL

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "ENV_PREFIX",
    "INDEX_FILENAME",
    "LogFormat",
    "LogLevel",
    "Settings",
    "SettingsError",
    "env_name",
    "settings",
    "unknown_variables",
]

ENV_PREFIX = "MESOSTAGE_"
LogLevel = Literal["debug", "info", "warning", "error"]
LogFormat = Literal["text", "json"]
#: A case with every finding and a full patient block is under 5 kB; the default leaves room and no more.
DEFAULT_MAX_BODY_BYTES = 64 * 1024
#: The trial index's file name in the data folder.
INDEX_FILENAME = "trials.sqlite"


class SettingsError(ValueError):
    """One or more ``MESOSTAGE_*`` variables hold a value that cannot be used; the message names each."""


class Settings(BaseModel):
    """The settings, each from ``MESOSTAGE_<NAME>`` (the field name in capitals)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    data_dir: Path | None = Field(
        None, description="folder of the trial index; default: the platform's user data folder"
    )
    trials_index: Path | None = Field(None, description="the trial index file; default: trials.sqlite in data_dir")
    cache_dir: Path | None = Field(
        None, description="folder of the place index for trial distances; default: the platform's user cache folder"
    )
    log_level: LogLevel = Field(DEFAULT_LEVEL, description="the least severe of mesostage's log messages shown")
    log_format: LogFormat = Field(DEFAULT_FORMAT, description="text (one line a message) or json (one object a line)")
    host: str = Field("127.0.0.1", min_length=1, description="address `mesostage serve` listens on")
    port: int = Field(8000, ge=1, le=65535, description="port `mesostage serve` listens on")
    allowed_hosts: tuple[str, ...] | None = Field(
        None, description="Host header values the web app accepts, comma-separated; default: the loopback names"
    )
    max_body_bytes: int = Field(
        DEFAULT_MAX_BODY_BYTES, ge=1024, le=16 * 1024 * 1024, description="larger request bodies are refused (413)"
    )
    pdf_workers: int = Field(PDF_RENDER_SLOTS, ge=1, le=64, description="PDF reports drawn at once (processes)")
    pdf_max_in_flight: int = Field(
        PDF_MAX_IN_FLIGHT, ge=1, le=10_000, description="PDF requests taken at once, drawing or waiting; then 503"
    )
    limit_concurrency: int = Field(
        SERVE_LIMIT_CONCURRENCY, ge=1, le=100_000, description="connections and tasks at once; then 503"
    )
    timeout_keep_alive: int = Field(
        SERVE_TIMEOUT_KEEP_ALIVE, ge=1, le=3600, description="seconds an idle kept-alive connection stays open"
    )

    @field_validator("log_level", "log_format", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            names = tuple(name.strip() for name in value.split(","))
            if not all(names):
                raise ValueError("expected host names separated by commas, with no empty name")
            return names
        return value

    @property
    def index_path(self) -> Path:
        """The trial index file: ``trials_index``, else ``trials.sqlite`` in ``data_dir`` or the user data folder."""
        if self.trials_index is not None:
            return self.trials_index
        if self.data_dir is not None:
            return self.data_dir / INDEX_FILENAME
        from mesostage.folders import user_data_folder  # here: most commands never need it (platformdirs)

        return user_data_folder() / INDEX_FILENAME

    @property
    def cache_folder(self) -> Path:
        """``cache_dir``, else the platform's user cache folder."""
        if self.cache_dir is not None:
            return self.cache_dir
        from mesostage.folders import user_cache_folder

        return user_cache_folder()


def env_name(field: str) -> str:
    """The environment variable of a setting: ``MESOSTAGE_`` and the field name in capitals."""
    return ENV_PREFIX + field.upper()


_FIELDS = frozenset(Settings.model_fields)


@lru_cache(maxsize=32)
def _read(given: tuple[tuple[str, object], ...]) -> Settings:
    """The settings for one set of given values (the cache key: parsed once for each)."""
    try:
        return Settings.model_validate(dict(given))
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False):
            field = str(err["loc"][0]) if err["loc"] else ""
            problems.append(f"{env_name(field)}={err['input']!r}: {_reason(err['type'], err['msg'], err.get('ctx'))}")
        raise SettingsError("; ".join(problems)) from None


def _reason(kind: str, message: str, ctx: dict[str, object] | None) -> str:
    if kind == "literal_error" and ctx:
        return f"expected one of {ctx['expected']}"
    return message.removeprefix("Value error, ")


def _environment() -> dict[str, str]:
    """The ``MESOSTAGE_*`` variables that are set and name a setting, by field name."""
    n = len(ENV_PREFIX)
    return {
        k[n:].lower(): v for k, v in os.environ.items() if k.startswith(ENV_PREFIX) and v and k[n:].lower() in _FIELDS
    }


#: Variables of the name space that are not settings of the program (the tests read ``MESOSTAGE_SHARED``).
_OTHERS = frozenset({"MESOSTAGE_SHARED"})


def unknown_variables() -> list[str]:
    """``MESOSTAGE_*`` variables that are set but name no setting (a misspelt name is otherwise silently unused)."""
    return sorted(
        k
        for k in os.environ
        if k.startswith(ENV_PREFIX) and k[len(ENV_PREFIX) :].lower() not in _FIELDS and k not in _OTHERS
    )


def settings(**overrides: object) -> Settings:
    """The settings from the ``MESOSTAGE_*`` environment variables, with ``overrides`` (a command-line option's
    value; ``None``: not given) in their place.

    Raises
    ------
    SettingsError
        Naming each variable whose value cannot be used, the value, and what it accepts.
    """
    given: dict[str, object] = {**_environment(), **{k: v for k, v in overrides.items() if v is not None}}
    return _read(tuple(sorted(given.items())))
