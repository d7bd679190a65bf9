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

# The two writes, shared with the httpx client (store/lease_http.py) so both mean the same.
ACQUIRE = "SET holder = :me, heldUntil = :until, expiresAt = :ttl"
ACQUIRE_IF_FREE = "attribute_not_exists(holder) OR heldUntil < :now"
RELEASE_IF_OURS = "holder = :me"


def acquire_values(holder: str, hold_seconds: float, now: float) -> dict[str, str | int]:
    return {
        ":me": holder,
        ":until": int((now + hold_seconds) * 1000),
        ":now": int(now * 1000),
        ":ttl": int(now + ITEM_TTL_SECONDS),
    }


def release_write(
    holder: str, applied_code: str | None, applied_by: str | None, now: float
) -> tuple[str, dict[str, str | int]]:
    """The release's update expression and values: end the hold, remember the code applied under it."""
    sets = ["releasedAt = :now"]
    values: dict[str, str | int] = {":now": int(now * 1000), ":me": holder}
    if applied_code:
        sets += ["appliedCode = :code", "appliedBy = :by"]
        values |= {":code": applied_code, ":by": applied_by or "wrapguard"}
    return "SET " + ", ".join(sets) + " REMOVE holder, heldUntil", values


def lease_state(old: dict[str, Any]) -> LeaseState:
    """What the item held before this writer took it (plain attribute values)."""
    released = old.get("releasedAt")
    return LeaseState(
        applied_code=str(old["appliedCode"]) if old.get("appliedCode") else None,
        applied_by=str(old["appliedBy"]) if old.get("appliedBy") else None,
        released_at=float(Decimal(str(released)) / 1000) if released is not None else None,
        taken_over=bool(old.get("holder")),
    )


class LeaseTable(TableAdapter):
    def __init__(self, table_name: str, clock: Callable[[], float] = time.time) -> None:
        super().__init__(table_name)
        self._clock = clock

    def try_acquire(self, key: str, holder: str, hold_seconds: float) -> LeaseState | None:
        try:
            response = self.table.update_item(
                Key={"leaseKey": key},
                UpdateExpression=ACQUIRE,
                ConditionExpression=ACQUIRE_IF_FREE,
                ExpressionAttributeValues=acquire_values(holder, hold_seconds, self._clock()),
                ReturnValues="ALL_OLD",
            )
        except Exception as exc:
            if is_conditional_failure(exc):
                return None
            raise
        return lease_state(dict(response.get("Attributes") or {}))

    def release(self, key: str, holder: str, applied_code: str | None, applied_by: str | None) -> None:
        update, values = release_write(holder, applied_code, applied_by, self._clock())
        try:
            # It remembers the code just applied, so it may use the time kept for failure writes.
            with failure_write():
                self.table.update_item(
                    Key={"leaseKey": key},
                    UpdateExpression=update,
                    ConditionExpression=RELEASE_IF_OURS,
                    ExpressionAttributeValues=values,
                )
        except Exception as exc:
            if not is_conditional_failure(exc):
                raise
            # Our hold expired and another writer took over: it must not lose its hold to us.
