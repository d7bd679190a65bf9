"""The functions' policy reader: fresh copies cost nothing, changes arrive within the bound, and nothing
AppConfig does (empty bodies, spent tokens, lost answers, invalid documents, outages) fails an invocation
or replaces a valid policy with an invalid one."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field

import pytest

from wrapguard.domain.deadline import Deadline
from wrapguard.domain.policy import Mode, WrapupPolicy
from wrapguard.policy_source import (
    AppConfigPolicy,
    ConfigurationReadError,
    LatestConfiguration,
    PolicyLocation,
)

WHERE = PolicyLocation("app", "env", "profile")
INITIAL = WrapupPolicy(mode=Mode.OBSERVE)
DEADLINE = Deadline.unbounded()


@dataclass
class FakeAppConfigData:
    """AppConfigData's contract: single-use tokens, the document once per session and version, then empty."""

    deployed: bytes | None = None
    version: int = 0
    sessions: dict[str, int | None] = field(default_factory=dict)  # unused token -> version the session has seen
    calls: list[str] = field(default_factory=list)
    fail_next: list[ConfigurationReadError] = field(default_factory=list)
    lose_next_answer: bool = False
    counter: int = 0

    def deploy(self, document: object) -> None:
        self.deployed = document if isinstance(document, bytes) else json.dumps(document).encode()
        self.version += 1

    def _token(self, seen: int | None) -> str:
        self.counter += 1
        token = f"t{self.counter}"
        self.sessions[token] = seen
        return token

    def start_session(self, location: PolicyLocation, *, min_poll_seconds: int, deadline: Deadline) -> str:
        assert location == WHERE and min_poll_seconds >= 15
        self.calls.append("start")
        if self.fail_next:
            raise self.fail_next.pop(0)
        return self._token(None)

    def latest(self, token: str, *, deadline: Deadline) -> LatestConfiguration:
        self.calls.append("latest")
        if self.fail_next:
            raise self.fail_next.pop(0)
        if token not in self.sessions:
            raise ConfigurationReadError("BadRequestException", 400)
        seen = self.sessions.pop(token)
        changed = self.deployed is not None and seen != self.version
        answer = LatestConfiguration(self.deployed if changed and self.deployed else b"", self._token(self.version))
        if self.lose_next_answer:  # AppConfig answered (the token is spent), the answer never arrived
            self.lose_next_answer = False
            raise ConfigurationReadError("NoAnswer")
        return answer


class Recorder:
    def __init__(self) -> None:
        self.rejections: list[list[str]] = []
        self.failures: list[str] = []

    def rejected(self, problems: list[str]) -> None:
        self.rejections.append(problems)

    def read_failed(self, code: str) -> None:
        self.failures.append(code)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def reader(data: FakeAppConfigData, report: Recorder, clock: Clock, refresh: float = 30) -> AppConfigPolicy:
    return AppConfigPolicy(data, WHERE, initial=INITIAL, refresh_seconds=refresh, report=report, clock=clock)


def test_first_read_replaces_the_environment_policy_and_fresh_copies_cost_no_call() -> None:
    data, report, clock = FakeAppConfigData(), Recorder(), Clock()
    data.deploy({"mode": "enforce"})
    policy = reader(data, report, clock)
    assert policy.current(DEADLINE).mode is Mode.ENFORCE
    calls = len(data.calls)
    clock.now += 29.9
    data.deploy({"mode": "off"})
    assert policy.current(DEADLINE).mode is Mode.ENFORCE  # still fresh: no call
    assert len(data.calls) == calls
    clock.now += 0.1
    assert policy.current(DEADLINE).mode is Mode.OFF  # the bound: refresh interval + this read
    assert report.rejections == [] and report.failures == []


def test_empty_body_means_unchanged_and_nothing_deployed_keeps_the_environment_policy() -> None:
    data, report, clock = FakeAppConfigData(), Recorder(), Clock()
    policy = reader(data, report, clock, refresh=0)
    assert policy.current(DEADLINE) == INITIAL  # nothing deployed yet
    data.deploy({"mode": "enforce"})
    assert policy.current(DEADLINE).mode is Mode.ENFORCE
    assert policy.current(DEADLINE).mode is Mode.ENFORCE  # empty body: kept
    assert data.calls.count("start") == 1  # one session, its next tokens used in turn


def test_spent_or_expired_token_starts_a_new_session_within_the_same_read() -> None:
    data, report, clock = FakeAppConfigData(), Recorder(), Clock()
    data.deploy({"mode": "enforce"})
    policy = reader(data, report, clock, refresh=0)
    policy.current(DEADLINE)
    data.sessions.clear()  # every token expired (a container frozen for a day)
    data.deploy({"mode": "off"})
    assert policy.current(DEADLINE).mode is Mode.OFF
    assert data.calls[-3:] == ["latest", "start", "latest"]
    assert report.failures == []


def test_a_lost_answer_keeps_the_policy_and_the_next_read_starts_a_new_session() -> None:
    data, report, clock = FakeAppConfigData(), Recorder(), Clock()
    data.deploy({"mode": "enforce"})
    policy = reader(data, report, clock, refresh=0)
    policy.current(DEADLINE)
    data.deploy({"mode": "off"})
    data.lose_next_answer = True  # the new version was sent, never received
    assert policy.current(DEADLINE).mode is Mode.ENFORCE
    assert report.failures == ["NoAnswer"]
    # A reused token would be refused and the spent version never sent again on it: a new session gets it.
    assert policy.current(DEADLINE).mode is Mode.OFF
    assert data.calls[-2:] == ["start", "latest"]


