"""Find agent participants that ended without a wrap-up, from the Analytics conversation details.

Each run covers [watermark - overlap, now) with conversations ordered oldest first, pages
through all of them (sync query; the async jobs API when the sync query would page too far),
checkpoints after every page, and stops cleanly before the Lambda runs out of time. Records are
created only if absent, so overlapping windows never duplicate and never reopen what a reviewer
resolved or ignored.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from ..timestamps import iso, parse_iso
from .compliance import CheckOutcome, ComplianceCounts, ParticipantCheck, check_conversation
from .deadline import Deadline
from .failures import Failure, FailureReason, FailureSource, Subject, build_failure
from .model import ConversationDetails
from .ports import AnalyticsPort

WRITE_BATCH = 100
FINISHED_JOB_STATES = frozenset({"FAILED", "CANCELLED", "EXPIRED"})


def failure_of(check: ParticipantCheck, detected_at: datetime) -> Failure | None:
    """The record for a participant that ended uncoded (nothing, or only a placeholder); None if coded."""
    if check.outcome is CheckOutcome.CODED:
        return None
    subject = Subject(
        check.conversation_id,
        check.participant_id,
        check.user_id,
        check.queue_id,
        media_type=check.media_type,
        direction=check.direction,
        conversation_end=check.conversation_end,
    )
    ended = iso(check.conversation_end)
    if check.outcome is CheckOutcome.PLACEHOLDER:
        return build_failure(
            subject,
            FailureSource.RECONCILE,
            reason=FailureReason.PLACEHOLDER_CODE,
            message=f"ended {ended} with only the placeholder code {check.code}",
            occurred_at=detected_at,
            found_code=check.code,
        )
    skipped = " (after-call work skipped)" if check.acw_skipped else ""
    return build_failure(
        subject,
        FailureSource.RECONCILE,
        reason=FailureReason.MISSING_WRAPUP,
        message=f"ended {ended} without a wrap-up code{skipped}",
        occurred_at=detected_at,
    )


def missing_wrapups(
    conversation: ConversationDetails, detected_at: datetime, placeholders: Collection[str] = frozenset()
) -> list[Failure]:
    """Agent participants of an *ended* conversation that handled it and have no real wrap-up code
    (the participant rules: domain/compliance.py)."""
    checks = check_conversation(conversation, placeholders)
    return [failure for check in checks if (failure := failure_of(check, detected_at)) is not None]


@dataclass
class Checkpoint:
    watermark: datetime | None = None  # everything that started before this was reconciled
    interval: str | None = None  # the pass in progress, "start/end"
    mode: str | None = None  # "query" or "job"
    page: int = 1
    job_id: str | None = None
    cursor: str | None = None
    hold_from: datetime | None = None  # earliest conversation of this pass still in progress


class CheckpointStore(Protocol):
    def load(self, *, deadline: Deadline) -> Checkpoint: ...
    def save(self, checkpoint: Checkpoint, *, deadline: Deadline) -> None: ...


class MissingWrapupRecorder(Protocol):
    def record_missing(self, failures: list[Failure], *, deadline: Deadline) -> int:
        """Write the failures whose participant has no item yet (batched); return how many were new."""
        ...


class NewlyCounted(Protocol):
    @property
    def new(self) -> Sequence[ParticipantCheck]:
        """The checks counted for the first time."""
        ...


class ComplianceRecorder(Protocol):
    def record(self, checks: Iterable[ParticipantCheck], *, deadline: Deadline) -> NewlyCounted:
        """Count each participant once (re-reads of an overlapping window count nothing); the result's
        `new` holds the checks counted for the first time."""
        ...


@dataclass
class ReconcileReport:
    status: str = "complete"  # complete | partial | nothing_to_do
    interval: str | None = None
    mode: str | None = None
    pages: int = 0
    conversations: int = 0
    in_progress: int = 0
    missing: int = 0  # agent participants found uncoded (nothing or only a placeholder), re-reads included
    placeholder: int = 0  # of which only a placeholder code
    recorded: int = 0  # failure items created by this pass
    recorded_by_reason: dict[str, int] = field(default_factory=dict)
    counted: ComplianceCounts = field(default_factory=ComplianceCounts)  # participants counted for the first time
    lag_seconds: float | None = None  # now - the watermark: how far behind the reconciler is

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "counted": dict(self.counted.__dict__)}


@dataclass
class Reconciler:
    analytics: AnalyticsPort
    failures: MissingWrapupRecorder
    checkpoints: CheckpointStore
    lookback: timedelta = timedelta(minutes=60)
    overlap: timedelta = timedelta(minutes=15)
    settle: timedelta = timedelta(minutes=2)
    max_hold: timedelta = timedelta(hours=24)
    page_size: int = 100
    async_threshold: int = 10_000
    seconds_per_page: float = 5.0  # stop when less than this is left
    write_batch: int = WRITE_BATCH
    placeholders: frozenset[str] = frozenset()  # codes that count as missing (PLACEHOLDER_WRAPUP_CODES)
    compliance: ComplianceRecorder | None = None  # per-day figures; None: not kept
    on_counted: Callable[[list[ParticipantCheck]], None] = lambda _: None  # e.g. metrics per queue
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    sleep: Callable[[float], None] = time.sleep
    report: ReconcileReport = field(default_factory=ReconcileReport)

    def run(self, *, deadline: Deadline) -> ReconcileReport:
        self.report = ReconcileReport()
        cp = self.checkpoints.load(deadline=deadline)
        if cp.interval is None and not self._start_pass(cp, deadline):
            self.report.status = "nothing_to_do"
            self._measure_lag(cp)
            return self.report
        self.report.interval, self.report.mode = cp.interval, cp.mode
        while True:
            if deadline.remaining() < self.seconds_per_page:
                return self._pause(cp, deadline)
            done = self._job_page(cp, deadline) if cp.mode == "job" else self._query_page(cp, deadline)
            if done is None:
                return self._pause(cp, deadline)
            if done:
                self._finish_pass(cp, deadline)
                return self.report
            self.checkpoints.save(cp, deadline=deadline)

    # --- passes ---------------------------------------------------------------------------------
    def _start_pass(self, cp: Checkpoint, deadline: Deadline) -> bool:
        end = self.now()
        start = (cp.watermark - self.overlap) if cp.watermark else (end - self.lookback)
        start = max(start, end - timedelta(days=7))  # the details query's interval limit (commonly quoted)
        if start >= end:
            return False
        cp.interval, cp.mode, cp.page, cp.job_id, cp.cursor, cp.hold_from = (
            f"{iso(start)}/{iso(end)}",
            None,
            1,
            None,
            None,
            None,
        )
        self.checkpoints.save(cp, deadline=deadline)
        return True

    def _measure_lag(self, cp: Checkpoint) -> None:
        if cp.watermark is not None:
            self.report.lag_seconds = max(0.0, (self.now() - cp.watermark).total_seconds())

    def _finish_pass(self, cp: Checkpoint, deadline: Deadline) -> None:
        assert cp.interval is not None
        end = parse_iso(cp.interval.split("/")[1])
        # Hold the watermark at the oldest conversation still in progress, so its end is seen later.
        hold = cp.hold_from if cp.hold_from and cp.hold_from > end - self.max_hold else None
        cp.watermark = min(end, hold + self.overlap) if hold else end
        cp.interval, cp.mode, cp.page, cp.job_id, cp.cursor, cp.hold_from = None, None, 1, None, None, None
        self.checkpoints.save(cp, deadline=deadline)
        self.report.status = "complete"
        self._measure_lag(cp)

    def _pause(self, cp: Checkpoint, deadline: Deadline) -> ReconcileReport:
        self.checkpoints.save(cp, deadline=deadline)
        self.report.status = "partial"
        self._measure_lag(cp)
        return self.report

    # --- pages ----------------------------------------------------------------------------------
    def _query_page(self, cp: Checkpoint, deadline: Deadline) -> bool | None:
        assert cp.interval is not None
        page = self.analytics.query(cp.interval, cp.page, self.page_size, deadline=deadline)
        self.report.pages += 1
        if cp.mode is None:
            if page.total_hits is not None and page.total_hits > self.async_threshold:
                cp.mode, cp.job_id, cp.cursor = "job", self.analytics.create_job(cp.interval, deadline=deadline), None
                self.report.mode = cp.mode
                return False
            cp.mode = self.report.mode = "query"
        if not self._process(cp, page.conversations, deadline):
            return None
        if len(page.conversations) < self.page_size:
            return True
        if page.total_hits is not None and cp.page * self.page_size >= page.total_hits:
            return True
        cp.page += 1
        return False

    def _job_page(self, cp: Checkpoint, deadline: Deadline) -> bool | None:
        assert cp.job_id is not None
        while True:
            state = self.analytics.job_state(cp.job_id, deadline=deadline)
            if state == "FULFILLED":
                break
            if state in FINISHED_JOB_STATES:
                # The job is gone; start over with a new one on the same interval.
                assert cp.interval is not None
                cp.job_id, cp.cursor = self.analytics.create_job(cp.interval, deadline=deadline), None
                continue
            if deadline.remaining() < self.seconds_per_page + 2:
                return None
            self.sleep(2.0)
        results = self.analytics.job_results(cp.job_id, cp.cursor, self.page_size, deadline=deadline)
        self.report.pages += 1
        if not self._process(cp, results.conversations, deadline):
            return None
        if not results.cursor:
            return True
        cp.cursor = results.cursor
        return False

    def _process(self, cp: Checkpoint, conversations: Iterable[ConversationDetails], deadline: Deadline) -> bool:
        """Check a page's settled conversations: record the uncoded participants and count every
        checked one, in batches; False if time ran out (the page is redone next run)."""
        detected = self.now()
        settled_before = detected - self.settle
        batch: list[ParticipantCheck] = []
        for conversation in conversations:
            self.report.conversations += 1
            ended = conversation.conversation_end
            if ended is None or ended > settled_before:
                # Still running, or ended so recently that analytics may not hold its wrap-up segment
                # yet: hold the watermark so a later pass looks at it again.
                self.report.in_progress += 1
                start = conversation.conversation_start
                if start and (cp.hold_from is None or start < cp.hold_from):
                    cp.hold_from = start
                continue
            batch.extend(check_conversation(conversation, self.placeholders))
            if len(batch) >= self.write_batch:
                if deadline.remaining() < self.seconds_per_page / 2:
                    return False
                self._write(batch, detected, deadline)
                batch = []
        self._write(batch, detected, deadline)
        return True

    def _write(self, batch: list[ParticipantCheck], detected: datetime, deadline: Deadline) -> None:
        failures = [failure for check in batch if (failure := failure_of(check, detected)) is not None]
        self.report.missing += len(failures)
        self.report.placeholder += sum(f.reason is FailureReason.PLACEHOLDER_CODE for f in failures)
        for reason in {f.reason for f in failures}:
            new = self.failures.record_missing(
                [f for f in failures if f.reason is reason], deadline=deadline.for_failure_write()
            )
            self.report.recorded += new
            if new:
                self.report.recorded_by_reason[reason.value] = self.report.recorded_by_reason.get(reason.value, 0) + new
        if self.compliance is not None and batch:
            counted = list(self.compliance.record(batch, deadline=deadline).new)
            for check in counted:
                self.report.counted.add(check.outcome)
            self.on_counted(counted)
