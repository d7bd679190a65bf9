"""The reporting ledger: per checked agent participant, the wrap-up code reporting should use and where it came from.

Pure: values and rules only, no I/O. The reconciler and the review path (later wiring) build the
inputs, call `ledger_row` and `next_version`, and the store writes what `next_version` returns.

The rule, in order (issue 18):
  1. a real code Genesys holds wins: `wrapguard` when wrapguard applied it, else `agent`;
  2. else a reviewer's code: `review` (Genesys is not changed by a review; it cannot be after the window);
  3. else the code a flow, staging or policy intended but could not apply: `intended` (unconfirmed);
  4. else the placeholder code Genesys holds: `placeholder` (counted as missing);
  5. else nothing: `none`.
A new version is written only when what reporting reads changes: the effective code, its source or
the review fields (`VERSIONED_FIELDS`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, PlainSerializer, field_validator, model_validator
from pydantic.alias_generators import to_camel

from ..identifiers import UuidText
from ..timestamps import iso


class EffectiveSource(StrEnum):
    AGENT = "agent"  # a real code the agent set in Genesys
    WRAPGUARD = "wrapguard"  # a real code wrapguard applied in Genesys
    REVIEW = "review"  # a reviewer's code; Genesys still holds nothing or a placeholder
    INTENDED = "intended"  # wanted by a flow, staging or policy, never applied: unconfirmed
    PLACEHOLDER = "placeholder"  # only a placeholder code (e.g. the wrap-up timeout): counted as missing
    NONE = "none"  # no code at all: missing


# Sources that count as a miss in Genesys' own reports (what a reviewer can settle).
MISSING_IN_GENESYS = frozenset(
    {EffectiveSource.REVIEW, EffectiveSource.INTENDED, EffectiveSource.PLACEHOLDER, EffectiveSource.NONE}
)


class ReviewStatus(StrEnum):
    """The failure record's review status, plus one the ledger needs: a reviewer's code that could not be
    checked against the org's wrap-up codes (Genesys unreachable from the review path) is recorded as given."""

    OPEN = "open"
    RESOLVED = "resolved"
    RESOLVED_UNVERIFIED = "resolved_unverified"
    IGNORED = "ignored"


@dataclass(frozen=True)
class CodeRef:
    """A wrap-up code as the ledger names it: its id (a UUID, or a system id such as ININ-WRAP-UP-TIMEOUT)
    and its name when known (analytics gives ids only)."""

    id: str
    name: str | None = None

    def __post_init__(self) -> None:
        if not self.id.strip():
            raise ValueError("code id: must not be empty")


@dataclass(frozen=True)
class HeldCode:
    """The code Genesys holds for the participant (its last wrap-up), and what we know about it."""

    code: CodeRef
    placeholder: bool = False  # listed as a placeholder code: present but classifies nothing
    applied_by_wrapguard: bool = False  # wrapguard's own apply put it there (the lease remembers it)


@dataclass(frozen=True)
class Review:
    """What a reviewer recorded for the participant's failure record."""

    status: ReviewStatus
    reviewed_by: str | None = None
    code: CodeRef | None = None  # the code the reviewer settled the miss with, if any

    def __post_init__(self) -> None:
        if self.status is ReviewStatus.RESOLVED_UNVERIFIED and self.code is None:
            raise ValueError("review status resolved_unverified: needs the code that could not be verified")


@dataclass(frozen=True)
class Interaction:
    """Who and what the row is about: the agent participant of an ended conversation."""

    conversation_id: str
    participant_id: str
    conversation_end: datetime
    user_id: str | None = None
    queue_id: str | None = None
    media_type: str | None = None
    direction: str | None = None


@dataclass(frozen=True)
class Effective:
    code: CodeRef | None
    source: EffectiveSource


def effective_code(held: HeldCode | None, intended: CodeRef | None, review: Review | None) -> Effective:
    """The code reporting should use, and its source (the module's rule, in order)."""
    if held is not None and not held.placeholder:
        return Effective(held.code, EffectiveSource.WRAPGUARD if held.applied_by_wrapguard else EffectiveSource.AGENT)
    if review is not None and review.code is not None:
        return Effective(review.code, EffectiveSource.REVIEW)
    if intended is not None:
        return Effective(intended, EffectiveSource.INTENDED)
    if held is not None:
        return Effective(held.code, EffectiveSource.PLACEHOLDER)
    return Effective(None, EffectiveSource.NONE)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


