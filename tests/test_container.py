"""The container recipe: non-root, a health check on the app's real health route, the system libraries the PDF
needs, and only the web extra installed. (Built and run by .ci/run where a Docker engine exists.)"""

from __future__ import annotations

import os
import re
from pathlib import Path
from unittest import mock

from mesostage.settings import settings

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")


def test_runs_as_a_non_root_user() -> None:
    users = re.findall(r"^USER\s+(\S+)", DOCKERFILE, re.MULTILINE)
    assert users, "no USER line: the app would run as root"
    assert users[-1] not in ("root", "0")


def test_health_check_calls_the_health_route() -> None:
    from tests.web_helpers import client

    check = re.search(r"^HEALTHCHECK .*?CMD (.+?)$", DOCKERFILE, re.MULTILINE | re.DOTALL)
    assert check is not None
    url = re.search(r"http://127\.0\.0\.1:(\d+)(/[\w/]+)", check.group(1))
    assert url is not None
    assert url.group(1) in re.findall(r"^EXPOSE\s+(\d+)", DOCKERFILE, re.MULTILINE)
    assert client().get(url.group(2)).status_code == 200


def test_installs_the_pdf_libraries_that_ci_installs() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "fonts-dejavu-core"):
        assert package in DOCKERFILE
        assert package in ci


def test_serve_takes_its_settings_from_the_variables_not_flags() -> None:
    """The command is plain ``mesostage serve``: an operator changes the host, port or allowed hosts with ``-e
    MESOSTAGE_...`` (docs/configuration.md), and the values set here are ones the settings accept."""
    cmd = re.findall(r"^CMD (.+)$", DOCKERFILE, re.MULTILINE)[-1]
    assert cmd == '["mesostage", "serve"]'
    env = " ".join(re.findall(r"^ENV ((?:.*\\\n)*.*)$", DOCKERFILE, re.MULTILINE)).replace("\\\n", " ")
    values = dict(re.findall(r"(MESOSTAGE_\w+)=(\S+)", env))
    assert {"MESOSTAGE_HOST", "MESOSTAGE_PORT", "MESOSTAGE_ALLOWED_HOSTS"} <= set(values)
    assert values["MESOSTAGE_PORT"] in re.findall(r"^EXPOSE\s+(\d+)", DOCKERFILE, re.MULTILINE)
    with mock.patch.dict(os.environ, values):
        config = settings()
    assert (config.host, config.port) == ("0.0.0.0", 8000)
    assert config.allowed_hosts == ("localhost", "127.0.0.1")
