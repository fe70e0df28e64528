# mesostage: `make run` installs and runs the main job; `make test` installs and runs every check.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: install run test lint typecheck unit bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
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

bench: install
	$(BIN)/python benchmarks/stage_bench.py
	$(BIN)/python benchmarks/prognosis_bench.py
	$(BIN)/python benchmarks/options_bench.py
	$(BIN)/python benchmarks/api_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis build dist src/*.egg-info artifacts
