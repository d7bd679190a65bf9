"""The failure table: one item per (conversationId, participantId), merged on repeats.

GSI `StatusIndex` (status, lastSeen) lists e.g. open failures newest first.

Bounded items (issue 10, item 7): every string detail copied from an event or an error is cut to a
limit (`message` and `errorMessage` 1,000 characters, every other string attribute 256), ending in
"…[cut, N chars in all]" when cut, so any failure can be recorded: the largest item stays far below
DynamoDB's 400 KB. The keys are not cut: they are canonical UUIDs (or `unresolved`), validated
before a Failure is built.

The store only persists: what a recorded failure does to an item is decided by the pure rules of
domain/failure_rules.py on the item as read, and written conditioned on what was read (status and
reason unchanged), in bounded rounds: concurrent writers end in what the rules say, whatever their order.
The failure writes are called with `deadline.for_failure_write()` (they may use the reserve).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, NamedTuple

from ..aws.dynamodb import ConditionFailed, DynamoDB, Expression, Item
from ..domain.deadline import Deadline
from ..domain.errors import StorageUnavailable
from ..domain.failure_rules import KEPT_WHEN_UNKNOWN, RecordState, merge, replaces_if_absent, settled_by_code
from ..domain.failures import Failure, FailureStatus
from ..domain.stats import FailureFact
from ..timestamps import iso

STATUS_INDEX = "StatusIndex"
# Reviews kept per item (newest last); older ones are dropped so an item stays far below 400 KB.
REVIEW_HISTORY_LIMIT = 10
_REVIEW_WRITE_ATTEMPTS = 10  # each round of a race lets one writer through
_RECORD_WRITE_ROUNDS = 10  # likewise for recording: each round lets at least one writer through


class IndexPosition(NamedTuple):
    """A place in StatusIndex order (lastSeen, then the table key): where a status's page ended."""

    last_seen: str
    conversation_id: str
    participant_id: str

    @classmethod
    def of(cls, item: Mapping[str, Any]) -> IndexPosition:
        return cls(str(item["lastSeen"]), str(item["conversationId"]), str(item["participantId"]))

    def start_key(self, status: FailureStatus) -> dict[str, str]:
        return {
            "status": status.value,
            "lastSeen": self.last_seen,
            "conversationId": self.conversation_id,
            "participantId": self.participant_id,
        }


class ReviewOutcome(StrEnum):
    UPDATED = "updated"
    NOT_FOUND = "not_found"
    ALREADY_REVIEWED = "already_reviewed"


@dataclass(frozen=True)
class Review:
    status: str
    by: str | None = None
    at: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class ReviewResult:
    outcome: ReviewOutcome
    review: Review | None = None  # the item's review after the write, or the one that blocked it


class ReviewRaceError(RuntimeError):
    """Other reviews kept changing the item between our read and our write."""


# Characters kept of a string attribute (module doc). 1,000 keeps a Genesys ErrorBody message whole.
MAX_TEXT_CHARS = 1000
MAX_VALUE_CHARS = 256
_TEXT_ATTRIBUTES = frozenset({"message", "errorMessage"})

# Failure fields -> item attributes; None values are removed so an item shows the latest failure.
_DETAIL_ATTRIBUTES = {
    "reason": "reason",
    "source": "source",
    "message": "message",
    "wrapup_code_id": "wrapupCodeId",
    "wrapup_code_name": "wrapupCodeName",
    "user_id": "userId",
    "queue_id": "queueId",
    "http_status": "httpStatus",
    "error_code": "errorCode",
    "error_message": "errorMessage",
    "context_id": "contextId",
    "correlation_id": "correlationId",
    "found_code": "foundCode",
}
# What reporting groups by: set when known, never removed by a later failure that does not know it.
_CONTEXT_ATTRIBUTES = {
    "media_type": "mediaType",
    "direction": "direction",
    "conversation_end": "conversationEnd",
}


