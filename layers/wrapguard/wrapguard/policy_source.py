"""The functions' wrap-up policy, read at run time from AppConfig (docs/runtime-policy.md).

`AppConfigPolicy.current(deadline)` answers the policy to act on for this invocation. It is cheap when
the copy is fresh: AppConfig is asked again only when the last read is older than
POLICY_REFRESH_SECONDS, so a deployment reaches every container within that bound plus one read.

What can go wrong, and what the function does (it never fails an invocation over the policy):
- AppConfig answers an empty body: the deployed version did not change; keep the copy.
- The token was used or expired (400 BadRequestException), or the answer was lost (the token may have
  been spent): start a new session; a new session's first answer is the whole deployed document.
- The document is not a valid policy (written around AppConfig's validator): keep the last valid
  policy, report `rejected` (logged without the content; metric PolicyRejected, alarm).
- AppConfig cannot be read (throttled, down, no time left): keep the last policy, report `read_failed`
  (metric PolicyReadFailed), try again after the refresh interval.
- Until the first successful read the policy is the environment's WRAPUP_POLICY (settings), with every
  `enforce` it would act in (the stack's DefaultMode included) withheld as `observe`: a new container
  whose first read fails cannot know whether the kill switch was pulled, so it writes nothing to Genesys.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from pydantic import ValidationError

from .domain.deadline import Deadline
from .domain.policy import Mode, WrapupPolicy

# AppConfigData refuses a session whose poll interval is under 15 s; ours is POLICY_REFRESH_SECONDS (>= 0),
# so the session asks for AppConfig's minimum and the refresh interval is enforced here.
MIN_POLL_INTERVAL_SECONDS = 15
# AppConfigData answers this for a used, expired or malformed token.
REFUSED_SESSION_CODE = "BadRequestException"


@dataclass(frozen=True)
class PolicyLocation:
    application: str
    environment: str
    profile: str


@dataclass(frozen=True)
class LatestConfiguration:
    content: bytes  # empty: unchanged since this session's last answer
    next_token: str
    version_label: str | None = None


class ConfigurationSessions(Protocol):
    """AppConfigData, as the reader needs it (aws/appconfigdata.py). Failures raise ConfigurationReadError."""

    def start_session(self, location: PolicyLocation, *, min_poll_seconds: int, deadline: Deadline) -> str: ...

    def latest(self, token: str, *, deadline: Deadline) -> LatestConfiguration: ...


class ConfigurationReadError(RuntimeError):
    """AppConfigData gave no usable answer. `code`: AWS's error code, or the transport's (no answer, deadline)."""

    def __init__(self, code: str, status: int | None = None) -> None:
        super().__init__(f"AppConfigData: {code}" + (f" (HTTP {status})" if status is not None else ""))
        self.code = code
        self.status = status


class PolicyReport(Protocol):
    """Where the reader's problems go (observability.py: log line + metric). Never given the content."""

    def rejected(self, problems: list[str]) -> None: ...

    def read_failed(self, code: str) -> None: ...


def problems_of(error: ValidationError) -> list[str]:
    """Field and error type only: pydantic's own message quotes the input."""
    return sorted({f"{'.'.join(map(str, e['loc'])) or '(document)'}: {e['type']}" for e in error.errors()})


class AppConfigPolicy:
    """One per container. `current` may be called by concurrent threads (a lock keeps each token single-use)."""

    def __init__(
        self,
        sessions: ConfigurationSessions,
        location: PolicyLocation,
        *,
        initial: WrapupPolicy,
        refresh_seconds: float,
        report: PolicyReport,
        clock: Callable[[], float] = time.monotonic,
        stack_default: Mode = Mode.OBSERVE,
    ) -> None:
        self._sessions = sessions
        self._location = location
        self._policy = initial
        # Acted on until AppConfig has answered with a valid document (or with none deployed) once.
        self._withheld = initial.without_enforce(stack_default)
        self._confirmed = False
        self._refresh_seconds = refresh_seconds
        self._report = report
        self._clock = clock
        self._token: str | None = None
        self._read_at: float | None = None  # when AppConfig was last asked (answered or not)
        self._lock = threading.Lock()

    def current(self, deadline: Deadline) -> WrapupPolicy:
        with self._lock:
            now = self._clock()
            if self._read_at is None or now - self._read_at >= self._refresh_seconds:
                self._read_at = now
                self._refresh(deadline)
            return self._policy if self._confirmed else self._withheld

    def _refresh(self, deadline: Deadline) -> None:
        try:
            latest = self._latest(deadline)
        except ConfigurationReadError as failure:
            self._token = None  # a lost answer may have spent the token: the next read starts a session
            self._report.read_failed(failure.code)
            return
        self._token = latest.next_token
        if not latest.content:
            self._confirmed = True
            return  # unchanged (or nothing deployed yet): keep what we have
        try:
            self._policy = WrapupPolicy.model_validate_json(latest.content)
            self._confirmed = True
        except ValidationError as invalid:
            self._report.rejected(problems_of(invalid))

    def _latest(self, deadline: Deadline) -> LatestConfiguration:
        if self._token is not None:
            try:
                return self._sessions.latest(self._token, deadline=deadline)
            except ConfigurationReadError as failure:
                if failure.code != REFUSED_SESSION_CODE:
                    raise
                # Used or expired token (e.g. a frozen container thawed after 24 h): a new session.
        token = self._sessions.start_session(
            self._location, min_poll_seconds=MIN_POLL_INTERVAL_SECONDS, deadline=deadline
        )
        return self._sessions.latest(token, deadline=deadline)
