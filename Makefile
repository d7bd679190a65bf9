# wrapguard - the two commands a new user needs are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test check lint typecheck cfn-lint pytest test-py313 build bench lock clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

## demo: simulator + local DynamoDB + the events/ samples through the real handlers, with a summary
demo: $(STAMP)
	POWERTOOLS_LOG_LEVEL=ERROR $(BIN)/python -m wrapguard_local.demo

## test: everything CI runs - ruff, mypy, cfn-lint + sam validate --lint, pytest (unit, integration, contract,
## packaging: the last runs its own `sam build` and imports every handler from the packaged artifact).
## The four run at once (their output kept apart), pytest on every core; serial: `make test JOBS=1 WORKERS=0`.
JOBS ?= 4
test: $(STAMP)
	$(MAKE) --no-print-directory -j$(JOBS) --output-sync=target lint typecheck cfn-lint pytest

check: test

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

## cfn-lint: the template as written, then as SAM transforms it (sam validate --lint runs offline)
cfn-lint: $(STAMP)
	$(BIN)/cfn-lint template.yaml
	SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION=us-east-1 $(BIN)/sam validate --lint --template template.yaml

## pytest: -n WORKERS processes (pytest-xdist); each test module runs whole on one worker (tests/conftest.py)
WORKERS ?= auto
pytest: $(STAMP)
	$(BIN)/pytest -q -n $(WORKERS) --dist loadscope

## test-py313: the unit and contract tests on the Lambda runtime's Python (3.13), when one is installed
PY313 ?= $(shell python3.13 -V >/dev/null 2>&1 && echo python3.13 || (PYENV_VERSION=3.13.0 pyenv exec python -V >/dev/null 2>&1 && echo "env PYENV_VERSION=3.13.0 pyenv exec python"))
test-py313:
	@if [ -z "$(PY313)" ]; then echo "no Python 3.13 here: skipped"; exit 0; fi; \
	test -x .venv313/bin/python || $(PY313) -m venv .venv313; \
	.venv313/bin/python -m pip install --quiet --disable-pip-version-check -e . pytest pytest-timeout pytest-xdist pyyaml hypothesis "moto[server]>=5.0" "cfn-lint>=1.20" aws-sam-translator && \
	.venv313/bin/python -m pytest -q -p no:cacheprovider -n $(WORKERS) --dist loadscope tests/unit tests/contract

## build: sam build (makefile build methods; no Docker, no local python3.13 needed)
build: $(STAMP)
	$(BIN)/sam build --cached --parallel

## bench: the packaged artifact on Python 3.13 vs the floor and the Genesys SDK, cold first call,
## warm path -> docs/benchmarks.md (builds what it measures itself); then the fault burst and the peak
## (bench/peak.py replaces only its own section of docs/benchmarks.md, so it runs after bench/run.py)
bench: $(STAMP)
	$(BIN)/python bench/run.py
	@echo "fault burst (docs/fault-burst.md): 1,000 conversations through the event path, faults everywhere"
	$(BIN)/python -m wrapguard_local.fault_burst --conversations $(BURST) | grep -v '^{'
	@echo "peak (docs/benchmarks.md, its own section): $(PEAK) interactions at 500/min vs Genesys' rate limits, without and with the token pool, and with the cap"
	$(BIN)/python bench/peak.py --interactions $(PEAK)
	@echo "peak at a shift end (docs/benchmarks.md, its own section): $(SHIFT) interactions, 3x the rate for a minute from minute 1"
	$(BIN)/python bench/peak.py --interactions $(SHIFT) --shift-end 1 --factor 0.5 --acw-seconds 30 60

BURST ?= 1000
PEAK ?= 5000
SHIFT ?= 1500

## lock: re-resolve the layer's hash-pinned dependencies (layers/wrapguard/requirements.lock)
lock: $(STAMP)
	$(MAKE) -C layers/wrapguard lock UV=$(abspath $(BIN)/uv)

clean:
	rm -rf .aws-sam .pytest_cache .mypy_cache .ruff_cache