UtcMoment = Annotated[AwareDatetime, PlainSerializer(iso, return_type=str)]


class LedgerRow(BaseModel):
    """One version of a participant's ledger row; its JSON keys are the documented column names
    (wrapguard/ledger_schema.py) and `record()` is what Firehose receives."""

    model_config = ConfigDict(frozen=True, extra="forbid", alias_generator=to_camel, populate_by_name=True)

    conversation_id: UuidText
    participant_id: UuidText
    user_id: str | None = None
    queue_id: str | None = None
    media_type: str | None = None
    direction: str | None = None
    conversation_end: UtcMoment
    day: str = ""  # filled from conversation_end when not given; must agree with it when given
    genesys_code_id: str | None = None
    genesys_code_name: str | None = None
    intended_code_id: str | None = None
    intended_code_name: str | None = None
    effective_code_id: str | None = None
    effective_code_name: str | None = None
    effective_source: EffectiveSource
    review_status: ReviewStatus | None = None
    reviewed_by: str | None = None
    recorded_at: UtcMoment
    version: int = Field(default=1, ge=1)

    @field_validator("conversation_end", "recorded_at")
    @classmethod
    def _in_utc(cls, moment: datetime) -> datetime:
        return _utc(moment)

    @model_validator(mode="after")
    def _consistent(self) -> LedgerRow:
        day = iso(self.conversation_end)[:10]
        if not self.day:
            object.__setattr__(self, "day", day)  # frozen model: set once, during validation
        elif self.day != day:
            raise ValueError(f"day: {self.day!r} is not the UTC date of conversationEnd ({day})")
        has_code = self.effective_code_id is not None
        if has_code == (self.effective_source is EffectiveSource.NONE):
            raise ValueError(
                f"effectiveCodeId: {'must be empty' if has_code else 'is required'} "
                f"with effectiveSource {self.effective_source.value}"
            )
        return self

    @property
    def key(self) -> tuple[str, str]:
        return self.conversation_id, self.participant_id

    def record(self) -> dict[str, str | int | None]:
        """The JSON object for the delivery stream and the CLI: every column, by its documented name."""
        dumped: dict[str, str | int | None] = self.model_dump(mode="json", by_alias=True)
        return dumped


def ledger_row(
    interaction: Interaction,
    *,
    held: HeldCode | None,
    intended: CodeRef | None,
    review: Review | None,
    recorded_at: datetime,
) -> LedgerRow:
    """The row as computed now (version 1; `next_version` numbers it against the row already written)."""
    effective = effective_code(held, intended, review)
    return LedgerRow(
        conversation_id=interaction.conversation_id,
        participant_id=interaction.participant_id,
        user_id=interaction.user_id,
        queue_id=interaction.queue_id,
        media_type=interaction.media_type,
        direction=interaction.direction,
        conversation_end=interaction.conversation_end,
        genesys_code_id=held.code.id if held else None,
        genesys_code_name=held.code.name if held else None,
        intended_code_id=intended.id if intended else None,
        intended_code_name=intended.name if intended else None,
        effective_code_id=effective.code.id if effective.code else None,
        effective_code_name=effective.code.name if effective.code else None,
        effective_source=effective.source,
        review_status=review.status if review else None,
        reviewed_by=review.reviewed_by if review else None,
        recorded_at=recorded_at,
    )


# What reporting reads from a row: a change in any of these is a new version, nothing else is.
VERSIONED_FIELDS = ("effective_code_id", "effective_code_name", "effective_source", "review_status", "reviewed_by")


def next_version(previous: LedgerRow | None, computed: LedgerRow) -> LedgerRow | None:
    """The row to write: `computed` numbered after `previous` (1 when there is none), or None when
    nothing reporting reads has changed (a re-check, an overlapping pass, a replayed event).

    The store writes it only if the participant's latest version is still `previous.version`
    (conditional write): two writers that computed from the same previous row cannot both add a version.
    """
    if previous is None:
        return computed.model_copy(update={"version": 1})
    if previous.key != computed.key:
        raise ValueError(f"participantId: the previous row is {previous.key}, the computed row {computed.key}")
    if all(getattr(previous, name) == getattr(computed, name) for name in VERSIONED_FIELDS):
        return None
    return computed.model_copy(update={"version": previous.version + 1})
