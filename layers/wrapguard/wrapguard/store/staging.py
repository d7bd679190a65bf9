"""Staged ("reserved") codes: partition conversationId, sort key target (participant, user#id or *), TTL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ..aws.dynamodb import DynamoDB, Expression
from ..domain.deadline import Deadline
from ..domain.staging import StagedCode, most_specific
from ..timestamps import iso, parse_iso


class StagedCodeTable:
    def __init__(self, db: DynamoDB, table_name: str, ttl_hours: int = 48) -> None:
        self._db = db
        self.table_name = table_name
        self._ttl = timedelta(hours=ttl_hours)

    def put(self, staged: StagedCode, *, deadline: Deadline) -> None:
        item: dict[str, Any] = {
            "conversationId": staged.conversation_id,
            "target": staged.target,
            "wrapupCodeId": staged.wrapup_code_id,
            "stagedAt": iso(staged.staged_at),
            "source": staged.source,
            "expiresAt": int((staged.staged_at + self._ttl).timestamp()),
        }
        if staged.wrapup_code_name:
            item["wrapupCodeName"] = staged.wrapup_code_name
        if staged.notes:
            item["notes"] = staged.notes
        # Last writer wins: a flow that stages twice means the later decision.
        self._db.put_item(self.table_name, item, deadline=deadline)

    def find(
        self, conversation_id: str, participant_id: str, user_id: str | None, *, deadline: Deadline
    ) -> StagedCode | None:
        condition = Expression("conversationId = :c", values={":c": conversation_id})
        items = self._db.query(self.table_name, condition, consistent=True, deadline=deadline)
        candidates = [
            StagedCode(
                conversation_id=str(item["conversationId"]),
                target=str(item["target"]),
                wrapup_code_id=str(item["wrapupCodeId"]),
                wrapup_code_name=str(item["wrapupCodeName"]) if item.get("wrapupCodeName") else None,
                notes=str(item["notes"]) if item.get("notes") else None,
                staged_at=parse_iso(str(item["stagedAt"])),
                source=str(item.get("source", "data_action")),
            )
            for item in items
        ]
        return most_specific(candidates, participant_id, user_id)

    def delete(self, staged: StagedCode, *, deadline: Deadline) -> None:
        key = {"conversationId": staged.conversation_id, "target": staged.target}
        self._db.delete_item(self.table_name, key, deadline=deadline)
