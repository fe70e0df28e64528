# mesostage: `make run` installs and runs the main job; `make test` installs and runs every check.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: install run test lint typecheck unit test-lowest lock bench bench-trials clean

install: $(VENV)/.installed

# Installs the versions pinned in constraints.txt (a green run is reproducible); `make lock` refreshes them.
$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]' --group dev
	touch $@

# The main job: the web app and HTTP API on http://127.0.0.1:$(PORT) (loopback only; Ctrl+C stops it).
PORT ?= 8000
run: install
	$(BIN)/mesostage serve --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy src

unit: install
	$(BIN)/python -m pytest

test: lint typecheck unit

# The tests again with the lowest version pyproject.toml allows of every direct dependency (uv's lowest-direct
# resolution), in a venv of their own: the lower bounds are true, not hoped for. CI runs it after `make test`.
LOWEST ?= .venv-lowest
test-lowest: install
	rm -rf $(LOWEST)
	$(BIN)/uv venv --quiet --python $(PYTHON) $(LOWEST)
	VIRTUAL_ENV=$(LOWEST) $(BIN)/uv pip install --quiet --resolution lowest-direct -e '.[test]'
	$(LOWEST)/bin/python -m pytest -q -p no:cacheprovider

# Refresh constraints.txt (needs the package index): the newest versions that pyproject.toml allows, for Python 3.11.
lock: install
	$(BIN)/uv pip compile pyproject.toml --extra test --group dev --python-version 3.11 --quiet -o constraints.txt

# Every benchmark script, then a table of every goal with its floor and ratio (benchmarks/run_all.py). An estimated
# 10-15 minutes on the quiet 2-core machine; BENCH=--quick for smoke runs, BENCH=--full for every size (up to an hour).
BENCH ?=
bench: install
	$(BIN)/python benchmarks/run_all.py $(BENCH)

# Trial matching: the evaluation set (seconds), match latency over the real records (seconds), then the
# 100,000-study import and match benchmark (minutes).
bench-trials: install
	$(BIN)/python benchmarks/trials_eval.py
	$(BIN)/python benchmarks/trials_real_bench.py
	$(BIN)/python benchmarks/trials_bench.py
	$(BIN)/python benchmarks/jsonstream_bench.py

clean:
	rm -rf $(VENV) $(LOWEST) .pytest_cache .mypy_cache .ruff_cache .hypothesis build dist src/*.egg-info artifacts
