"""`--since`, `--status` and `--next-token`: parsed once, into typed values, with one-line errors."""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ..domain.failures import FailureStatus
from ..store.failures import IndexPosition
from .common import UsageError, shown

ALL = "all"
STATUS_CHOICES = [*(s.value for s in FailureStatus), ALL]
# Items are stamped by this code, never before 1970; an earlier --since is a typo (and cannot be
# written as a 4-digit ISO year for the index's lexical order).
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
_RELATIVE = re.compile(r"([0-9]{1,12})([mhd])")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def parse_since(value: str, now: datetime | None = None) -> datetime:
    """`30m`, `24h`, `7d`, or an ISO-8601 date/time (UTC when no offset is given); not before 1970."""
    text = value.strip()
    match = _RELATIVE.fullmatch(text)
    try:
        if match:
            moment = (now or datetime.now(UTC)) - timedelta(**{_UNITS[match[2]]: int(match[1])})
        else:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            moment = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    except OverflowError:  # beyond datetime's years 1..9999
        raise argparse.ArgumentTypeError(f"{shown(value)} is out of range") from None
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected 30m, 24h, 7d or an ISO date/time, got {shown(value)}") from None
    if moment < EARLIEST:
        raise argparse.ArgumentTypeError(f"{shown(value)} reaches before 1970-01-01")
    return moment


def statuses(choice: str) -> list[FailureStatus]:
    return list(FailureStatus) if choice == ALL else [FailureStatus(choice)]


_TOKEN_TEXT = re.compile(r"[A-Za-z0-9_-]{1,4096}={0,2}")
_MAX_KEY_CHARS = 1024  # DynamoDB's limit for a sort key value; ids and timestamps are far shorter


@dataclass(frozen=True)
class PageToken:
    """Where `list` stopped: per status, the index position of the last item shown (None: not started).

    `--status all` merges one index query per status; each resumes after its own position, so
    paging needs neither a scan nor holding the other statuses in memory. The token names the
    `--status` it was printed for: resuming it under another filter would skip items silently.
    """

    status: str
    positions: dict[FailureStatus, IndexPosition | None]

    @classmethod
    def first(cls, status: str) -> PageToken:
        return cls(status, dict.fromkeys(statuses(status)))

    def encode(self) -> str:
        after = {s.value: list(p) if p else None for s, p in self.positions.items()}
        body = json.dumps({"v": 1, "status": self.status, "after": after}, separators=(",", ":"))
        return base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str, status: str) -> PageToken:
        body = _token_body(text)
        if body.get("status") != status:
            printed_for = body.get("status")
            raise UsageError(
                f"--next-token was printed for --status {printed_for}; repeat that filter"
                if printed_for in STATUS_CHOICES
                else _BAD_TOKEN
            )
        after = body.get("after")
        wanted = {s.value for s in statuses(status)}
        if not isinstance(after, dict) or set(after) != wanted:
            raise UsageError(_BAD_TOKEN)
        return cls(status, {FailureStatus(s): _position(after[s]) for s in sorted(wanted)})


_BAD_TOKEN = "--next-token: not a token printed by `list`"  # noqa: S105 - a message, not a secret


def _token_body(text: str) -> dict[str, Any]:
    if not _TOKEN_TEXT.fullmatch(text):
        raise UsageError(_BAD_TOKEN)
    try:
        body = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (binascii.Error, ValueError, RecursionError):
        raise UsageError(_BAD_TOKEN) from None
    if not isinstance(body, dict) or body.get("v") != 1 or set(body) != {"v", "status", "after"}:
        raise UsageError(_BAD_TOKEN)
    return body


def _position(value: Any) -> IndexPosition | None:
    if value is None:
        return None
    if not (isinstance(value, list) and len(value) == 3 and all(_key_text(v) for v in value)):
        raise UsageError(_BAD_TOKEN)
    return IndexPosition(*value)


def _key_text(value: Any) -> bool:
    if not isinstance(value, str) or not 0 < len(value) <= _MAX_KEY_CHARS:
        return False
    try:
        value.encode("utf-8")  # JSON can carry lone surrogates, which DynamoDB would refuse
    except UnicodeEncodeError:
        return False
    return True
