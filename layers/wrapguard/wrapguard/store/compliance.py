"""The compliance table: per-day wrap-up figures that outlive metric retention, per queue and per agent.

Two kinds of item (partition key `pk`, sort key `sk`):
- one outcome item per checked agent participant, `P#{conversationId}` / `{participantId}`: what was
  counted for it, kept (TTL) longer than any reconcile window can reach back;
- per-day aggregates, `D#{day}` / `Q#{queue}#M#{media}` and `D#{day}` / `A#{user}#Q#{queue}#M#{media}`:
  counters checked, coded, missing, placeholder, and observe mode's wouldApply and wouldFix; never expire;
- one marker per participant and observe-mode counter, `O#{conversationId}` (wouldApply) or
  `F#{conversationId}` (wouldFix) / `{participantId}`, written in the same transaction as the +1 under
  "absent": each participant adds to each counter once, however often it is observed or re-read (TTL).

A participant is counted only in the same transaction that writes its outcome item under a condition
(absent, or still holding what was counted before), so re-reading a conversation in an overlapping
window never counts it twice, and a participant whose outcome changed (e.g. its wrap-up segment
reached analytics late) moves from one counter to the other instead of being added again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ..domain.compliance import (
    COUNT_FIELDS,
    COUNTER_ATTRIBUTES,
    OBSERVE_FIELDS,
    UNKNOWN,
    CheckOutcome,
    ComplianceCounts,
    ParticipantCheck,
    utc_day,
)
from ..domain.deadline import Deadline
from ..domain.failures import Observation
from ..domain.stats import DailyCounts
from .dynamo import TableAdapter, _resource

# Longer than the reconciler can look back (the details query's 7-day interval plus its overlap).
OUTCOME_TTL = timedelta(days=35)
MAX_TRANSACTION_ATTEMPTS = 3


@dataclass
class RecordResult:
    new: list[ParticipantCheck] = field(default_factory=list)  # counted for the first time
    changed: int = 0  # counted before under another outcome/queue/day: moved
    unchanged: int = 0  # already counted as it is (overlapping windows)


@dataclass(frozen=True)
class Counted:
    """What the aggregates hold for one participant: its outcome, day, queue, media type and agent."""

    outcome: CheckOutcome
    day: str
    queue: str
    media: str
    user: str

    @classmethod
    def of(cls, check: ParticipantCheck) -> Counted:
        return cls(
            check.outcome, check.day, check.queue_id or UNKNOWN, check.media_type or UNKNOWN, check.user_id or UNKNOWN
        )

    @property
    def signature(self) -> str:
        return "|".join([self.outcome.value, self.day, self.queue, self.media, self.user])

    @classmethod
    def parse(cls, signature: str) -> Counted:
        outcome, day, queue, media, user = signature.split("|")
        return cls(CheckOutcome(outcome), day, queue, media, user)

    def aggregates(self) -> list[dict[str, str]]:
        """The two aggregate items it counts in: its queue's and its agent's (same day, queue, media)."""
        return aggregate_items(self.day, self.queue, self.media, self.user)


def aggregate_items(day: str, queue: str, media: str, user: str) -> list[dict[str, str]]:
    tail = f"Q#{queue}#M#{media}"
    queue_item = {"pk": f"D#{day}", "sk": tail, "day": day, "queueId": queue, "mediaType": media}
    return [queue_item, {**queue_item, "sk": f"A#{user}#{tail}", "userId": user}]


# Marker prefixes of observe mode's once-per-participant counters.
_MARKERS = {"would_apply": "O#", "would_fix": "F#"}


class ComplianceTable(TableAdapter):
    def __init__(self, table_name: str, *, now: Any = lambda: datetime.now(UTC)) -> None:
        super().__init__(table_name)
        self._now = now

    # --- writes ---------------------------------------------------------------------------------
    def record(self, checks: Iterable[ParticipantCheck], *, deadline: Deadline | None = None) -> RecordResult:
        """Count each participant once; batched reads find the ones already counted as they are."""
        unique = {(c.conversation_id, c.participant_id): c for c in checks}
        result = RecordResult()
        keys = list(unique)
        for start in range(0, len(keys), 100):
            chunk = keys[start : start + 100]
            counted = self._counted(chunk)
            for key in chunk:
                check, previous = unique[key], counted.get(key)
                status = "unchanged" if previous == Counted.of(check).signature else self._count(check, previous)
                if status == "new":
                    result.new.append(check)
                elif status == "changed":
                    result.changed += 1
                else:
                    result.unchanged += 1
        return result

    def _counted(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
        request: dict[str, Any] = {
            self.table_name: {
                "Keys": [{"pk": f"P#{cid}", "sk": pid} for cid, pid in keys],
                "ProjectionExpression": "pk, sk, signature",
                "ConsistentRead": True,
            }
        }
        found: dict[tuple[str, str], str] = {}
        while request:
            response = _resource().batch_get_item(RequestItems=request)
            for item in response["Responses"].get(self.table_name, []):
                found[(str(item["pk"])[2:], str(item["sk"]))] = str(item["signature"])
            request = response.get("UnprocessedKeys") or {}
        return found

    def _count(self, check: ParticipantCheck, previous: str | None) -> str:
        """One transaction: the outcome item (conditional) and the aggregate counters it moves.
        Returns new | changed | unchanged (another writer counted it meanwhile)."""
        for _ in range(MAX_TRANSACTION_ATTEMPTS):
            try:
                # The resource's client serialises plain Python values, like the table's own calls.
                client: Any = self.table.meta.client
                client.transact_write_items(TransactItems=self._transaction(check, previous))
            except Exception as exc:
                if type(exc).__name__ != "TransactionCanceledException":
                    raise
                # Someone else wrote this participant's item between our read and our write: re-read.
                current = self._counted([(check.conversation_id, check.participant_id)])
                previous = current.get((check.conversation_id, check.participant_id))
                if previous == Counted.of(check).signature:
                    return "unchanged"
                continue
            return "changed" if previous else "new"
        raise RuntimeError(f"compliance counts for {check.conversation_id}/{check.participant_id} kept changing")

    def _transaction(self, check: ParticipantCheck, previous: str | None) -> list[dict[str, Any]]:
        counted = Counted.of(check)
        item: dict[str, Any] = {
            "pk": f"P#{check.conversation_id}",
            "sk": check.participant_id,
            "signature": counted.signature,
            "outcome": check.outcome.value,
            "day": check.day,
            "expiresAt": int((self._now() + OUTCOME_TTL).timestamp()),
        }
        optional = {
            "userId": check.user_id,
            "queueId": check.queue_id,
            "mediaType": check.media_type,
            "code": check.code,
        }
        item.update({k: v for k, v in optional.items() if v is not None})
        put: dict[str, Any] = {"TableName": self.table_name, "Item": item}
        if previous is None:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            put["ConditionExpression"] = "signature = :previous"
            put["ExpressionAttributeValues"] = {":previous": previous}
        moves = _deltas(Counted.parse(previous) if previous else None, counted)
        return [{"Put": put}, *(self._update(aggregate, delta) for aggregate, delta in moves)]

    def _update(self, aggregate: dict[str, str], delta: Counter[str]) -> dict[str, Any]:
        identity = {k: v for k, v in aggregate.items() if k not in {"pk", "sk"}}
        names = {f"#{k}": k for k in identity}
        values: dict[str, Any] = {f":{k}": v for k, v in identity.items()}
        values.update({f":d_{name}": delta[name] for name in COUNT_FIELDS if delta[name]})
        names.update({f"#{name}": name for name in COUNT_FIELDS if delta[name]})
        expression = "SET " + ", ".join(f"#{k} = :{k}" for k in identity)
        expression += " ADD " + ", ".join(f"#{name} :d_{name}" for name in COUNT_FIELDS if delta[name])
        return {
            "Update": {
                "TableName": self.table_name,
                "Key": {"pk": aggregate["pk"], "sk": aggregate["sk"]},
                "UpdateExpression": expression,
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
            }
        }

    # --- observe mode (domain/observations.py) ----------------------------------------------------
    def count_would_apply(self, observation: Observation, *, deadline: Deadline | None = None) -> bool:
        """+1 wouldApply for the observed participant's queue, media type and day, once per participant."""
        s = observation.subject
        day = utc_day(s.conversation_end or observation.observed_at)
        groups = aggregate_items(day, s.queue_id or UNKNOWN, s.media_type or UNKNOWN, s.user_id or UNKNOWN)
        return self._count_once("would_apply", s.conversation_id, s.participant_id, groups)

    def count_would_fix(self, checks: Sequence[ParticipantCheck], *, deadline: Deadline | None = None) -> int:
        """+1 wouldFix for each uncoded participant observe mode had a code for, once per participant."""
        unique = {(c.conversation_id, c.participant_id): c for c in checks}
        return sum(
            self._count_once("would_fix", cid, pid, Counted.of(check).aggregates())
            for (cid, pid), check in unique.items()
        )

    def _count_once(
        self, counter: str, conversation_id: str, participant_id: str, groups: list[dict[str, str]]
    ) -> bool:
        """The marker (absent before) and the +1 in one transaction; False when it was counted before.
        A cancelled transaction is a conflict on a shared aggregate or the marker: the marker decides."""
        marker_key = {"pk": f"{_MARKERS[counter]}{conversation_id}", "sk": participant_id}
        marker = {**marker_key, "expiresAt": int((self._now() + OUTCOME_TTL).timestamp())}
        attribute = COUNTER_ATTRIBUTES[counter]
        client: Any = self.table.meta.client
        for _ in range(MAX_TRANSACTION_ATTEMPTS):
            put = {"TableName": self.table_name, "Item": marker, "ConditionExpression": "attribute_not_exists(pk)"}
            updates = [self._add_one(group, attribute) for group in groups]
            try:
                client.transact_write_items(TransactItems=[{"Put": put}, *updates])
            except Exception as exc:
                if type(exc).__name__ != "TransactionCanceledException":
                    raise
                if "Item" in self.table.get_item(Key=marker_key, ConsistentRead=True):
                    return False
                continue
            return True
        raise RuntimeError(f"{attribute} for {conversation_id}/{participant_id} kept conflicting")

    def _add_one(self, group: dict[str, str], attribute: str) -> dict[str, Any]:
        identity = {k: v for k, v in group.items() if k not in {"pk", "sk"}}
        names = {f"#{k}": k for k in identity} | {"#counter": attribute}
        values: dict[str, Any] = {f":{k}": v for k, v in identity.items()} | {":one": 1}
        expression = "SET " + ", ".join(f"#{k} = :{k}" for k in identity) + " ADD #counter :one"
        return {
            "Update": {
                "TableName": self.table_name,
                "Key": {"pk": group["pk"], "sk": group["sk"]},
                "UpdateExpression": expression,
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
            }
        }

    # --- reads ----------------------------------------------------------------------------------
    def daily(self, since: date, until: date, *, per_agent: bool = False) -> Iterator[DailyCounts]:
        """Aggregates of each day in [since, until], per queue and media type (or per agent too)."""
        from boto3.dynamodb.conditions import Key

        prefix = "A#" if per_agent else "Q#"
        day = since
        while day <= until:
            kwargs: dict[str, Any] = {
                "KeyConditionExpression": Key("pk").eq(f"D#{day.isoformat()}") & Key("sk").begins_with(prefix)
            }
            while True:
                response = self.table.query(**kwargs)
                for item in response.get("Items", []):
                    yield _row(item, per_agent)
                if "LastEvaluatedKey" not in response:
                    break
                kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]
            day += timedelta(days=1)


