"""The example cases offered on the form page (``examples.toml``; the cases are in ``mesostage/examples/``)."""

from __future__ import annotations

import json
import tomllib
from functools import cache
from importlib import resources
from typing import Any

from pydantic import BaseModel, ConfigDict

__all__ = ["Example", "example", "examples"]


class Example(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    file: str
    title: str
    summary: str

    def case(self) -> dict[str, Any]:
        text = resources.files("mesostage").joinpath("examples", self.file).read_text(encoding="utf-8")
        data: dict[str, Any] = json.loads(text)
        return data


@cache
def examples() -> tuple[Example, ...]:
    text = resources.files("mesostage.web").joinpath("examples.toml").read_text(encoding="utf-8")
    return tuple(Example.model_validate(e) for e in tomllib.loads(text)["examples"])


def example(name: str) -> Example | None:
    return next((e for e in examples() if e.name == name), None)
