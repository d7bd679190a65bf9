"""The ledger table (the LATEST version per participant) and the delivery of each new version to Firehose.

Table: key (conversationId, participantId), the row's columns as attributes (docs/ledger.md), empty
columns left out. Only the latest version is kept here; every version goes to S3 through Firehose
(Athena reads the history). A version is written only if the item still holds the version it was
computed from (`attribute_not_exists` for version 1, `version = n-1` after), so two writers never both
add version n; the loser reads the item again and recomputes (bounded rounds).

Order: DynamoDB conditional write first, then Firehose. The table is the source of truth: a version
Firehose did not take after its retries is counted (`LedgerDeliveryFailed`) and logged with its key
and version, never dropped silently; a version is never sent that the table did not accept (a lost
race sends nothing). A crash between the two leaves the table ahead of S3 until the row's next
version; `wrapguard-review ledger` reads the table.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger

from .. import SERVICE
from ..aws.dynamodb import ConditionFailed, DynamoDB, Expression
from ..aws.firehose import Firehose
from ..domain.compliance import ParticipantCheck
from ..domain.deadline import Deadline
from ..domain.errors import StorageUnavailable
from ..domain.ledger import (
    CodeRef,
    HeldCode,
    Interaction,
    LedgerRow,
    Recorded,
    Review,
    ReviewStatus,
    checked_row,
    next_version,
    settled_by_review,
)
from ..timestamps import iso, parse_iso

logger = Logger(service=SERVICE, child=True)

Key = tuple[str, str]
DAY_INDEX = "DayIndex"
# Each round lets at least one concurrent writer through.
_WRITE_ROUNDS = 10


def _key(key: Key) -> dict[str, str]:
    return {"conversationId": key[0], "participantId": key[1]}


def row_of(item: Mapping[str, Any]) -> LedgerRow:
    return LedgerRow.model_validate(dict(item))


class LedgerTable:
    def __init__(self, db: DynamoDB, table_name: str) -> None:
        self._db = db
        self.table_name = table_name

    def latest(self, key: Key, *, deadline: Deadline) -> LedgerRow | None:
        item = self._db.get_item(self.table_name, _key(key), deadline=deadline)
        return row_of(item) if item else None

    def latest_of(self, keys: Sequence[Key], *, deadline: Deadline) -> dict[Key, LedgerRow]:
        found = self._db.batch_get(self.table_name, [_key(k) for k in dict.fromkeys(keys)], deadline=deadline)
        rows = (row_of(item) for item in found)
        return {row.key: row for row in rows}

    def write(self, row: LedgerRow, *, deadline: Deadline) -> bool:
        """Put `row` if the item still holds version `row.version - 1` (absent for 1); False if not."""
        if row.version == 1:
            condition = Expression("attribute_not_exists(conversationId)")
        else:
            condition = Expression("#v = :previous", {"#v": "version"}, {":previous": row.version - 1})
        item = {name: value for name, value in row.record().items() if value is not None}
        try:
            self._db.put_item(self.table_name, item, condition=condition, deadline=deadline)
        except ConditionFailed:
            return False
        return True

    def since(self, moment: datetime, *, deadline: Deadline, until: datetime | None = None) -> Iterator[LedgerRow]:
        """The latest row of every participant whose conversation ended at or after `moment` (UTC),
        oldest day first: one DayIndex query per day (paged), no scan."""
        start = moment.astimezone(UTC)
        end = (until or datetime.now(UTC)).astimezone(UTC)
        day = start.date()
        while day <= end.date():
            condition = Expression(
                "#day = :day AND conversationEnd >= :from",
                {"#day": "day"},
                {":day": day.isoformat(), ":from": iso(start)},
            )
            for item in self._db.query(self.table_name, condition, index=DAY_INDEX, deadline=deadline):
                yield row_of(item)
            day += timedelta(days=1)


Compute = Callable[[LedgerRow | None], LedgerRow | None]


@dataclass
class LedgerBook:
    """Writes new versions (table first) and delivers them (Firehose; `stream` None: table only)."""

    table: LedgerTable
    firehose: Firehose | None = None
    stream: str | None = None
    on_undelivered: Callable[[int], None] = lambda _: None  # the LedgerDeliveryFailed metric
    on_settled_by_review: Callable[[int], None] = lambda _: None  # the LedgerSettledByReview metric

    def settle(
        self, key: Key, compute: Compute, *, deadline: Deadline, previous: LedgerRow | None = None, read: bool = True
    ) -> LedgerRow | None:
        """Write the version `compute(latest)` gives (None: nothing to write); the written row or None.

        `previous` with `read=False`: the latest as the caller already read it (a batch read). On a lost
        race the item is read again and `compute` called again with what is there now.
        """
        latest = self.table.latest(key, deadline=deadline) if read else previous
        for _ in range(_WRITE_ROUNDS):
            computed = compute(latest)
            if computed is None:
                return None
            row = next_version(latest, computed)
            if row is None:
                return None
            if self.table.write(row, deadline=deadline):
                if settled_by_review(latest, row):
                    self.on_settled_by_review(1)
                return row
            latest = self.table.latest(key, deadline=deadline)
        raise StorageUnavailable(
            f"ledger row {key[0]} / {key[1]} kept changing for {_WRITE_ROUNDS} rounds",
            operation="PutItem",
            code="ConcurrentWrites",
        )

    def deliver(self, rows: Sequence[LedgerRow], *, deadline: Deadline) -> int:
        """Send the versions to Firehose; returns how many could not be delivered (counted and logged)."""
        if not rows or self.firehose is None or not self.stream:
            return 0
        records = [json.dumps(row.record(), separators=(",", ":")).encode() + b"\n" for row in rows]
        undelivered = self.firehose.put_records(self.stream, records, deadline=deadline)
        for lost in undelivered:
            row = rows[lost.index]
            logger.error(
                "ledger version not delivered to Firehose (the ledger table holds it)",
                extra={
                    "conversation_id": row.conversation_id,
                    "participant_id": row.participant_id,
                    "version": row.version,
                    "error_code": lost.code,
                    "stream": self.stream,
                },
            )
        if undelivered:
            self.on_undelivered(len(undelivered))
        return len(undelivered)


# --- the failure record's part ---------------------------------------------------------------------
def recorded_of(item: Mapping[str, Any] | None) -> Recorded | None:
    """The failure item's intended code (wrapupCodeId/Name) and review (status, reviewedBy, reviewCode*)."""
    if item is None:
        return None
    intended = CodeRef(str(item["wrapupCodeId"]), item.get("wrapupCodeName")) if item.get("wrapupCodeId") else None
    review = None
    if item.get("reviewedBy"):
        code = CodeRef(str(item["reviewCodeId"]), item.get("reviewCodeName")) if item.get("reviewCodeId") else None
        status = ReviewStatus(str(item["status"]))
        if code is not None and status is ReviewStatus.RESOLVED and item.get("reviewCodeVerified") is False:
            status = ReviewStatus.RESOLVED_UNVERIFIED
        review = Review(status, str(item["reviewedBy"]), code)
    return Recorded(intended, review)


