from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from genesys_simulator import running_simulator
from genesys_simulator.server import SimulatorServer
from tests.support.world import CLIENT_ID, CLIENT_SECRET, World
from wrapguard_local.dynamodb import LOCAL_AWS_ENV, local_dynamodb_server
from wrapguard_local.template import create_tables


def _load_hypothesis_profile() -> None:
    """Hypothesis profiles (issue 15 item 5), loaded before any test module builds its settings:
    "default" caps examples for the run a developer repeats every few minutes; "ci" runs many more
    (HYPOTHESIS_PROFILE=ci, set by .ci/run). Property tests set no max_examples of their own."""
    from hypothesis import settings

    settings.register_profile("default", max_examples=40, deadline=None)
    settings.register_profile("ci", max_examples=400, deadline=None, print_blob=True)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


_load_hypothesis_profile()

# Never let a test reach real AWS or pick up a developer's profile.
os.environ.update(LOCAL_AWS_ENV)
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "WrapguardTest")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.pop("AWS_PROFILE", None)


# `make test` runs pytest-xdist with `--dist loadscope`: each test module runs whole on one worker, so
# module fixtures run once per run (tests/packaging's `sam build`) and a module's wall-clock tests
# (test_dynamo_bounds) do not run against each other. (`--dist loadgroup` would be finer, but
# pytest-xdist 3.8 cannot tag node ids under pytest 9: its groups are silently ignored.)


def pytest_sessionstart(session: pytest.Session) -> None:
    """With workers, the vendor SDK wheel (tests/contract) is downloaded once, here in the controller,
    rather than by two workers into one .cache/ folder at the same time."""
    config = session.config
    if not hasattr(config, "workerinput") and config.getoption("numprocesses", default=None):
        from tests.contract.vendor_models import _wheel

        _wheel()


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture(scope="session")
def dynamodb_endpoint() -> Iterator[str]:
    with local_dynamodb_server() as url:
        yield url


@pytest.fixture
def local_aws(dynamodb_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("AWS_ENDPOINT_URL", dynamodb_endpoint)
    return dynamodb_endpoint


@pytest.fixture
def tables(local_aws: str) -> dict[str, str]:
    """Fresh tables from template.yaml, uniquely prefixed for this test."""
    return create_tables(boto3.client("dynamodb", endpoint_url=local_aws), prefix=f"t{uuid.uuid4().hex[:8]}-")


@pytest.fixture
def sim_server(world: World) -> Iterator[SimulatorServer]:
    with running_simulator(world.sim) as server:
        yield server


@pytest.fixture
def function_env(
    sim_server: SimulatorServer, tables: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    env = {
        "GENESYS_API_URL": sim_server.url,
        "GENESYS_LOGIN_URL": sim_server.url,
        "GENESYS_CLIENT_ID": CLIENT_ID,
        "GENESYS_CLIENT_SECRET": CLIENT_SECRET,
        "FAILURES_TABLE_NAME": tables["FailuresTable"],
        "STAGED_CODES_TABLE_NAME": tables["StagedCodesTable"],
        "LEASE_TABLE_NAME": tables["LeaseTable"],
    }
    for optional in ("IdempotencyTable", "ReconcileCheckpointTable", "ComplianceTable"):
        if optional in tables:
            env[
                {
                    "IdempotencyTable": "IDEMPOTENCY_TABLE_NAME",
                    "ReconcileCheckpointTable": "CHECKPOINT_TABLE_NAME",
                    "ComplianceTable": "COMPLIANCE_TABLE_NAME",
                }[optional]
            ] = tables[optional]
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env
