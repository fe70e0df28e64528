# mesostage: `make run` installs and runs the main job; `make test` installs and runs every check.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: install run test lint typecheck unit bench bench-trials clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]' --group dev
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

# Trial matching: the evaluation set (seconds), then the 100,000-study import and match benchmark (minutes).
bench-trials: install
	$(BIN)/python benchmarks/trials_eval.py
	$(BIN)/python benchmarks/trials_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis build dist src/*.egg-info artifacts