def interaction_from_failure(item: Mapping[str, Any]) -> Interaction | None:
    """Who a failure item is about, for a first ledger row; None without the conversation's end."""
    ended = item.get("conversationEnd")
    if not ended:
        return None
    return Interaction(
        conversation_id=str(item["conversationId"]),
        participant_id=str(item["participantId"]),
        conversation_end=parse_iso(str(ended)),
        user_id=item.get("userId"),
        queue_id=item.get("queueId"),
        media_type=item.get("mediaType"),
        direction=item.get("direction"),
    )


def held_in_failure(item: Mapping[str, Any]) -> HeldCode | None:
    """The placeholder a failure item found (reason placeholder_code); a failure item never holds a real code."""
    found = item.get("foundCode")
    return HeldCode(CodeRef(str(found)), placeholder=True) if found else None


@dataclass
class CheckLedger:
    """The reconciler's ledger writer: for a batch of checks, reads the failure items, the lease items
    (the code wrapguard applied) and the latest rows in batches, then writes what changed."""

    db: DynamoDB
    book: LedgerBook
    failures_table: str
    lease_table: str | None = None
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def record_checks(self, checks: Sequence[ParticipantCheck], *, deadline: Deadline) -> int:
        keys = [(c.conversation_id, c.participant_id) for c in checks]
        if not keys:
            return 0
        failures = {
            (str(i["conversationId"]), str(i["participantId"])): i
            for i in self.db.batch_get(self.failures_table, [_key(k) for k in dict.fromkeys(keys)], deadline=deadline)
        }
        applied = self._applied_codes(keys, deadline)
        latest = self.book.table.latest_of(keys, deadline=deadline)
        recorded_at = self.now()
        written: list[LedgerRow] = []
        try:
            for check in checks:
                key = (check.conversation_id, check.participant_id)
                compute = self._compute(check, failures.get(key), applied.get(key), recorded_at, deadline)
                row = self.book.settle(key, compute, previous=latest.get(key), read=False, deadline=deadline)
                if row is not None:
                    written.append(row)
        finally:
            # Versions the table took are sent even when a later write fails: the retried pass computes
            # the same rows, writes nothing new and so would never send them.
            self.book.deliver(written, deadline=deadline)
        return len(written)

    def _compute(
        self,
        check: ParticipantCheck,
        item: Mapping[str, Any] | None,
        applied_code: str | None,
        recorded_at: datetime,
        deadline: Deadline,
    ) -> Compute:
        rounds = 0

        def compute(_: LedgerRow | None) -> LedgerRow:
            nonlocal item, rounds
            if rounds:  # lost a race: a review may have come in between; read the failure record again
                key = _key((check.conversation_id, check.participant_id))
                item = self.db.get_item(self.failures_table, key, deadline=deadline)
            rounds += 1
            return checked_row(check, recorded_of(item), applied_code=applied_code, recorded_at=recorded_at)

        return compute

    def _applied_codes(self, keys: Sequence[Key], deadline: Deadline) -> dict[Key, str]:
        if not self.lease_table:
            return {}
        lease_keys = [{"leaseKey": f"{c}#{p}"} for c, p in dict.fromkeys(keys)]
        found = self.db.batch_get(
            self.lease_table, lease_keys, projection=["leaseKey", "appliedCode"], deadline=deadline
        )
        codes: dict[Key, str] = {}
        for item in found:
            if item.get("appliedCode"):
                conversation, _, participant = str(item["leaseKey"]).partition("#")
                codes[(conversation, participant)] = str(item["appliedCode"])
        return codes