def _deltas(previous: Counted | None, current: Counted) -> list[tuple[dict[str, str], Counter[str]]]:
    """Counter changes per aggregate item: +1 where it counts now, -1 where it counted before
    (netted per item: a transaction may touch each item once)."""
    moves: dict[tuple[str, str], tuple[dict[str, str], Counter[str]]] = {}
    for sign, counted in ((-1, previous), (1, current)):
        if counted is None:
            continue
        for aggregate in counted.aggregates():
            _, delta = moves.setdefault((aggregate["pk"], aggregate["sk"]), (aggregate, Counter()))
            delta["checked"] += sign
            delta[counted.outcome.value] += sign
    return [(aggregate, delta) for aggregate, delta in moves.values() if any(delta.values())]


def _row(item: dict[str, Any], per_agent: bool) -> DailyCounts:
    def known(name: str) -> str | None:
        value = item.get(name)
        return None if value in (None, UNKNOWN) else str(value)

    fields = (*COUNT_FIELDS, *OBSERVE_FIELDS)
    counts = ComplianceCounts(**{name: int(item.get(COUNTER_ATTRIBUTES[name], 0)) for name in fields})
    return DailyCounts(
        day=str(item["day"]),
        queue_id=known("queueId"),
        media_type=known("mediaType"),
        user_id=known("userId") if per_agent else None,
        counts=counts,
    )
