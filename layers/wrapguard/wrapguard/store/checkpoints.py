"""Reconcile checkpoint: one item per reconciler (partition key `name`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ..aws.dynamodb import DynamoDB
from ..domain.deadline import Deadline
from ..domain.reconcile import Checkpoint
from ..timestamps import iso, parse_iso


def _moment(value: Any) -> datetime | None:
    return parse_iso(str(value)) if value else None


class CheckpointTable:
    def __init__(self, db: DynamoDB, table_name: str, name: str = "reconcile") -> None:
        self._db = db
        self.table_name = table_name
        self.name = name

    def load(self, *, deadline: Deadline) -> Checkpoint:
        item = self._db.get_item(self.table_name, {"name": self.name}, deadline=deadline) or {}
        return Checkpoint(
            watermark=_moment(item.get("watermark")),
            interval=str(item["interval"]) if item.get("interval") else None,
            mode=str(item["mode"]) if item.get("mode") else None,
            page=int(item.get("page", 1)),
            job_id=str(item["jobId"]) if item.get("jobId") else None,
            cursor=str(item["cursor"]) if item.get("cursor") else None,
            hold_from=_moment(item.get("holdFrom")),
        )

    def save(self, checkpoint: Checkpoint, *, deadline: Deadline) -> None:
        item: dict[str, Any] = {"name": self.name, "page": checkpoint.page, "updatedAt": iso(datetime.now(UTC))}
        optional = {
            "watermark": iso(checkpoint.watermark) if checkpoint.watermark else None,
            "interval": checkpoint.interval,
            "mode": checkpoint.mode,
            "jobId": checkpoint.job_id,
            "cursor": checkpoint.cursor,
            "holdFrom": iso(checkpoint.hold_from) if checkpoint.hold_from else None,
        }
        item.update({k: v for k, v in optional.items() if v is not None})
        self._db.put_item(self.table_name, item, deadline=deadline)
