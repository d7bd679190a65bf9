"""The compliance table: per-day wrap-up figures that outlive metric retention, per queue and per agent.

Two kinds of item (partition key `pk`, sort key `sk`):
- one outcome item per checked agent participant, `P#{conversationId}` / `{participantId}`: what was
  counted for it, kept (TTL) longer than any reconcile window can reach back;
- per-day aggregates, `D#{day}` / `Q#{queue}#M#{media}` and `D#{day}` / `A#{user}#Q#{queue}#M#{media}`:
  counters checked, coded, missing, placeholder; never expire.

A participant is counted only in the same transaction that writes its outcome item under a condition
(absent, or still holding what was counted before), so re-reading a conversation in an overlapping
window never counts it twice, and a participant whose outcome changed (e.g. its wrap-up segment
reached analytics late) moves from one counter to the other instead of being added again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ..aws.dynamodb import DynamoDB, Expression, Put, TransactionCanceled, Update
from ..domain.compliance import COUNT_FIELDS, UNKNOWN, CheckOutcome, ComplianceCounts, ParticipantCheck
from ..domain.deadline import Deadline
from ..domain.errors import StorageUnavailable
from ..domain.stats import DailyCounts

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
        tail = f"Q#{self.queue}#M#{self.media}"
        queue = {"pk": f"D#{self.day}", "sk": tail, "day": self.day, "queueId": self.queue, "mediaType": self.media}
        return [queue, {**queue, "sk": f"A#{self.user}#{tail}", "userId": self.user}]


class ComplianceTable:
    def __init__(self, db: DynamoDB, table_name: str, *, now: Any = lambda: datetime.now(UTC)) -> None:
        self._db = db
        self.table_name = table_name
        self._now = now

    # --- writes ---------------------------------------------------------------------------------
    def record(self, checks: Iterable[ParticipantCheck], *, deadline: Deadline) -> RecordResult:
        """Count each participant once; batched reads find the ones already counted as they are."""
        unique = {(c.conversation_id, c.participant_id): c for c in checks}
        result = RecordResult()
        keys = list(unique)
        for start in range(0, len(keys), 100):
            chunk = keys[start : start + 100]
            counted = self._counted(chunk, deadline)
            for key in chunk:
                check, previous = unique[key], counted.get(key)
                status = (
                    "unchanged" if previous == Counted.of(check).signature else self._count(check, previous, deadline)
                )
                if status == "new":
                    result.new.append(check)
                elif status == "changed":
                    result.changed += 1
                else:
                    result.unchanged += 1
        return result

    def _counted(self, keys: list[tuple[str, str]], deadline: Deadline) -> dict[tuple[str, str], str]:
        found = self._db.batch_get(
            self.table_name,
            [{"pk": f"P#{cid}", "sk": pid} for cid, pid in keys],
            projection=["pk", "sk", "signature"],
            deadline=deadline,
        )
        return {(str(item["pk"])[2:], str(item["sk"])): str(item["signature"]) for item in found}

    def _count(self, check: ParticipantCheck, previous: str | None, deadline: Deadline) -> str:
        """One transaction: the outcome item (conditional) and the aggregate counters it moves.
        Returns new | changed | unchanged (another writer counted it meanwhile)."""
        for _ in range(MAX_TRANSACTION_ATTEMPTS):
            try:
                self._db.transact_write(self._transaction(check, previous), deadline=deadline)
            except TransactionCanceled:
                # Someone else wrote this participant's item between our read and our write: re-read.
                current = self._counted([(check.conversation_id, check.participant_id)], deadline)
                previous = current.get((check.conversation_id, check.participant_id))
                if previous == Counted.of(check).signature:
                    return "unchanged"
                continue
            return "changed" if previous else "new"
        raise StorageUnavailable(
            f"compliance counts for {check.conversation_id}/{check.participant_id} kept changing",
            operation="TransactWriteItems",
            code="ConcurrentWrites",
        )

    def _transaction(self, check: ParticipantCheck, previous: str | None) -> list[Put | Update]:
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
        condition = (
            Expression("attribute_not_exists(pk)")
            if previous is None
            else Expression("signature = :previous", values={":previous": previous})
        )
        moves = _deltas(Counted.parse(previous) if previous else None, counted)
        return [Put(self.table_name, item, condition), *(self._update(aggregate, delta) for aggregate, delta in moves)]

    def _update(self, aggregate: dict[str, str], delta: Counter[str]) -> Update:
        identity = {k: v for k, v in aggregate.items() if k not in {"pk", "sk"}}
        names = {f"#{k}": k for k in identity}
        values: dict[str, Any] = {f":{k}": v for k, v in identity.items()}
        values.update({f":d_{name}": delta[name] for name in COUNT_FIELDS if delta[name]})
        names.update({f"#{name}": name for name in COUNT_FIELDS if delta[name]})
        expression = "SET " + ", ".join(f"#{k} = :{k}" for k in identity)
        expression += " ADD " + ", ".join(f"#{name} :d_{name}" for name in COUNT_FIELDS if delta[name])
        return Update(
            self.table_name, {"pk": aggregate["pk"], "sk": aggregate["sk"]}, Expression(expression, names, values)
        )

    # --- reads ----------------------------------------------------------------------------------
    def daily(self, since: date, until: date, *, deadline: Deadline, per_agent: bool = False) -> Iterator[DailyCounts]:
        """Aggregates of each day in [since, until], per queue and media type (or per agent too)."""
        prefix = "A#" if per_agent else "Q#"
        day = since
        while day <= until:
            condition = Expression(
                "pk = :pk AND begins_with(sk, :prefix)", values={":pk": f"D#{day.isoformat()}", ":prefix": prefix}
            )
            for item in self._db.query(self.table_name, condition, deadline=deadline):
                yield _row(item, per_agent)
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

    counts = ComplianceCounts(**{name: int(item.get(name, 0)) for name in COUNT_FIELDS})
    return DailyCounts(
        day=str(item["day"]),
        queue_id=known("queueId"),
        media_type=known("mediaType"),
        user_id=known("userId") if per_agent else None,
        counts=counts,
    )
