"""Independent review of issues 16-18, against the local AWS server: each test reproduces one defect."""

from __future__ import annotations

import io
import json
import uuid
from typing import Any

import pytest

from tests.support.aws import local_db
from wrapguard.cli.review import main
from wrapguard.domain.deadline import Deadline
from wrapguard.domain.failures import Failure, FailureReason, FailureSource
from wrapguard.store.failures import FailureStore
from wrapguard_local.template import load_template

pytestmark = pytest.mark.integration


def reviewer_dynamodb_actions() -> set[str]:
    statements = load_template()["Resources"]["ReviewerPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    actions: set[str] = set()
    # A conditional statement is {"Fn::If": [condition, statement, AWS::NoValue]}: both branches count.
    flat = [branch for s in statements for branch in (s["Fn::If"][1:] if "Fn::If" in s else [s])]
    for statement in flat:
        if isinstance(statement, dict) and "Action" in statement:
            given = statement["Action"]
            actions |= {a for a in ([given] if isinstance(given, str) else given) if a.startswith("dynamodb:")}
    return actions


def test_export_of_every_status_works_with_the_reviewer_policy_which_grants_no_scan(
    function_env: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 16: the reviewers' managed policy allows Query on the index and no Scan. `export` without
    `--status` (its default, `all`) read the table with a Scan, so a reviewer holding ReviewerPolicy got
    AccessDenied from the supervisors' main file export. Here a Scan is refused as IAM would refuse it."""
    assert "dynamodb:Scan" not in reviewer_dynamodb_actions()
    store = FailureStore(local_db(), function_env["FAILURES_TABLE_NAME"])
    cid, pid = str(uuid.uuid4()), str(uuid.uuid4())
    failure = Failure(
        conversation_id=cid,
        participant_id=pid,
        reason=FailureReason.WINDOW_CLOSED,
        source=FailureSource.DATA_ACTION,
        message="m",
    )
    store.record(failure, deadline=Deadline.unbounded())

    def refused(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError("dynamodb:Scan is not allowed by ReviewerPolicy")

    monkeypatch.setattr(type(local_db()), "scan", refused)
    out, err = io.StringIO(), io.StringIO()
    code = main(["export", "--format", "jsonl"], out=out, err=err)
    assert code == 0, err.getvalue()
    exported = [json.loads(line) for line in out.getvalue().splitlines()]
    assert (cid, pid) in {(e["conversationId"], e["participantId"]) for e in exported}
