"""Resolve wrap-up codes (id or name) among the codes valid for a participant or queue, cached per container."""

from __future__ import annotations

import time
from collections.abc import Callable

from .deadline import Deadline
from .model import WrapupCode
from .ports import GenesysPort


class CodeCatalog:
    def __init__(
        self, genesys: GenesysPort, ttl_seconds: float = 300, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._genesys = genesys
        self._ttl = ttl_seconds
        self._clock = clock
        self._queues: dict[str, tuple[float, list[WrapupCode]]] = {}

    def valid_codes(
        self, conversation_id: str, participant_id: str | None, queue_id: str | None, *, deadline: Deadline
    ) -> list[WrapupCode]:
        """The codes valid for this participant, cached per queue.

        With a participant we ask GET .../participants/{pid}/wrapupcodes (it needs no permission and is
        exactly "valid for that participant"); before an agent joins, the queue's list
        (routing:queue:view). Participants of one queue share its codes (assumption: codes are
        assigned per queue), so either answer is cached under the queue id for the TTL.
        """
        if queue_id:
            cached = self._queues.get(queue_id)
            if cached and self._clock() - cached[0] < self._ttl:
                return cached[1]
        if participant_id:
            codes = self._genesys.participant_wrapup_codes(conversation_id, participant_id, deadline=deadline)
        elif queue_id:
            codes = self._genesys.queue_wrapup_codes(queue_id, deadline=deadline)
        else:
            return []
        if queue_id:
            self._queues[queue_id] = (self._clock(), codes)
        return codes

    def known_name(self, queue_id: str | None, code_id: str) -> str | None:
        """The code's name if this container already holds the queue's codes; never a request.

        A caller that gives a code id does not wait for a name lookup (cold path: read + apply
        only); the name is for display in the result, and Genesys judges the id on apply.
        """
        cached = self._queues.get(queue_id) if queue_id else None
        if cached is None or self._clock() - cached[0] >= self._ttl:
            return None
        return next((c.name for c in cached[1] if c.id == code_id), None)

    @staticmethod
    def find(codes: list[WrapupCode], *, code_id: str | None, code_name: str | None) -> WrapupCode | None:
        if code_id:
            return next((c for c in codes if c.id == code_id), None)
        wanted = (code_name or "").strip().casefold()
        return next((c for c in codes if c.name.strip().casefold() == wanted), None)
