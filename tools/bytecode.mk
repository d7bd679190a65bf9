# Shared by the SAM makefile builds (layer and functions), included through the path of the
# Makefile SAM runs (SAM copies each resource's folder to a scratch directory, but passes the
# original Makefile with --makefile, so MAKEFILE_LIST still points into the repository).
#
# Lambda's code directories are read-only and `sam deploy` zips every file dated 1980-01-01, so
# timestamp-based .pyc never match their sources there and every cold start recompiles every
# module (aws/aws-lambda-builders issue 924; figures in docs/benchmarks.md). Hash-based .pyc
# (PEP 552) do not depend on dates. `unchecked-hash`: the deployed code cannot change under the
# .pyc (read-only, replaced only by a new deployment, which ships new .pyc), so hashing each
# source again at every import would buy nothing; docs/benchmarks.md has the measured difference.
#
# Bytecode is version-specific: it must be compiled by the runtime's Python (python3.13).
LAMBDA_PYTHON_VERSION ?= 3.13
INVALIDATION_MODE ?= unchecked-hash
PYTHON_FOR_BYTECODE ?= $(shell \
	if python$(LAMBDA_PYTHON_VERSION) -c '' >/dev/null 2>&1; then echo python$(LAMBDA_PYTHON_VERSION); \
	elif PYENV_VERSION=$(LAMBDA_PYTHON_VERSION).0 pyenv exec python -c '' >/dev/null 2>&1; then \
		echo "env PYENV_VERSION=$(LAMBDA_PYTHON_VERSION).0 pyenv exec python"; fi)

# $(call compile_bytecode,DIR): hash-based bytecode for every .py under DIR, or a loud warning.
define compile_bytecode
	@if [ -n "$(PYTHON_FOR_BYTECODE)" ]; then \
		$(PYTHON_FOR_BYTECODE) -c 'import sys; assert sys.version_info[:2] == tuple(map(int, "$(LAMBDA_PYTHON_VERSION)".split(".")))' && \
		$(PYTHON_FOR_BYTECODE) -m compileall -q -j 0 --invalidation-mode $(INVALIDATION_MODE) "$(1)" >/dev/null && \
		echo "bytecode ($(INVALIDATION_MODE)) compiled by Python $(LAMBDA_PYTHON_VERSION) in $(1)"; \
	else \
		echo "" >&2; \
		echo "################################################################################" >&2; \
		echo "# WARNING: no Python $(LAMBDA_PYTHON_VERSION) found (python$(LAMBDA_PYTHON_VERSION), pyenv $(LAMBDA_PYTHON_VERSION).0)." >&2; \
		echo "# $(1) ships WITHOUT bytecode: every cold start in Lambda compiles" >&2; \
		echo "# every module again (several times slower; see docs/benchmarks.md)." >&2; \
		echo "# Install Python $(LAMBDA_PYTHON_VERSION) or set PYTHON_FOR_BYTECODE, then build again." >&2; \
		echo "################################################################################" >&2; \
		echo "" >&2; \
		if [ -n "$(REQUIRE_BYTECODE)" ]; then exit 1; fi; \
	fi
endef
