"""The deployed artifact, as Lambda runs it: every handler imports from the built layer with bytecode.

`sam build` (this host's CPU, tests/packaging builds its own copy), then each function and the
layer packaged with SAM's own zip function, extracted with the zip's dates, read-only, and
imported by Python 3.13 with nothing on sys.path but the function, the layer and a stand-in for
the runtime's boto3 (bench/artifact.py). So a layer prune that removes something a handler
needs, or bytecode that Lambda would not use, fails here rather than after `sam deploy`.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from bench.artifact import (
    Deployment,
    cold_call,
    deploy_built,
    function_env,
    import_handler,
    python313,
    sam_build_for_host,
)
from genesys_simulator.server import SimulatorServer
from tests.support.world import CLIENT_ID, CLIENT_SECRET, World
from wrapguard_local.dynamodb import LOCAL_AWS_ENV

pytestmark = pytest.mark.packaging

FUNCTIONS = ["ApplyWrapupFunction", "WrapupEventsFunction", "ReconcileFunction"]
TABLES = {
    name: f"wrapguard-{name}"
    for name in ("FailuresTable", "StagedCodesTable", "IdempotencyTable", "LeaseTable", "ReconcileCheckpointTable")
}
# Modules the data action must not load at init in the default configuration (Tracer off, secret
# read without boto3). `botocore` alone (its package __init__, ~1 ms) is imported by Powertools
# itself (aws_lambda_powertools/shared/user_agent.py); none of its modules.
HEAVY = ("aws_xray_sdk", "boto3", "botocore.", "s3transfer")


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    try:
        python313()
    except RuntimeError as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(str(exc))
    return sam_build_for_host(tmp_path_factory.mktemp("sam-build"))


@pytest.fixture(scope="module")
def deployments(build: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Deployment]]:
    parent = tmp_path_factory.mktemp("lambda")
    deployed = {function: deploy_built(function, build, parent) for function in FUNCTIONS}
    yield deployed
    for deployment in deployed.values():
        deployment.remove()


@pytest.mark.parametrize("function", FUNCTIONS)
def test_handler_imports_from_the_packaged_layer_with_bytecode(
    deployments: dict[str, Deployment], function: str
) -> None:
    deployment = deployments[function]
    report = import_handler(deployment, function_env(function, TABLES))
    assert report.file_modules > 50  # the handler, wrapguard and the layer's libraries
    assert not report.from_source, f"compiled at every cold start: {report.from_source[:5]}"
    assert report.bytecode_share >= 0.95
    wrapguard = [path for path in report.from_bytecode if "/opt/python/wrapguard/" in path]
    assert wrapguard, "wrapguard must come from the layer, not from a checkout or a venv"


def test_data_action_loads_no_tracer_or_boto3_at_import(deployments: dict[str, Deployment]) -> None:
    report = import_handler(deployments["ApplyWrapupFunction"], function_env("ApplyWrapupFunction", TABLES))
    assert not [name for name in report.loaded if name.startswith(HEAVY)]


def test_event_function_with_its_default_tracer_loads_the_xray_sdk(deployments: dict[str, Deployment]) -> None:
    # The check above can fail: the same measure sees the Tracer where the template turns it on.
    report = import_handler(deployments["WrapupEventsFunction"], function_env("WrapupEventsFunction", TABLES))
    assert "aws_xray_sdk" in report.loaded


@pytest.mark.integration
def test_data_action_first_call_applies_without_the_tracer(
    deployments: dict[str, Deployment], world: World, sim_server: SimulatorServer, tables: dict[str, str]
) -> None:
    secret = f"wrapguard/{uuid.uuid4().hex[:8]}"
    boto3.client("secretsmanager").create_secret(
        Name=secret, SecretString=json.dumps({"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET})
    )
    env = function_env("ApplyWrapupFunction", tables, {"GenesysCredentialsSecretName": secret})
    env |= LOCAL_AWS_ENV | {"AWS_ENDPOINT_URL": os.environ["AWS_ENDPOINT_URL"]}
    env |= {"GENESYS_API_URL": sim_server.url, "GENESYS_LOGIN_URL": sim_server.url}
    env |= {"WRAPGUARD_DEFAULT_MODE": "enforce"}  # this call must write (a new stack observes: issue 17)
    cid, pid = world.call_in_acw()
    call = cold_call(
        deployments["ApplyWrapupFunction"],
        env,
        {"conversationId": cid, "participantId": pid, "wrapupCodeId": world.resolved},
    )
    assert call.result["outcome"] == "applied"
    assert world.sim.apply_count(cid, pid) == 1
    # The secret (wrapguard/secretsmanager.py) and the participant lease (store/lease_http.py) are
    # read and written over httpx: the first call loads neither the X-Ray SDK nor boto3/botocore.
    assert not [name for name in call.loaded if name.startswith(HEAVY)]
