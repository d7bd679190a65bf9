# wrapguard - the two commands a new user needs are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test check lint typecheck cfn-lint pytest build bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

## demo: simulator + local DynamoDB + the events/ samples through the real handlers, with a summary
demo: $(STAMP)
	$(BIN)/python -m wrapguard_local.demo

## test: everything CI runs - ruff, mypy, cfn-lint, pytest (unit, integration, contract)
test: lint typecheck cfn-lint pytest

check: test

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

cfn-lint: $(STAMP)
	$(BIN)/cfn-lint template.yaml

pytest: $(STAMP)
	$(BIN)/pytest -q

## build: sam build (makefile build methods; no Docker, no local python3.13 needed)
build: $(STAMP)
	$(BIN)/sam build --cached --parallel

## bench: cold import vs the Genesys SDK, deployed size, Genesys calls per apply -> docs/benchmarks.md
bench: $(STAMP) build
	$(BIN)/python bench/run.py

clean:
	rm -rf .aws-sam .pytest_cache .mypy_cache .ruff_cache