def test_invalid_document_is_rejected_reported_without_content_and_the_last_valid_kept() -> None:
    data, report, clock = FakeAppConfigData(), Recorder(), Clock()
    data.deploy({"mode": "enforce", "queues": {"q": {"defaultCodeName": "Sale"}}})
    policy = reader(data, report, clock, refresh=0)
    good = policy.current(DEADLINE)
    secret_looking = "SECRET-CONTENT-4f1c"
    data.deploy({"mode": "sometimes", "queues": {"q": {"defaultCodeName": secret_looking, "x": 1}}})
    assert policy.current(DEADLINE) == good
    (problems,) = report.rejections
    assert problems == ["mode: enum", "queues.q.x: extra_forbidden"]
    assert secret_looking not in repr(report.rejections)
    assert policy.current(DEADLINE) == good  # the same version is not sent again: reported once
    assert len(report.rejections) == 1
    data.deploy(b"{not json")
    assert policy.current(DEADLINE) == good
    assert report.rejections[-1] == ["(document): json_invalid"]
    data.deploy({"mode": "observe"})  # a valid version after an invalid one is taken
    assert policy.current(DEADLINE).mode is Mode.OBSERVE


def test_appconfig_down_at_the_first_read_keeps_the_environment_policy_and_retries_after_the_interval() -> None:
    data, report, clock = FakeAppConfigData(), Recorder(), Clock()
    data.deploy({"mode": "enforce"})
    data.fail_next = [ConfigurationReadError("ThrottlingException", 400)]
    policy = reader(data, report, clock)
    assert policy.current(DEADLINE) == INITIAL
    assert report.failures == ["ThrottlingException"]
    calls = len(data.calls)
    clock.now += 10
    assert policy.current(DEADLINE) == INITIAL  # not asked again before the interval: no added latency
    assert len(data.calls) == calls
    clock.now += 20
    assert policy.current(DEADLINE).mode is Mode.ENFORCE


def test_a_failing_read_never_raises_into_the_invocation() -> None:
    data, report, clock = FakeAppConfigData(), Recorder(), Clock()
    data.fail_next = [ConfigurationReadError("DeadlineExceeded")]
    assert reader(data, report, clock).current(DEADLINE) == INITIAL
    assert report.failures == ["DeadlineExceeded"]


def test_concurrent_callers_never_reuse_a_token() -> None:
    data, report, clock = FakeAppConfigData(), Recorder(), Clock()
    data.deploy({"mode": "enforce"})
    policy = reader(data, report, clock, refresh=0)
    errors: list[BaseException] = []

    def read() -> None:
        try:
            for _ in range(50):
                assert policy.current(DEADLINE).mode is Mode.ENFORCE
        except BaseException as exc:  # every failure, assertions included, is reported below
            errors.append(exc)

    threads = [threading.Thread(target=read) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert data.calls.count("start") == 1  # no token was ever refused as reused
    assert report.failures == []


@pytest.mark.parametrize("refresh", [0, 1, 30, 45])
def test_a_change_is_seen_within_the_refresh_interval_whatever_the_call_pattern(refresh: float) -> None:
    data, report, clock = FakeAppConfigData(), Recorder(), Clock()
    data.deploy({"mode": "enforce"})
    policy = reader(data, report, clock, refresh=refresh)
    policy.current(DEADLINE)
    clock.now += 3.7
    data.deploy({"mode": "observe"})
    deployed_at = clock.now
    while policy.current(DEADLINE).mode is not Mode.OBSERVE:
        clock.now += 0.5
    assert clock.now - deployed_at <= refresh


def test_problems_are_logged_and_counted_under_the_catalogued_names(monkeypatch: pytest.MonkeyPatch) -> None:
    from wrapguard import metric_names, observability
    from wrapguard.observability import PolicyProblems, metrics

    # A spy rather than captured stdout: the Logger's stream is bound when it is first imported, which
    # depends on which test module a worker ran first.
    logged: list[tuple[str, str, dict[str, object]]] = []
    monkeypatch.setattr(observability.logger, "error", lambda msg, extra: logged.append(("ERROR", msg, extra)))
    monkeypatch.setattr(observability.logger, "warning", lambda msg, extra: logged.append(("WARNING", msg, extra)))
    problems = PolicyProblems()
    problems.rejected(["mode: enum"])
    problems.read_failed("NoAnswer")
    # What the handler's log_metrics will flush (the shared buffer: other tests may flush it differently).
    assert {metric_names.POLICY_REJECTED, metric_names.POLICY_READ_FAILED} <= set(metrics.metric_set)
    assert metric_names.emitted()[metric_names.POLICY_REJECTED] == metric_names.SERVICE
    metrics.clear_metrics()
    (rejected,) = [extra for level, _, extra in logged if level == "ERROR"]
    assert rejected["problems"] == ["mode: enum"] and "policy set" in str(rejected["fix"])
    (failed,) = [extra for level, _, extra in logged if level == "WARNING"]
    assert failed == {"error": "NoAnswer"}
