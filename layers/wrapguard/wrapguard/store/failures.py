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

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from ..domain.failures import Failure, FailureReason, FailureStatus
from ..timestamps import iso
from .dynamo import TableAdapter, failure_write, is_conditional_failure

STATUS_INDEX = "StatusIndex"

# Reasons that say precisely why a code is missing; a repeat that only knows an infrastructure error
# (timeout, rate_limited, upstream_error, unauthorized, forbidden) does not replace them.
SPECIFIC_REASONS = frozenset(
    {
        FailureReason.WINDOW_CLOSED,
        FailureReason.INVALID_CODE,
        FailureReason.NOT_FOUND,
        FailureReason.MISSING_WRAPUP,
        FailureReason.SUPERSEDED,
    }
)
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
    def record(self, failure: Failure) -> int:
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
        for attribute, value in _details(failure).items():
            if value is None and attribute in _KEPT_ATTRIBUTES:
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
        return int(response["Attributes"]["attempts"])  # type: ignore[arg-type]

    def record_if_absent(self, failure: Failure) -> bool:
        with failure_write():
            return _conditionally(
                lambda: self.table.put_item(
                    Item=self._new_item(failure), ConditionExpression="attribute_not_exists(conversationId)"
                )
            )

    def record_missing(self, failures: list[Failure]) -> int:
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
        request: dict[str, Any] = {
            self.table_name: {
                "Keys": [{"conversationId": c, "participantId": p} for c, p in dict.fromkeys(keys)],
                "ProjectionExpression": "conversationId, participantId",
                "ConsistentRead": True,
            }
        }
        found: set[tuple[str, str]] = set()
        while request:
            response = resource.batch_get_item(RequestItems=request)
            found.update(
                (str(i["conversationId"]), str(i["participantId"]))
                for i in response["Responses"].get(self.table_name, [])
            )
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
        item.update({attribute: value for attribute, value in _details(failure).items() if value is not None})
        return item

    def resolve_open(self, conversation_id: str, participant_id: str, note: str) -> bool:
        return self.set_status(
            conversation_id,
            participant_id,
            FailureStatus.RESOLVED,
            note=note,
            reviewer="wrapguard",
            only_if=FailureStatus.OPEN,
        )

    def set_status(
        self,
        conversation_id: str,
        participant_id: str,
        status: FailureStatus,
        *,
        note: str,
        reviewer: str,
        only_if: FailureStatus | None = None,
    ) -> bool:
        condition = "attribute_exists(conversationId)"
        values: dict[str, Any] = {
            ":status": status.value,
            ":note": note,
            ":by": reviewer,
            ":at": iso(self._now()),
        }
        if only_if is not None:
            condition += " AND #status = :only"
            values[":only"] = only_if.value
        return _conditionally(
            lambda: self.table.update_item(
                Key={"conversationId": conversation_id, "participantId": participant_id},
                UpdateExpression="SET #status = :status, reviewNote = :note, reviewedBy = :by, reviewedAt = :at",
                ConditionExpression=condition,
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=values,
            )
        )

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
        start_key: dict[str, Any] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Items with `status`, newest first (GSI), paginating through DynamoDB pages lazily."""
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
        if start_key:
            kwargs["ExclusiveStartKey"] = start_key
        return self._pages(self.table.query, kwargs)

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


def _conditionally(write: Callable[[], Any]) -> bool:
    """Run a conditional write; False when its condition did not hold."""
    try:
        write()
    except Exception as exc:
        if is_conditional_failure(exc):
            return False
        raise
    return True