class FailureStore:
    def __init__(
        self,
        db: DynamoDB,
        table_name: str,
        ttl_days: int = 90,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._db = db
        self.table_name = table_name
        self._ttl = timedelta(days=ttl_days)
        self._now = now

    # --- writes ---------------------------------------------------------------------------------
    def record(self, failure: Failure, *, deadline: Deadline) -> int:
        """Create the item, or merge a repeat into it as domain/failure_rules.py `merge` says; returns attempts.

        The first round assumes there is no item (the usual case: one request), later rounds merge
        into the item as read; each write holds only if the item is still what the rules saw.
        """
        key = _key(failure.conversation_id, failure.participant_id)
        seen: Item | None = None
        for _ in range(_RECORD_WRITE_ROUNDS):
            update, condition = self._merge_write(failure, seen)
            try:
                written = self._db.update_item(
                    self.table_name, key, update, condition=condition, return_values="UPDATED_NEW", deadline=deadline
                )
            except ConditionFailed:
                seen = self._db.get_item(self.table_name, key, deadline=deadline)
                continue
            return int(written["attempts"])
        raise _concurrent("UpdateItem", failure.conversation_id, failure.participant_id)

    def _merge_write(self, failure: Failure, seen: Item | None) -> tuple[Expression, Expression]:
        change = merge(_state(seen), failure.reason)
        moment = failure.occurred_at or self._now()
        sets = [
            "#status = :status",
            "lastSeen = :now",
            "firstSeen = if_not_exists(firstSeen, :now)",
            "expiresAt = :ttl",
        ]
        values: dict[str, Any] = {
            ":status": change.status.value,
            ":now": iso(moment),
            ":ttl": int((moment + self._ttl).timestamp()),
            ":one": 1,
        }
        names = {"#status": "status"}
        removes: list[str] = []
        if change.take_details:
            for field_name, (attribute, value) in _attributes(failure).items():
                if value is None and field_name in KEPT_WHEN_UNKNOWN:
                    continue
                names[f"#{attribute}"] = attribute
                if value is None:
                    removes.append(f"#{attribute}")
                else:
                    sets.append(f"#{attribute} = :{attribute}")
                    values[f":{attribute}"] = value
        text = "SET " + ", ".join(sets) + " ADD attempts :one" + (" REMOVE " + ", ".join(removes) if removes else "")
        return Expression(text, names, values), _as_read(seen)

    def record_if_absent(self, failure: Failure, *, deadline: Deadline) -> bool:
        """Create the item unless domain/failure_rules.py `replaces_if_absent` says the one there stays."""
        key = _key(failure.conversation_id, failure.participant_id)
        seen: Item | None = None
        for _ in range(_RECORD_WRITE_ROUNDS):
            if not replaces_if_absent(_state(seen), failure.reason):
                return False
            try:
                self._db.put_item(self.table_name, self._new_item(failure), condition=_as_read(seen), deadline=deadline)
            except ConditionFailed:
                seen = self._db.get_item(self.table_name, key, deadline=deadline)
                continue
            return True
        raise _concurrent("PutItem", failure.conversation_id, failure.participant_id)

    def record_missing(self, failures: list[Failure], *, deadline: Deadline) -> int:
        """Create-if-absent for the reconciler; returns how many items were new.

        BatchGetItem (100 keys a call) skips the participants that already have an item, whatever
        its status; each remaining item is a conditional PutItem, so an item another writer creates
        between the read and the write is never overwritten.
        """
        existing = self._existing_keys([(f.conversation_id, f.participant_id) for f in failures], deadline)
        fresh = {key: f for f in failures if (key := (f.conversation_id, f.participant_id)) not in existing}
        return sum(self.record_if_absent(failure, deadline=deadline) for failure in fresh.values())

    def _existing_keys(self, keys: list[tuple[str, str]], deadline: Deadline) -> set[tuple[str, str]]:
        unique = [_key(c, p) for c, p in dict.fromkeys(keys)]
        found = self._db.batch_get(
            self.table_name, unique, projection=["conversationId", "participantId"], deadline=deadline
        )
        return {(str(i["conversationId"]), str(i["participantId"])) for i in found}

    def _new_item(self, failure: Failure) -> dict[str, Any]:
        moment = failure.occurred_at or self._now()
        item: dict[str, Any] = {
            "conversationId": failure.conversation_id,
            "participantId": failure.participant_id,
            "status": FailureStatus.OPEN.value,
            "attempts": 1,
            "firstSeen": iso(moment),
            "lastSeen": iso(moment),
            "expiresAt": int((moment + self._ttl).timestamp()),
        }
        item.update({attribute: value for attribute, value in _attributes(failure).values() if value is not None})
        return item

    def resolve_open(
        self, conversation_id: str, participant_id: str, note: str, code_present: str, *, deadline: Deadline
    ) -> bool:
        """Resolve an open item because `code_present` is now set, if domain/failure_rules.py says that settles it."""
        item = self.get(conversation_id, participant_id, deadline=deadline)
        if not settled_by_code(_state(item), code_present):
            return False
        result = self.set_status(
            conversation_id,
            participant_id,
            FailureStatus.RESOLVED,
            note=note,
            reviewer="wrapguard",
            deadline=deadline,
        )
        return result.outcome is ReviewOutcome.UPDATED

    def set_status(
        self,
        conversation_id: str,
        participant_id: str,
        status: FailureStatus,
        *,
        note: str,
        reviewer: str,
        deadline: Deadline,
        force: bool = False,
    ) -> ReviewResult:
        """Review an item: set its status and append (status, by, at, note) to its bounded `reviews` history.

        Only an open item changes unless `force`: a reviewer's decision is never overwritten silently.
        Read, then a write conditioned on what was read (status and history unchanged), so two
        reviewers racing cannot both "win" on an open item or drop each other's history entry.
        """
        key = _key(conversation_id, participant_id)
        for _ in range(_REVIEW_WRITE_ATTEMPTS):
            item = self.get(conversation_id, participant_id, deadline=deadline)
            if item is None:
                return ReviewResult(ReviewOutcome.NOT_FOUND)
            if item["status"] != FailureStatus.OPEN.value and not force:
                return ReviewResult(ReviewOutcome.ALREADY_REVIEWED, _review_of(item))
            entry = {"status": status.value, "by": reviewer, "at": iso(self._now()), "note": note}
            seen = item.get("reviews")
            values: dict[str, Any] = {
                ":status": status.value,
                ":note": note,
                ":by": reviewer,
                ":at": entry["at"],
                ":reviews": [*(seen or [])[-(REVIEW_HISTORY_LIMIT - 1) :], entry],
            }
            condition = _as_read(item)
            update = Expression(
                "SET #status = :status, reviewNote = :note, reviewedBy = :by, reviewedAt = :at, reviews = :reviews",
                {"#status": "status"},
                values,
            )
            if seen is None:
                condition = Expression(
                    condition.text + " AND attribute_not_exists(reviews)", condition.names, condition.values
                )
            else:
                condition = Expression(
                    condition.text + " AND reviews = :seen_reviews",
                    condition.names,
                    {**(condition.values or {}), ":seen_reviews": seen},
                )
            try:
                self._db.update_item(self.table_name, key, update, condition=condition, deadline=deadline)
            except ConditionFailed:
                continue
            return ReviewResult(ReviewOutcome.UPDATED, _review_of({**item, **_current(entry)}))
        raise ReviewRaceError(f"{conversation_id} / {participant_id} is being reviewed concurrently; try again")

    # --- reads ----------------------------------------------------------------------------------
    def get(self, conversation_id: str, participant_id: str, *, deadline: Deadline) -> dict[str, Any] | None:
        return self._db.get_item(self.table_name, _key(conversation_id, participant_id), deadline=deadline)

    def for_conversation(self, conversation_id: str, *, deadline: Deadline) -> list[dict[str, Any]]:
        condition = Expression("conversationId = :c", values={":c": conversation_id})
        return list(self._db.query(self.table_name, condition, deadline=deadline))

    def by_status(
        self,
        status: FailureStatus,
        *,
        deadline: Deadline,
        since: datetime | None = None,
        page_size: int = 100,
        after: IndexPosition | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Items with `status`, newest first (GSI), paginating through DynamoDB pages lazily.

        `after` resumes just past that position (which need not exist any more: DynamoDB treats the
        start key as a place in the index order).
        """
        text, values = "#status = :status", {":status": status.value}
        if since is not None:
            text, values = text + " AND lastSeen >= :since", {**values, ":since": iso(since)}
        condition = Expression(text, {"#status": "status"}, values)
        start = after.start_key(status) if after is not None else None
        return self._db.query(
            self.table_name,
            condition,
            deadline=deadline,
            index=STATUS_INDEX,
            forward=False,
            limit=page_size,
            first_key=start,
        )

    def newest_first(
        self,
        positions: Mapping[FailureStatus, IndexPosition | None],
        *,
        deadline: Deadline,
        since: datetime | None = None,
        page_size: int = 100,
    ) -> Iterator[dict[str, Any]]:
        """Items of several statuses, newest first: one GSI query per status merged by `lastSeen`.

        Each status resumes after its own position (None: from the newest), so a caller that keeps
        the position of the last item it used per status can page through every status with no scan.
        """
        streams = [
            self.by_status(s, since=since, page_size=page_size, after=p, deadline=deadline)
            for s, p in positions.items()
        ]
        return heapq.merge(*streams, key=lambda item: str(item["lastSeen"]), reverse=True)

    def facts(self, since: date, *, deadline: Deadline) -> Iterator[FailureFact]:
        """What stats need of every failure last seen since the start of `since` (UTC), any status."""
        start = datetime.combine(since, time.min, tzinfo=UTC)
        for status in FailureStatus:
            for item in self.by_status(status, since=start, deadline=deadline):
                ended = str(item.get("conversationEnd") or item.get("firstSeen") or item["lastSeen"])
                yield FailureFact(
                    day=ended[:10],
                    reason=str(item.get("reason", "")),
                    source=str(item.get("source", "")),
                    status=str(item["status"]),
                    queue_id=item.get("queueId"),
                    user_id=item.get("userId"),
                    media_type=item.get("mediaType"),
                )

    def scan(self, *, deadline: Deadline) -> Iterator[dict[str, Any]]:
        return self._db.scan(self.table_name, deadline=deadline)


def _key(conversation_id: str, participant_id: str) -> dict[str, str]:
    return {"conversationId": conversation_id, "participantId": participant_id}


def _state(item: Mapping[str, Any] | None) -> RecordState | None:
    if item is None:
        return None
    code = item.get("wrapupCodeId")
    return RecordState(FailureStatus(str(item["status"])), item.get("reason"), str(code) if code else None)


def _as_read(item: Mapping[str, Any] | None) -> Expression:
    """The condition that the item is still what the rules decided on: absent, or same status and reason."""
    if item is None:
        return Expression("attribute_not_exists(conversationId)")
    names = {"#status": "status", "#reason": "reason"}
    values: dict[str, Any] = {":seen_status": item["status"]}
    text = "attribute_exists(conversationId) AND #status = :seen_status AND "
    if item.get("reason") is None:
        text += "attribute_not_exists(#reason)"
    else:
        text += "#reason = :seen_reason"
        values[":seen_reason"] = item["reason"]
    return Expression(text, names, values)


def _concurrent(operation: str, conversation_id: str, participant_id: str) -> StorageUnavailable:
    return StorageUnavailable(
        f"failure record {conversation_id} / {participant_id} kept changing for {_RECORD_WRITE_ROUNDS} rounds",
        operation=operation,
        code="ConcurrentWrites",
    )


def _attributes(failure: Failure) -> dict[str, tuple[str, Any]]:
    """Failure field -> (item attribute, value): details cut to their limits, context as text; None when unknown."""
    fields: dict[str, tuple[str, Any]] = {}
    for field_name, attribute in _DETAIL_ATTRIBUTES.items():
        value = getattr(failure, field_name)
        fields[field_name] = (attribute, _bounded(attribute, getattr(value, "value", value)))
    for field_name, attribute in _CONTEXT_ATTRIBUTES.items():
        value = getattr(failure, field_name)
        fields[field_name] = (attribute, iso(value) if isinstance(value, datetime) else value)
    return fields


def plain(item: Any) -> dict[str, Any]:
    """DynamoDB Decimals -> int, for JSON/CSV output."""
    return {key: int(value) if isinstance(value, Decimal) else value for key, value in dict(item).items()}


def _current(entry: Mapping[str, str]) -> dict[str, str]:
    """A history entry as the item's current review attributes."""
    return {
        "status": entry["status"],
        "reviewedBy": entry["by"],
        "reviewedAt": entry["at"],
        "reviewNote": entry["note"],
    }


def _review_of(item: Mapping[str, Any]) -> Review:
    return Review(str(item["status"]), item.get("reviewedBy"), item.get("reviewedAt"), item.get("reviewNote"))


def _bounded(attribute: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    limit = MAX_TEXT_CHARS if attribute in _TEXT_ATTRIBUTES else MAX_VALUE_CHARS
    if len(value) <= limit:
        return value
    marker = f"…[cut, {len(value)} chars in all]"
    return value[: limit - len(marker)] + marker
