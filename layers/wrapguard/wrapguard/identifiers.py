"""Genesys Cloud ids (conversations, participants, users, queues, wrap-up codes) are UUIDs.

Only the canonical text form is accepted (8-4-4-4-12 hex digits, nothing around it): Python's
`uuid.UUID()` also takes braces, `urn:uuid:`, a sign or underscores and would silently turn such
input into a *different-looking* id than the one the caller sent.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def is_uuid(value: object) -> bool:
    return isinstance(value, str) and _UUID.fullmatch(value) is not None


def canonical_uuid(value: str) -> str:
    """The id in lower case (Genesys writes them so); ValueError for anything but canonical UUID text."""
    if not is_uuid(value):
        raise ValueError("must be a UUID (8-4-4-4-12 hex digits)")
    return value.lower()


UuidText = Annotated[str, AfterValidator(canonical_uuid)]
