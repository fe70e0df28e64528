"""Test-session set-up shared by every test module."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

# The trials place index (mesostage.trials.places) is a per-machine cache; a test run must not write into the
# user's own cache folder, so the whole session (and the subprocesses it starts) uses a temporary one.
if "MESOSTAGE_CACHE_DIR" not in os.environ:
    os.environ["MESOSTAGE_CACHE_DIR"] = _cache = tempfile.mkdtemp(prefix="mesostage-test-cache-")
    atexit.register(shutil.rmtree, _cache, ignore_errors=True)
