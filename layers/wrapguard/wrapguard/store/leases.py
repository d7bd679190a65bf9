"""The lease table: one item per (conversation, participant), partition key `leaseKey`, TTL `expiresAt`.

A hold is `holder` + `heldUntil` (epoch ms); the item keeps `appliedCode`/`appliedBy` and
`releasedAt` between holds. Both writes are single conditional UpdateItem calls.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ..domain.lease import LeaseState
from .dynamo import TableAdapter, failure_write, is_conditional_failure

# The item outlives every hold so later writers can tell wrapguard's code from the agent's own;
# after-call work never lasts this long.
ITEM_TTL_SECONDS = 7 * 24 * 3600


class LeaseTable(TableAdapter):
    def __init__(self, table_name: str, clock: Callable[[], float] = time.time) -> None:
        super().__init__(table_name)
        self._clock = clock

    def try_acquire(self, key: str, holder: str, hold_seconds: float) -> LeaseState | None:
        now = self._clock()
        try:
            response = self.table.update_item(
                Key={"leaseKey": key},
                UpdateExpression="SET holder = :me, heldUntil = :until, expiresAt = :ttl",
                ConditionExpression="attribute_not_exists(holder) OR heldUntil < :now",
                ExpressionAttributeValues={
                    ":me": holder,
                    ":until": int((now + hold_seconds) * 1000),
                    ":now": int(now * 1000),
                    ":ttl": int(now + ITEM_TTL_SECONDS),
                },
                ReturnValues="ALL_OLD",
            )
        except Exception as exc:
            if is_conditional_failure(exc):
                return None
            raise
        old: dict[str, Any] = dict(response.get("Attributes") or {})
        released = old.get("releasedAt")
        return LeaseState(
            applied_code=str(old["appliedCode"]) if old.get("appliedCode") else None,
            applied_by=str(old["appliedBy"]) if old.get("appliedBy") else None,
            released_at=float(Decimal(str(released)) / 1000) if released is not None else None,
            taken_over=bool(old.get("holder")),
        )

    def release(self, key: str, holder: str, applied_code: str | None, applied_by: str | None) -> None:
        sets = ["releasedAt = :now"]
        values: dict[str, Any] = {":now": int(self._clock() * 1000), ":me": holder}
        if applied_code:
            sets += ["appliedCode = :code", "appliedBy = :by"]
            values.update({":code": applied_code, ":by": applied_by or "wrapguard"})
        try:
            # It remembers the code just applied, so it may use the time kept for failure writes.
            with failure_write():
                self._release(key, sets, values)
        except Exception as exc:
            if not is_conditional_failure(exc):
                raise
            # Our hold expired and another writer took over: it must not lose its hold to us.

    def _release(self, key: str, sets: list[str], values: dict[str, Any]) -> None:
        self.table.update_item(
            Key={"leaseKey": key},
            UpdateExpression="SET " + ", ".join(sets) + " REMOVE holder, heldUntil",
            ConditionExpression="holder = :me",
            ExpressionAttributeValues=values,
        )
