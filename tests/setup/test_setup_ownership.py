"""wrapguard-setup acts only on what its own stack made (issue 16 item 4): two stacks in one org, the
org's own objects, drift repair of the functions' role and client, and unreadable answers that never
echo their body."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from genesys_simulator.http import Response
from tests.support.setup_cli import Run
from tests.support.world import World
from wrapguard.cli.setup.errors import EXIT_OK, EXIT_PROBLEMS, EXIT_REFUSED
from wrapguard.domain.deadline import Deadline
from wrapguard_local.local_setup import LocalStack

pytestmark = pytest.mark.integration
Cli = Callable[..., Run]
EVERYTHING = ("--events", "--create-client")


def steps(run: Run) -> dict[str, tuple[str, str]]:
    """kind -> (change, detail) for the steps of a --json run (one object per kind here)."""
    return {s["kind"]: (s["change"], s["detail"]) for s in run.doc["steps"]}


def org_state(world: World) -> dict[str, Any]:
    sim = world.sim
    return copy.deepcopy(
        {
            "integrations": sim.integrations,
            "configs": sim.integration_configs,
            "credentials": sim.credentials,
            "actions": sim.actions,
            "roles": sim.roles,
            "clients": sim.oauth_clients,
        }
    )


@pytest.fixture
def stack_b(stack: LocalStack, tables: dict[str, str]) -> LocalStack:
    """A second stack of the same account and region, connected to the same org."""
    unique = uuid.uuid4().hex[:8]
    other = LocalStack(tables=tables, org_id=stack.org_id, name=f"wgb{unique}", secret_name=f"wgb{unique}/client")
    other.deploy()
    return other


def test_two_stacks_in_one_org_never_touch_each_others_objects(
    setup_cli: Cli, world: World, stack: LocalStack, stack_b: LocalStack
) -> None:
    assert setup_cli("apply", *EVERYTHING).code == EXIT_OK
    a_objects = org_state(world)
    as_b = ("--stack-name", stack_b.name)

    plan = setup_cli("plan", "--json", *EVERYTHING, *as_b)
    assert plan.code == EXIT_PROBLEMS
    found = steps(plan)
    for kind in ("integration", "eventbridge integration", "role"):
        change, detail = found[kind]
        assert change == "problem" and f"belongs to stack {stack.name} (account 123456789012, us-east-1)" in detail
    assert found["data action"][0] == found["oauth client"][0] == "problem"  # not planned under A's parents

    applied = setup_cli("apply", "--json", *EVERYTHING, *as_b)
    assert applied.code == EXIT_PROBLEMS
    assert not any(s["done"] for s in applied.doc["steps"])
    assert org_state(world) == a_objects  # nothing repointed, nothing added

    destroyed = setup_cli("destroy", "--yes", "--json", *as_b)
    assert destroyed.code == EXIT_PROBLEMS
    assert {s["change"] for s in destroyed.doc["steps"]} <= {"problem", "absent"}
    assert org_state(world) == a_objects  # B deleted none of A's objects

    assert setup_cli("apply", *EVERYTHING).code == EXIT_OK  # A still sees all of it as its own
    assert "no changes" in setup_cli("apply", *EVERYTHING).out
    gone = setup_cli("destroy", "--yes", "--json")
    assert gone.code == EXIT_OK
    assert sorted(s["kind"] for s in gone.doc["steps"] if s["change"] == "delete") == [
        "credential",
        "data action",
        "eventbridge integration",
        "integration",
        "oauth client",
        "role",
    ]
    assert org_state(world) == {k: {} for k in a_objects}


def test_a_second_stack_with_its_own_name_sets_up_beside_the_first(
    setup_cli: Cli, world: World, stack: LocalStack, stack_b: LocalStack
) -> None:
    assert setup_cli("apply", "--create-client").code == EXIT_OK
    a_objects = org_state(world)
    as_b = ("--stack-name", stack_b.name, "--name", "wrapguard-b")
    assert setup_cli("apply", "--create-client", *as_b).code == EXIT_OK
    assert len(world.sim.integrations) == len(world.sim.roles) == len(world.sim.oauth_clients) == 2
    assert setup_cli("destroy", "--yes", *as_b).code == EXIT_OK
    assert org_state(world) == a_objects


def test_the_orgs_own_objects_of_the_same_name_are_reported_and_left_alone(setup_cli: Cli, world: World) -> None:
    # An org-made role and integration that happen to carry wrapguard's default names (no mark).
    world.sim.roles["org-role"] = {
        "id": "org-role",
        "name": "wrapguard-functions",
        "description": "made by hand",
        "permissionPolicies": [{"domain": "routing", "entityName": "queue", "actionSet": ["view"]}],
        "permissions": [],
    }
    mine = world.client()
    created = mine.post(
        "org",
        "/api/v2/integrations",
        {"name": "wrapguard-lambda", "integrationType": {"id": "aws-lambda-data-actions"}},
        deadline=Deadline.unbounded(),
    )
    assert created
    before = org_state(world)
    plan = setup_cli("plan", "--json", "--create-client")
    assert plan.code == EXIT_PROBLEMS
    for kind in ("integration", "role"):
        assert steps(plan)[kind] == (
            "problem",
            "name taken: belongs to the org (no wrapguard-setup mark); left alone (use another --name)",
        )
    assert setup_cli("apply", "--create-client").code == EXIT_PROBLEMS
    assert setup_cli("destroy", "--yes").code == EXIT_PROBLEMS
    assert org_state(world) == before


def test_role_permission_drift_is_planned_and_repaired(setup_cli: Cli, world: World) -> None:
    assert setup_cli("apply", "--create-client").code == EXIT_OK
    (role,) = world.sim.roles.values()
    role["permissionPolicies"].pop()  # analytics:conversationDetail:view removed by hand
    role["permissionPolicies"].append({"domain": "directory", "entityName": "user", "actionSet": ["edit"]})
    plan = setup_cli("plan", "--json", "--create-client")
    assert plan.code == EXIT_OK
    assert steps(plan)["role"] == ("update", "permissions +analytics:conversationDetail:view, -directory:user:edit")
    assert setup_cli("apply", "--create-client").code == EXIT_OK
    granted = {f"{p['domain']}:{p['entityName']}:{a}" for p in role["permissionPolicies"] for a in p["actionSet"]}
    assert "analytics:conversationDetail:view" in granted and "directory:user:edit" not in granted
    assert steps(setup_cli("plan", "--json", "--create-client"))["role"][0] == "unchanged"
    assert setup_cli("verify").code == EXIT_OK


def test_client_division_drift_is_planned_and_repaired(setup_cli: Cli, world: World) -> None:
    assert setup_cli("apply", "--create-client").code == EXIT_OK
    (client,) = world.sim.oauth_clients.values()
    (role_id,) = world.sim.roles
    client["roleDivisions"] = [{"roleId": role_id, "divisionId": "by-hand"}]
    plan = setup_cli("plan", "--json", "--create-client")
    home = world.sim.home_division_id
    assert steps(plan)["oauth client"] == ("update", f"+division {home}, -division by-hand")
    assert setup_cli("apply", "--create-client").code == EXIT_OK
    assert client["roleDivisions"] == [{"roleId": role_id, "divisionId": home}]
    # A changed --division is drift too; the client keeps its id and the secret keeps working.
    wanted = ("--division", "d-one", "--division", "d-two")
    assert steps(setup_cli("plan", "--json", "--create-client", *wanted))["oauth client"][0] == "update"
    assert setup_cli("apply", "--create-client", *wanted).code == EXIT_OK
    assert {g["divisionId"] for g in client["roleDivisions"]} == {"d-one", "d-two"}
    assert len(world.sim.oauth_clients) == 1
    assert setup_cli("verify").code == EXIT_OK


class RawAnswer(Response):
    """An answer whose bytes are sent as they are (truncated JSON is not expressible as a body)."""

    def __init__(self, raw: bytes) -> None:
        super().__init__(200)
        self.raw = raw

    def content(self) -> bytes:
        return self.raw


SECRET = "Zq9xK2mW7vB4nR8tY1cE5hJ3fL6pD0sAuG"  # what a garbled answer carries


@pytest.mark.parametrize(
    ("answer", "field"),
    [
        (f'{{"id": "c-1", "name": "wrapguard-functions", "secret": "{SECRET}'.encode(), "(body): json_invalid"),
        (f'{{"id": "c-1", "secret": {{"value": "{SECRET}"}}}}'.encode(), "secret: string_type"),
        (f'{{"name": "wrapguard-functions", "roleDivisions": "{SECRET}"}}'.encode(), "id: missing"),
    ],
    ids=["truncated", "wrong-type", "missing-id"],
)
def test_an_unreadable_answer_names_the_object_and_field_never_its_text(
    setup_cli: Cli, world: World, monkeypatch: pytest.MonkeyPatch, answer: bytes, field: str
) -> None:
    create = world.sim._h_create_oauth_client

    def garbled(*args: Any) -> Response:
        create(*args)  # the client is made, as on a real platform whose answer was garbled on the way
        return RawAnswer(answer)

    with monkeypatch.context() as patched:
        patched.setattr(world.sim, "_h_create_oauth_client", garbled)
        for argv in (("apply", "--create-client"), ("apply", "--create-client", "--json")):
            world.sim.oauth_clients.clear()
            run = setup_cli(*argv)
            assert run.code == EXIT_REFUSED
            (line,) = run.err.strip().splitlines()
            assert "post_oauth_clients" in line and "OAuthClient" in line and field in line
            printed = run.out + run.err
            assert not any(SECRET[i : i + 6] in printed for i in range(len(SECRET) - 5))
    # The client was made but its secret never reached the stack: the next run says what to do.
    again = setup_cli("apply", "--json", "--create-client")
    assert again.code == EXIT_PROBLEMS
    assert "does not hold this client" in steps(again)["oauth client"][1]


def test_verify_names_an_unreadable_answer_without_its_text(
    setup_cli: Cli, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert setup_cli("apply", "--create-client").code == EXIT_OK
    monkeypatch.setattr(world.sim, "_h_get_oauth_client", lambda *_: RawAnswer(f'{{"id": ["{SECRET}"]}}'.encode()))
    run = setup_cli("verify")
    assert run.code == EXIT_PROBLEMS
    (line,) = [x for x in run.out.splitlines() if "PROBLEM" in x]
    assert "functions client" in line and "get_oauth_client" in line and "id: string_type" in line
    assert not any(SECRET[i : i + 6] in run.out + run.err for i in range(len(SECRET) - 5))
