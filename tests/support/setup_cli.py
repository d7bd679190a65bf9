"""wrapguard-setup against the simulator and the local AWS server, as an admin would run it."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from genesys_simulator.server import SimulatorServer
from tests.support.world import World
from wrapguard.cli.setup import main
from wrapguard_local.local_setup import LocalStack

ADMIN_ID = "wrapguard-admin"
ADMIN_SECRET = "adm1n-Secret-Never-Printed-4c1e"


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def doc(self) -> dict[str, Any]:
        return json.loads(self.out)  # type: ignore[no-any-return]


@pytest.fixture
def stack(
    world: World, function_env: dict[str, Any], sim_server: SimulatorServer, tables: dict[str, str]
) -> LocalStack:
    world.sim.add_client(ADMIN_ID, ADMIN_SECRET)
    # Each test gets its own stack, secret, alarms and org (so its own partner event source) on the shared server.
    unique = uuid.uuid4().hex[:8]
    local = LocalStack(tables=tables, org_id=str(uuid.uuid4()), name=f"wg{unique}", secret_name=f"wg{unique}/client")
    local.deploy()
    local.connect(world.sim)
    return local


@pytest.fixture
def setup_cli(
    stack: LocalStack, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., Run]:
    monkeypatch.setenv("GENESYS_ADMIN_CLIENT_ID", ADMIN_ID)
    monkeypatch.setenv("GENESYS_ADMIN_CLIENT_SECRET", ADMIN_SECRET)

    def run(*argv: str) -> Run:
        out = io.StringIO()
        capsys.readouterr()
        code = main(["--stack-name", stack.name, *argv], out=out)
        err = capsys.readouterr().err
        return Run(code, out.getvalue(), err)

    return run
