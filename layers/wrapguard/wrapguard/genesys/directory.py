"""Queue and user names for reports (docs/genesys-api-notes.md s14): each id looked up once, in bulk."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import Field

from ..domain.deadline import Deadline
from .models import GenesysModel

MAX_IDS_PER_REQUEST = 100  # assumption (s14: the limit is unconfirmed)


class _Named(GenesysModel):
    id: str
    name: str | None = None


class _NamedPage(GenesysModel):
    entities: list[_Named] = Field(default_factory=list)
    page_count: int | None = Field(default=None, alias="pageCount")


class Directory:
    """Names by id, cached for the life of the object; ids Genesys does not know stay unnamed."""

    PATHS = {"queue": "/api/v2/routing/queues", "agent": "/api/v2/users"}

    def __init__(self, client: Any, deadline: Deadline) -> None:
        self._client = client
        self._deadline = deadline  # the CLI command's: every name lookup ends before it
        self._known: dict[str, dict[str, str | None]] = {kind: {} for kind in self.PATHS}

    def names(self, kind: str, ids: Iterable[str]) -> dict[str, str]:
        """`kind` is "queue" or "agent"; returns id -> name for the ids that have one."""
        known = self._known[kind]
        missing = sorted({i for i in ids if i not in known})
        for start in range(0, len(missing), MAX_IDS_PER_REQUEST):
            chunk = missing[start : start + MAX_IDS_PER_REQUEST]
            known.update(dict.fromkeys(chunk))  # asked once, even when Genesys does not answer for it
            page_number = 1
            while True:
                params = {"id": chunk, "pageSize": MAX_IDS_PER_REQUEST, "pageNumber": page_number}
                page = _NamedPage.model_validate_json(
                    self._client.get(f"{kind}_names", self.PATHS[kind], params, deadline=self._deadline)
                )
                known.update({entity.id: entity.name for entity in page.entities})
                if page_number >= (page.page_count or 1):
                    break
                page_number += 1
        return {i: name for i in ids if (name := known.get(i))}
