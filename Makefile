# Two entry points that work on a fresh machine: `make serve` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: serve test lint fmt bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $@ $(STAMP)

serve: $(STAMP)
	$(BIN)/confab serve

test: $(DEV_STAMP)
	$(BIN)/ruff check confab tests bench
	$(BIN)/mypy
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(DEV_STAMP)
	$(BIN)/ruff check confab tests bench
	$(BIN)/mypy
	$(BIN)/ruff format --check confab tests bench

fmt: $(DEV_STAMP)
	$(BIN)/ruff check --fix confab tests bench
	$(BIN)/ruff format confab tests bench

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache
