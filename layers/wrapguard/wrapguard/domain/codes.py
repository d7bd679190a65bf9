"""Resolve wrap-up codes (id or name) among the codes valid for a participant or queue, cached per container."""

from __future__ import annotations

import time
from collections.abc import Callable

from ..genesys.errors import GenesysError
from ..genesys.models import WrapupCode
from .ports import GenesysPort


class CodeCatalog:
    def __init__(
        self, genesys: GenesysPort, ttl_seconds: float = 300, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._genesys = genesys
        self._ttl = ttl_seconds
        self._clock = clock
        self._queues: dict[str, tuple[float, list[WrapupCode]]] = {}

    def valid_codes(self, conversation_id: str, participant_id: str | None, queue_id: str | None) -> list[WrapupCode]:
        """Codes of the participant's queue (cached), else the participant's own list (not cached)."""
        if queue_id:
            cached = self._queues.get(queue_id)
            if cached and self._clock() - cached[0] < self._ttl:
                return cached[1]
            codes = self._genesys.queue_wrapup_codes(queue_id)
            self._queues[queue_id] = (self._clock(), codes)
            return codes
        if participant_id:
            return self._genesys.participant_wrapup_codes(conversation_id, participant_id)
        return []

    def name_of(self, queue_id: str | None, code_id: str) -> str | None:
        """The code's name from the queue's list (fetched once per queue and TTL); None if unknown.

        Only for display in the result: a failed lookup must not fail the apply.
        """
        if not queue_id:
            return None
        try:
            codes = self.valid_codes("", None, queue_id)
        except GenesysError:
            return None
        return next((c.name for c in codes if c.id == code_id), None)

    @staticmethod
    def find(codes: list[WrapupCode], *, code_id: str | None, code_name: str | None) -> WrapupCode | None:
        if code_id:
            return next((c for c in codes if c.id == code_id), None)
        wanted = (code_name or "").strip().casefold()
        return next((c for c in codes if c.name.strip().casefold() == wanted), None)
