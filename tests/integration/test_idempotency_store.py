"""Powertools Idempotency over our DynamoDB client (store/idempotency.py) against the local server."""

from __future__ import annotations

import time
from typing import Any

import pytest
from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError

from tests.support.aws import local_db
from wrapguard.aws.dynamodb import Expression
from wrapguard.domain.deadline import Deadline
from wrapguard.store.idempotency import IdempotencyTable

pytestmark = pytest.mark.integration


class Counted:
    def __init__(self, table: str) -> None:
        self.calls = 0
        self.table = table

    def run(self, key: dict[str, str]) -> dict[str, Any]:
        persistence = IdempotencyTable(local_db(), self.table, deadline=Deadline.after(20))

        @idempotent_function(  # type: ignore[untyped-decorator]
            data_keyword_argument="key",
            persistence_store=persistence,
            config=IdempotencyConfig(expires_after_seconds=60),
        )
        def act(*, key: dict[str, str]) -> dict[str, Any]:
            self.calls += 1
            return {"done": key["id"], "n": self.calls}

        result: dict[str, Any] = act(key=key)
        return result


def the_record(table: str) -> dict[str, Any]:
    (item,) = list(local_db().scan(table, deadline=Deadline.after(5)))
    return item


def set_record(table: str, item: dict[str, Any], **values: Any) -> None:
    names = {f"#{k}": k for k in values}
    update = Expression(
        "SET " + ", ".join(f"#{k} = :{k}" for k in values), names, {f":{k}": v for k, v in values.items()}
    )
    local_db().update_item(table, {"id": item["id"]}, update, deadline=Deadline.after(5))


def test_a_repeat_gets_the_saved_result(tables: dict[str, str]) -> None:
    counted = Counted(tables["IdempotencyTable"])
    first = counted.run({"id": "e1"})
    assert counted.run({"id": "e1"}) == first and counted.calls == 1
    assert the_record(tables["IdempotencyTable"])["status"] == "COMPLETED"


def test_in_progress_is_refused_and_an_expired_in_progress_is_taken_over(tables: dict[str, str]) -> None:
    table = tables["IdempotencyTable"]
    counted = Counted(table)
    counted.run({"id": "e2"})
    item = the_record(table)
    now_ms = int(time.time() * 1000)
    # Another invocation holds it, still within its own time.
    set_record(table, item, status="INPROGRESS", in_progress_expiration=now_ms + 60_000)
    with pytest.raises(IdempotencyAlreadyInProgressError):
        counted.run({"id": "e2"})
    assert counted.calls == 1
    # That invocation died: its in-progress time is over, so this one runs.
    set_record(table, item, status="INPROGRESS", in_progress_expiration=now_ms - 1_000)
    assert counted.run({"id": "e2"})["n"] == 2


def test_an_expired_record_runs_again(tables: dict[str, str]) -> None:
    table = tables["IdempotencyTable"]
    counted = Counted(table)
    counted.run({"id": "e3"})
    set_record(table, the_record(table), expiration=int(time.time()) - 10)
    assert counted.run({"id": "e3"})["n"] == 2
