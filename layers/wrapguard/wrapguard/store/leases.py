"""The lease table: one item per (conversation, participant), partition key `leaseKey`, TTL `expiresAt`.

A hold is `holder` + `heldUntil` (epoch ms); the item keeps `appliedCode`/`appliedBy` and
`releasedAt` between holds. Both writes are single conditional UpdateItem calls over aws/dynamodb.py.

The acquire accepts its own hold (`OR holder = :me`): a retried acquire whose first answer was lost
(DynamoDB applied it, the response never came) must not lock its own writer out (issue 15, D2).
Every timestamp comes from one clock, this process's `clock` (time.time); heldUntil covers the
writer's whole deadline (domain/lease.py `hold_seconds`).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from ..aws.dynamodb import ConditionFailed, DynamoDB, Expression
from ..domain.deadline import Deadline
from ..domain.lease import LeaseState

# The item outlives every hold so later writers can tell wrapguard's code from the agent's own;
# after-call work never lasts this long.
ITEM_TTL_SECONDS = 7 * 24 * 3600

ACQUIRE = "SET holder = :me, heldUntil = :until, expiresAt = :ttl"
ACQUIRE_IF_FREE_OR_OURS = "attribute_not_exists(holder) OR heldUntil < :now OR holder = :me"
RELEASE_IF_OURS = "holder = :me"


def lease_state(old: Mapping[str, Any], holder: str) -> LeaseState:
    """What the item held before this writer took it. Our own earlier (lost-answer) hold is not a takeover."""
    released = old.get("releasedAt")
    return LeaseState(
        applied_code=str(old["appliedCode"]) if old.get("appliedCode") else None,
        applied_by=str(old["appliedBy"]) if old.get("appliedBy") else None,
        released_at=float(Decimal(str(released)) / 1000) if released is not None else None,
        taken_over=bool(old.get("holder")) and old.get("holder") != holder,
    )


class LeaseTable:
    def __init__(self, db: DynamoDB, table_name: str, clock: Callable[[], float] = time.time) -> None:
        self._db = db
        self.table_name = table_name
        self._clock = clock

    def try_acquire(self, key: str, holder: str, hold_seconds: float, *, deadline: Deadline) -> LeaseState | None:
        now = self._clock()
        values = {
            ":me": holder,
            ":until": int((now + hold_seconds) * 1000),
            ":now": int(now * 1000),
            ":ttl": int(now + ITEM_TTL_SECONDS),
        }
        try:
            old = self._db.update_item(
                self.table_name,
                {"leaseKey": key},
                Expression(ACQUIRE),
                condition=Expression(ACQUIRE_IF_FREE_OR_OURS, values=values),
                return_values="ALL_OLD",
                deadline=deadline,
            )
        except ConditionFailed:
            return None
        return lease_state(old, holder)

    def release(
        self, key: str, holder: str, applied_code: str | None, applied_by: str | None, *, deadline: Deadline
    ) -> None:
        sets = ["releasedAt = :now"]
        values: dict[str, Any] = {":now": int(self._clock() * 1000), ":me": holder}
        if applied_code:
            sets += ["appliedCode = :code", "appliedBy = :by"]
            values |= {":code": applied_code, ":by": applied_by or "wrapguard"}
        # A failed condition: our hold expired and another writer took over; it must not lose its hold to us.
        with contextlib.suppress(ConditionFailed):
            self._db.update_item(
                self.table_name,
                {"leaseKey": key},
                Expression("SET " + ", ".join(sets) + " REMOVE holder, heldUntil"),
                condition=Expression(RELEASE_IF_OURS, values=values),
                deadline=deadline,
            )
