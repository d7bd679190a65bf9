"""The tests' AWS clients: the same aws/ boundary the functions use, pointed at the local server."""

from __future__ import annotations

from collections.abc import Callable

from wrapguard.aws.wiring import local_db
from wrapguard.domain.deadline import Deadline

__all__ = ["deadline_from", "local_db"]


def deadline_from(remaining: Callable[[], float]) -> Deadline:
    """A Deadline whose remaining() is whatever `remaining` answers (scripted budgets in tests)."""
    return Deadline(ends_at=0.0, reserve=0.0, clock=lambda: -remaining())
