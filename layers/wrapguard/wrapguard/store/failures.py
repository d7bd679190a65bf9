"""The failure table: one item per (conversationId, participantId), merged on repeats.

GSI `StatusIndex` (status, lastSeen) lists e.g. open failures newest first.

Bounded items (issue 10, item 7): every string detail copied from an event or an error is cut to a
limit (`message` and `errorMessage` 1,000 characters, every other string attribute 256), ending in
"…[cut, N chars in all]" when cut, so any failure can be recorded: the largest item stays far below
DynamoDB's 400 KB. The keys are not cut: they are canonical UUIDs (or `unresolved`), validated
before a Failure is built.

The failure writes (`record`, `record_if_absent`) may use the time each invocation reserves for them
(store/dynamo.py `failure_write`, budget.py).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from functools import partial
from typing import Any, NamedTuple

from ..domain.deadline import Deadline
from ..domain.failures import Failure, FailureReason, FailureStatus, Observation
from ..domain.stats import FailureFact
from ..timestamps import iso
from .dynamo import TableAdapter, failure_write, is_conditional_failure

STATUS_INDEX = "StatusIndex"
# Reviews kept per item (newest last); older ones are dropped so an item stays far below 400 KB.
REVIEW_HISTORY_LIMIT = 10
_REVIEW_WRITE_ATTEMPTS = 10  # each round of a race lets one writer through


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


# Reasons that say precisely why a code is missing; a repeat that only knows an infrastructure error
# (timeout, rate_limited, upstream_error, unauthorized, forbidden) does not replace them.
SPECIFIC_REASONS = frozenset(
    {
        FailureReason.WINDOW_CLOSED,
        FailureReason.INVALID_CODE,
        FailureReason.NOT_FOUND,
        FailureReason.MISSING_WRAPUP,
        FailureReason.PLACEHOLDER_CODE,
        FailureReason.SUPERSEDED,
    }
)
# Reasons a later code on the participant does not settle (a reviewer decides).
_NOT_SETTLED_BY_A_CODE = frozenset({FailureReason.SUPERSEDED.value, "placeholder_code"})
# Who and what was intended: a repeat that does not know them keeps the earlier values.
_KEPT_ATTRIBUTES = frozenset({"wrapupCodeId", "wrapupCodeName", "userId", "queueId"})

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


class FailureStore(TableAdapter):
    def __init__(
        self,
        table_name: str,
        ttl_days: int = 90,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__(table_name)
        self._ttl = timedelta(days=ttl_days)
        self._now = now

    # --- writes ---------------------------------------------------------------------------------
    def record(self, failure: Failure, *, deadline: Deadline | None = None) -> int:
        """Create the item, or merge a repeat into it: attempts + 1, lastSeen, and the latest details.

        Records only move forward (README "Failure records"): a repeat never reopens an item a
        reviewer (or wrapguard) closed, never replaces a specific reason (window_closed,
        invalid_code, ...) with an infrastructure one (timeout, upstream_error, ...), and never
        drops the intended code or the agent/queue it knew.
        """
        key = {"conversationId": failure.conversation_id, "participantId": failure.participant_id}
        moment = failure.occurred_at or self._now()
        sets = [
            "#status = if_not_exists(#status, :open)",
            "lastSeen = :now",
            "firstSeen = if_not_exists(firstSeen, :now)",
            "expiresAt = :ttl",
        ]
        values: dict[str, Any] = {
            ":open": FailureStatus.OPEN.value,
            ":now": iso(moment),
            ":ttl": int((moment + self._ttl).timestamp()),
            ":one": 1,
        }
        names = {"#status": "status"}
        counters_only = "SET " + ", ".join(sets) + " ADD attempts :one"
        removes: list[str] = []
        context = _context(failure)
        for attribute, value in {**_details(failure), **context}.items():
            if value is None and (attribute in _KEPT_ATTRIBUTES or attribute in context):
                continue
            names[f"#{attribute}"] = attribute
            if value is None:
                removes.append(f"#{attribute}")
            else:
                sets.append(f"#{attribute} = :{attribute}")
                values[f":{attribute}"] = value
        expression = "SET " + ", ".join(sets) + " ADD attempts :one"
        if removes:
            expression += " REMOVE " + ", ".join(removes)
        condition: Any = {}  # boto3's stubs type each keyword; this one is optional
        if failure.reason not in SPECIFIC_REASONS:
            specific = {f":specific{i}": reason.value for i, reason in enumerate(sorted(SPECIFIC_REASONS))}
            values.update(specific)
            condition = {
                "ConditionExpression": f"attribute_not_exists(#reason) OR NOT #reason IN ({', '.join(specific)})"
            }
        with failure_write():
            try:
                response = self.table.update_item(
                    Key=key,
                    UpdateExpression=expression,
                    ExpressionAttributeNames=names,
                    ExpressionAttributeValues=values,
                    ReturnValues="UPDATED_NEW",
                    **condition,
                )
            except Exception as exc:
                if not is_conditional_failure(exc):
                    raise
                # The item already holds a more specific failure: count the repeat, keep its details.
                response = self.table.update_item(
                    Key=key,
                    ExpressionAttributeNames={"#status": "status"},
                    ExpressionAttributeValues={k: values[k] for k in (":open", ":now", ":ttl", ":one")},
                    ReturnValues="UPDATED_NEW",
                    UpdateExpression=counters_only,
                )
        if response["Attributes"].get("status") == FailureStatus.OBSERVED.value:
            self._open_observed(key)  # a real failure where observe mode had a code: open, observation kept
        return int(response["Attributes"]["attempts"])  # type: ignore[arg-type]

    def _open_observed(self, key: dict[str, str]) -> None:
        _conditionally(
            lambda: self.table.update_item(
                Key=key,
                UpdateExpression="SET #status = :open",
                ConditionExpression="#status = :observed",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":open": FailureStatus.OPEN.value,
                    ":observed": FailureStatus.OBSERVED.value,
                },
            )
        )

    def record_observation(self, observation: Observation, *, deadline: Deadline | None = None) -> None:
        """Keep what observe mode would have written (domain/observations.py): on the participant's item,
        created with status `observed` when there is none; an existing item keeps its status."""
        subject = observation.subject
        key = {"conversationId": subject.conversation_id, "participantId": subject.participant_id}
        moment = iso(observation.observed_at)
        values: dict[str, Any] = {
            ":observed": FailureStatus.OBSERVED.value,
            ":code": observation.code_id,
            ":at": moment,
            ":source": observation.source.value,
            ":ttl": int((observation.observed_at + self._ttl).timestamp()),
            ":zero": 0,
        }
        sets = [
            "#status = if_not_exists(#status, :observed)",
            "observedCodeId = :code",
            "observedAt = :at",
            "observedSource = :source",
            "firstSeen = if_not_exists(firstSeen, :at)",
            "lastSeen = if_not_exists(lastSeen, :at)",
            "expiresAt = if_not_exists(expiresAt, :ttl)",
            "attempts = if_not_exists(attempts, :zero)",
        ]
        names = {"#status": "status"}
        optional = {
            "observedCodeName": subject.wrapup_code_name,
            "userId": subject.user_id,
            "queueId": subject.queue_id,
            "mediaType": subject.media_type,
            "direction": subject.direction,
            "conversationEnd": iso(subject.conversation_end) if subject.conversation_end else None,
        }
        for attribute, value in optional.items():
            if value is None:
                continue
            names[f"#{attribute}"] = attribute
            keep = "" if attribute == "observedCodeName" else f"if_not_exists(#{attribute}, :{attribute})"
            sets.append(f"#{attribute} = {keep or ':' + attribute}")
            values[f":{attribute}"] = _bounded(attribute, value)
        with failure_write():
            self.table.update_item(
                Key=key,
                UpdateExpression="SET " + ", ".join(sets),
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )

    def observed_participants(
        self, keys: Sequence[tuple[str, str]], *, deadline: Deadline | None = None
    ) -> frozenset[tuple[str, str]]:
        """Of these keys, the participants whose item holds an observation."""
        from .dynamo import _resource

        found = self._batch_get(list(keys), _resource(), "conversationId, participantId, observedCodeId")
        return frozenset((str(i["conversationId"]), str(i["participantId"])) for i in found if i.get("observedCodeId"))

    def record_if_absent(self, failure: Failure, *, deadline: Deadline | None = None) -> bool:
        """Create the item unless the participant already has one that says why (a specific reason).

        An open item that only holds an infrastructure error (an earlier delivery's timeout, say) is
        replaced by this decision, so a retried event's `window_closed` is not hidden behind it.
        """
        specific = {f":specific{i}": reason.value for i, reason in enumerate(sorted(SPECIFIC_REASONS))}
        condition = (
            f"attribute_not_exists(conversationId) OR (#status = :open AND NOT #reason IN ({', '.join(specific)}))"
        )
        if failure.reason not in SPECIFIC_REASONS:
            condition = "attribute_not_exists(conversationId)"
            specific = {}
        with failure_write():
            if _conditionally(
                lambda: self.table.put_item(
                    Item=self._new_item(failure),
                    ConditionExpression=condition,
                    **_names_and_values(condition, specific),
                )
            ):
                return True
            return self._replace_observed(failure)

    def _replace_observed(self, failure: Failure) -> bool:
        """An item that holds only an observation is replaced by the failure, keeping the observation."""
        item = self.get(failure.conversation_id, failure.participant_id)
        if item is None or item.get("status") != FailureStatus.OBSERVED.value:
            return False
        kept = {k: v for k, v in item.items() if k.startswith("observed")}
        return _conditionally(
            lambda: self.table.put_item(
                Item={**self._new_item(failure), **kept},
                ConditionExpression="#status = :observed AND observedAt = :at",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":observed": FailureStatus.OBSERVED.value, ":at": item["observedAt"]},
            )
        )

    def record_missing(self, failures: list[Failure], *, deadline: Deadline | None = None) -> int:
        """Create-if-absent for the reconciler; returns how many items were new.

        BatchGetItem (100 keys a call) skips the participants that already have an item, whatever
        its status; each remaining item is a conditional PutItem, so an item another writer creates
        between the read and the write is never overwritten.
        """
        from .dynamo import _resource

        new = 0
        for start in range(0, len(failures), 100):
            chunk = failures[start : start + 100]
            existing = self._existing_keys([(f.conversation_id, f.participant_id) for f in chunk], _resource())
            fresh = {key: f for f in chunk if (key := (f.conversation_id, f.participant_id)) not in existing}
            new += sum(self.record_if_absent(failure) for failure in fresh.values())
        return new

    def _existing_keys(self, keys: list[tuple[str, str]], resource: Any) -> set[tuple[str, str]]:
        """Participants with an item, except items that hold only an observation (a failure replaces those)."""
        found = self._batch_get(keys, resource, "conversationId, participantId, #status")
        return {
            (str(i["conversationId"]), str(i["participantId"]))
            for i in found
            if i.get("status") != FailureStatus.OBSERVED.value
        }

    def _batch_get(self, keys: list[tuple[str, str]], resource: Any, projection: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), 100):
            request: dict[str, Any] = {
                self.table_name: {
                    "Keys": [{"conversationId": c, "participantId": p} for c, p in unique[start : start + 100]],
                    "ProjectionExpression": projection,
                    "ConsistentRead": True,
                    **({"ExpressionAttributeNames": {"#status": "status"}} if "#status" in projection else {}),
                }
            }
            while request:
                response = resource.batch_get_item(RequestItems=request)
                found += response["Responses"].get(self.table_name, [])
                request = response.get("UnprocessedKeys") or {}
        return found

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
        details = {**_details(failure), **_context(failure)}
        item.update({attribute: value for attribute, value in details.items() if value is not None})
        return item

    def resolve_open(
        self,
        conversation_id: str,
        participant_id: str,
        note: str,
        code_present: str,
        *,
        deadline: Deadline | None = None,
    ) -> bool:
        """Resolve an open item because `code_present` is now set, if that settles what it recorded.

        Not when the item recorded another intended code (that intent is still not applied), nor a
        lost race (`superseded`) or a placeholder: those stay open for a reviewer.
        """
        item = self.get(conversation_id, participant_id)
        if item is None or item["status"] != FailureStatus.OPEN.value:
            return False
        if item.get("reason") in _NOT_SETTLED_BY_A_CODE:
            return False
        if item.get("wrapupCodeId") not in (None, code_present):
            return False
        result = self.set_status(
            conversation_id, participant_id, FailureStatus.RESOLVED, note=note, reviewer="wrapguard"
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
        force: bool = False,
    ) -> ReviewResult:
        """Review an item: set its status and append (status, by, at, note) to its bounded `reviews` history.

        Only an open item changes unless `force`: a reviewer's decision is never overwritten silently.
        Read, then a write conditioned on what was read (status and history unchanged), so two
        reviewers racing cannot both "win" on an open item or drop each other's history entry.
        """
        key = {"conversationId": conversation_id, "participantId": participant_id}
        for _ in range(_REVIEW_WRITE_ATTEMPTS):
            item = self.get(conversation_id, participant_id)
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
                ":seen_status": item["status"],
            }
            condition = "attribute_exists(conversationId) AND #status = :seen_status AND "
            if seen is None:
                condition += "attribute_not_exists(reviews)"
            else:
                condition += "reviews = :seen_reviews"
                values[":seen_reviews"] = seen
            written = _conditionally(
                partial(
                    self.table.update_item,
                    Key=key,
                    UpdateExpression=(
                        "SET #status = :status, reviewNote = :note, reviewedBy = :by, reviewedAt = :at, "
                        "reviews = :reviews"
                    ),
                    ConditionExpression=condition,
                    ExpressionAttributeNames={"#status": "status"},
                    ExpressionAttributeValues=values,
                )
            )
            if written:
                return ReviewResult(ReviewOutcome.UPDATED, _review_of({**item, **_current(entry)}))
        raise ReviewRaceError(f"{conversation_id} / {participant_id} is being reviewed concurrently; try again")

    # --- reads ----------------------------------------------------------------------------------
    def get(self, conversation_id: str, participant_id: str) -> dict[str, Any] | None:
        item = self.table.get_item(
            Key={"conversationId": conversation_id, "participantId": participant_id}, ConsistentRead=True
        ).get("Item")
        return plain(item) if item else None

    def for_conversation(self, conversation_id: str) -> list[dict[str, Any]]:
        from boto3.dynamodb.conditions import Key

        return list(
            self._pages(self.table.query, {"KeyConditionExpression": Key("conversationId").eq(conversation_id)})
        )

    def by_status(
        self,
        status: FailureStatus,
        *,
        since: datetime | None = None,
        page_size: int = 100,
        after: IndexPosition | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Items with `status`, newest first (GSI), paginating through DynamoDB pages lazily.

        `after` resumes just past that position (which need not exist any more: DynamoDB treats the
        start key as a place in the index order).
        """
        from boto3.dynamodb.conditions import Key

        condition: Any = Key("status").eq(status.value)
        if since is not None:
            condition = condition & Key("lastSeen").gte(iso(since))
        kwargs: dict[str, Any] = {
            "IndexName": STATUS_INDEX,
            "KeyConditionExpression": condition,
            "ScanIndexForward": False,
            "Limit": page_size,
        }
        if after is not None:
            kwargs["ExclusiveStartKey"] = after.start_key(status)
        return self._pages(self.table.query, kwargs)

    def newest_first(
        self,
        positions: Mapping[FailureStatus, IndexPosition | None],
        *,
        since: datetime | None = None,
        page_size: int = 100,
    ) -> Iterator[dict[str, Any]]:
        """Items of several statuses, newest first: one GSI query per status merged by `lastSeen`.

        Each status resumes after its own position (None: from the newest), so a caller that keeps
        the position of the last item it used per status can page through every status with no scan.
        """
        streams = [self.by_status(s, since=since, page_size=page_size, after=p) for s, p in positions.items()]
        return heapq.merge(*streams, key=lambda item: str(item["lastSeen"]), reverse=True)

    def facts(self, since: date) -> Iterator[FailureFact]:
        """What stats need of every failure last seen since the start of `since` (UTC), any status."""
        start = datetime.combine(since, time.min, tzinfo=UTC)
        for status in FailureStatus:
            for item in self.by_status(status, since=start):
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

    def scan(self) -> Iterator[dict[str, Any]]:
        return self._pages(self.table.scan, {})

    @staticmethod
    def _pages(operation: Callable[..., Any], kwargs: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Every item of a query or scan, following LastEvaluatedKey page by page."""
        while True:
            response = operation(**kwargs)
            for item in response.get("Items", []):
                yield plain(item)
            if "LastEvaluatedKey" not in response:
                return
            kwargs = {**kwargs, "ExclusiveStartKey": response["LastEvaluatedKey"]}


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


def _details(failure: Failure) -> dict[str, Any]:
    """The failure's detail fields as item attributes (enums as their values; None when absent;
    strings cut to their limit)."""
    values = {attribute: getattr(failure, field) for field, attribute in _DETAIL_ATTRIBUTES.items()}
    return {attribute: _bounded(attribute, getattr(value, "value", value)) for attribute, value in values.items()}


def _bounded(attribute: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    limit = MAX_TEXT_CHARS if attribute in _TEXT_ATTRIBUTES else MAX_VALUE_CHARS
    if len(value) <= limit:
        return value
    marker = f"…[cut, {len(value)} chars in all]"
    return value[: limit - len(marker)] + marker


def _context(failure: Failure) -> dict[str, Any]:
    values = {attribute: getattr(failure, field) for field, attribute in _CONTEXT_ATTRIBUTES.items()}
    return {attribute: iso(value) if isinstance(value, datetime) else value for attribute, value in values.items()}


def _names_and_values(condition: str, specific: dict[str, str]) -> Any:
    """The expression names and values `condition` uses (DynamoDB refuses unused ones)."""
    if ":open" not in condition:
        return {}
    return {
        "ExpressionAttributeNames": {"#status": "status", "#reason": "reason"},
        "ExpressionAttributeValues": {":open": FailureStatus.OPEN.value, **specific},
    }


def _conditionally(write: Callable[[], Any]) -> bool:
    """Run a conditional write; False when its condition did not hold."""
    try:
        write()
    except Exception as exc:
        if is_conditional_failure(exc):
            return False
        raise
    return True
