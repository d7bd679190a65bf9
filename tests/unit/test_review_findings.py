"""Independent review of issues 16-18: each test reproduces one defect found by reading the code."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, cast

import jsonschema  # type: ignore[import-untyped]
import pytest

from wrapguard.aws.firehose import Firehose, Undelivered
from wrapguard.cli.setup.desired import packaged_action_file
from wrapguard.domain.compliance import CheckOutcome, ParticipantCheck
from wrapguard.domain.deadline import Deadline
from wrapguard.domain.errors import StorageUnavailable
from wrapguard.domain.ledger import LedgerRow
from wrapguard.domain.policy import Mode, QueuePolicy, WrapupPolicy
from wrapguard.policy_source import AppConfigPolicy, ConfigurationReadError, LatestConfiguration, PolicyLocation
from wrapguard.store.ledger import CheckLedger, LedgerBook, LedgerTable

DEADLINE = Deadline.unbounded()
QUEUE = "5b0a5c1e-2a4b-4c1e-9d3f-0a1b2c3d4e5f"


# --- 1. a crafted data action input reaches the operator path -------------------------------------
def test_the_data_action_contract_cannot_carry_an_operator_request() -> None:
    """Genesys sends `${input.rawRequest}`: whatever the input contract lets through reaches the function,
    and a body with `wrapguardOperation` is answered as a reviewer's retry (force, any `requestedBy`).
    Anyone who can execute the data action (a flow, /integrations/actions/{id}/execute) must not be able
    to forge a reviewer's retry, so the input contract must refuse the field."""
    action = json.loads(packaged_action_file().read_text())
    schema = action["contract"]["input"]["inputSchema"]
    forged = {
        "conversationId": "3c1c8b8e-5d6f-4b5e-9a59-1d1f0c0a0001",
        "wrapupCodeId": "9d2e4a10-0b7c-4a43-8f0e-2b6b7c6d0001",
        "wrapguardOperation": "retry",
        "participantId": "9d2e4a10-0b7c-4a43-8f0e-2b6b7c6d0002",
        "codeId": "9d2e4a10-0b7c-4a43-8f0e-2b6b7c6d0001",
        "requestedBy": "a reviewer's name",
        "force": True,
    }
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(forged, schema)
    flow = {k: forged[k] for k in ("conversationId", "wrapupCodeId")}
    jsonschema.validate(flow, schema)  # a flow's request is still accepted


# --- 2. the kill switch and a cold container whose first policy read fails -------------------------
class DownAppConfig:
    """AppConfigData that is throttled (or unreachable) for every call."""

    def start_session(self, location: PolicyLocation, *, min_poll_seconds: int, deadline: Deadline) -> str:
        raise ConfigurationReadError("ThrottlingException", 400)

    def latest(self, token: str, *, deadline: Deadline) -> LatestConfiguration:
        raise ConfigurationReadError("ThrottlingException", 400)


class Report:
    def rejected(self, problems: list[str]) -> None:
        pass

    def read_failed(self, code: str) -> None:
        pass


@pytest.mark.parametrize(
    "environment",
    [
        WrapupPolicy(),  # the template's WrapupPolicy default `{}`, with DefaultMode enforce
        WrapupPolicy(mode=Mode.ENFORCE),
        WrapupPolicy(queues={QUEUE: QueuePolicy(mode=Mode.ENFORCE)}),
        WrapupPolicy(default=QueuePolicy(mode=Mode.ENFORCE)),
    ],
)
def test_a_cold_container_that_cannot_read_the_policy_store_does_not_write(environment: WrapupPolicy) -> None:
    """The operator pulled the kill switch (`policy mode observe` in AppConfig). A new container (scale-out
    at peak) whose first AppConfig read is throttled must not fall back to the environment's WRAPUP_POLICY
    and DefaultMode=enforce: it would PATCH Genesys for up to POLICY_REFRESH_SECONDS against the kill switch.
    Until the store has answered once, nothing the container does may write (off stays off)."""
    reader = AppConfigPolicy(
        DownAppConfig(), PolicyLocation("a", "e", "p"), initial=environment, refresh_seconds=30, report=Report()
    )
    policy = reader.current(DEADLINE)
    assert policy.mode_for(QUEUE, Mode.ENFORCE) is not Mode.ENFORCE
    assert policy.mode_for("another-queue", Mode.ENFORCE) is not Mode.ENFORCE


def test_a_cold_container_keeps_queues_that_are_off_off() -> None:
    environment = WrapupPolicy(mode=Mode.ENFORCE, queues={QUEUE: QueuePolicy(mode=Mode.OFF)})
    reader = AppConfigPolicy(
        DownAppConfig(), PolicyLocation("a", "e", "p"), initial=environment, refresh_seconds=30, report=Report()
    )
    assert reader.current(DEADLINE).mode_for(QUEUE, Mode.ENFORCE) is Mode.OFF


# --- 3. the reconciler's ledger versions when a later write fails in the same batch -----------------
PARTICIPANTS = ("9d2e4a10-0b7c-4a43-8f0e-2b6b7c6d0001", "9d2e4a10-0b7c-4a43-8f0e-2b6b7c6d0002")
CONVERSATION = "3c1c8b8e-5d6f-4b5e-9a59-1d1f0c0a0001"


class FailingSecondWrite:
    """A ledger table whose write of the second participant fails (throttled past its retries)."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], LedgerRow] = {}

    def latest_of(self, keys: Sequence[tuple[str, str]], *, deadline: Deadline) -> dict[tuple[str, str], LedgerRow]:
        return {k: self.rows[k] for k in keys if k in self.rows}

    def latest(self, key: tuple[str, str], *, deadline: Deadline) -> LedgerRow | None:
        return self.rows.get(key)

    def write(self, row: LedgerRow, *, deadline: Deadline) -> bool:
        if row.participant_id == PARTICIPANTS[1]:
            raise StorageUnavailable("throttled", operation="PutItem", code="ThrottlingException")
        self.rows[row.key] = row
        return True


class Stream:
    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []

    def put_records(self, stream: str, records: Sequence[bytes], *, deadline: Deadline) -> list[Undelivered]:
        self.records += [json.loads(r) for r in records]
        return []


class NoItems:
    def batch_get(self, table: str, keys: Sequence[Any], **_: Any) -> list[dict[str, Any]]:
        return []

    def get_item(self, table: str, key: Any, **_: Any) -> None:
        return None


def check(participant_id: str) -> ParticipantCheck:
    return ParticipantCheck(
        conversation_id=CONVERSATION,
        participant_id=participant_id,
        user_id=None,
        queue_id=QUEUE,
        media_type="voice",
        direction="inbound",
        conversation_end=datetime(2026, 12, 3, 10, tzinfo=UTC),
        outcome=CheckOutcome.MISSING,
        code=None,
    )


def test_a_version_the_table_accepted_is_delivered_even_when_a_later_write_in_the_batch_fails() -> None:
    """The first participant's version is in the table; the second's write fails and the pass raises (the
    schedule retries). The retry computes the same row for the first participant, so `next_version` writes
    nothing and nothing is ever sent: that version would be missing from S3/Athena for good, not even
    counted as undelivered."""
    table, stream = FailingSecondWrite(), Stream()
    book = LedgerBook(cast(LedgerTable, table), firehose=cast(Firehose, stream), stream="ledger")
    ledger = CheckLedger(db=cast(Any, NoItems()), book=book, failures_table="failures")
    with pytest.raises(StorageUnavailable):
        ledger.record_checks([check(p) for p in PARTICIPANTS], deadline=DEADLINE)
    assert (CONVERSATION, PARTICIPANTS[0]) in table.rows
    assert [(r["participantId"], r["version"]) for r in stream.records] == [(PARTICIPANTS[0], 1)]


# --- 4. resolve --code NAME has no length bound on the workstation ----------------------------------
def test_resolve_code_name_is_bounded_like_every_other_text_option() -> None:
    """`--code-id` and `retry --code-name` are bounded at parse time; `resolve --code` was not, so a long
    name reached OperatorCodeCheckRequest's max_length as a pydantic ValidationError: exit 1 ("unexpected")
    with the value echoed, instead of a one-line usage error (exit 2) naming the option."""
    import io

    from wrapguard.cli.review import main as review

    out, err = io.StringIO(), io.StringIO()
    cid, pid = CONVERSATION, PARTICIPANTS[0]
    code = review(["resolve", cid, pid, "--code", "x" * 201, "--note", "n"], out=out, err=err)
    assert code == 2, err.getvalue()
    assert "--code" in err.getvalue() and "x" * 50 not in err.getvalue()


# --- 5. the set-up policy and the kill switch ---------------------------------------------------------
class RecordingAppConfig:
    """boto3's appconfig client as PolicyStore uses it, recording each operation (IAM action) called."""

    def __init__(self) -> None:
        self.called: list[str] = []
        self.deployments: list[dict[str, Any]] = []

    def list_deployments(self, **_: Any) -> dict[str, Any]:
        self.called.append("ListDeployments")
        return {"Items": self.deployments}

    def get_hosted_configuration_version(self, **_: Any) -> dict[str, Any]:
        self.called.append("GetHostedConfigurationVersion")
        return {"Content": b"{}"}

    def create_hosted_configuration_version(self, **_: Any) -> dict[str, Any]:
        self.called.append("CreateHostedConfigurationVersion")
        return {"VersionNumber": 2}

    def start_deployment(self, **_: Any) -> dict[str, Any]:
        self.called.append("StartDeployment")
        self.deployments = [
            {"DeploymentNumber": 2, "ConfigurationVersion": "2", "ConfigurationProfileId": "p", "State": "COMPLETE"}
        ]
        return {"DeploymentNumber": 2}

    def get_deployment(self, **_: Any) -> dict[str, Any]:
        self.called.append("GetDeployment")
        return {"State": "COMPLETE"}


def test_the_setup_policy_lets_an_operator_pull_the_kill_switch() -> None:
    """Issue 16 ships SetupPolicy as "what wrapguard-setup needs on the AWS side"; issue 17's kill switch is
    `wrapguard-setup policy mode observe`, which reads and deploys the AppConfig profile. Every AppConfig
    action it calls must be in SetupPolicy, or the operator holding it gets AccessDenied at the worst moment."""
    from wrapguard.cli.setup.policy import PolicyLocation as Where
    from wrapguard.cli.setup.policy import PolicyStore, switch_mode
    from wrapguard_local.template import load_template

    appconfig = RecordingAppConfig()
    store = PolicyStore(appconfig, Where("a", "e", "p", "s"), sleep=lambda _: None)
    base = store.deployed()
    assert base.policy is not None
    observe, _ = switch_mode(base.policy, Mode.OBSERVE, [])
    store.deploy(observe, base, "kill switch", Deadline.after(30))
    store.deployed()  # `policy show`
    needed = {f"appconfig:{operation}" for operation in appconfig.called}

    statements = load_template()["Resources"]["SetupPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    flat = [branch for s in statements for branch in (s["Fn::If"][1:] if "Fn::If" in s else [s])]
    granted: set[str] = set()
    for statement in flat:
        if isinstance(statement, dict) and "Action" in statement:
            action = statement["Action"]
            granted |= {action} if isinstance(action, str) else set(action)
    assert needed <= granted, sorted(needed - granted)


# --- 6. the ledger's `wrapguard` source for a code the agent chose --------------------------------------
@pytest.mark.xfail(
    strict=True,
    reason="the lease's appliedCode means 'the flow was told this code' (precedence), and the ledger reads it "
    "as 'wrapguard applied it'; telling them apart needs a second lease attribute (not a small fix)",
)
def test_a_code_the_agent_chose_is_not_reported_as_applied_by_wrapguard(world: Any) -> None:
    """Issue 18: `agent`, or `wrapguard` when wrapguard applied it. The agent sets code X in after-call work;
    a flow then asks for X: `already_applied`, no PATCH. The reconciler finds X and the ledger says
    effectiveSource `wrapguard`, because the request recorded X as the lease's appliedCode."""
    from tests.unit.test_apply_service import Harness
    from wrapguard.domain.ledger import EffectiveSource, checked_row

    h = Harness(world)
    cid, pid = world.call_in_acw()
    world.sim._participant(cid, pid).wrapup = world.sim._wrapup(world.resolved, None)  # the agent's own choice
    assert h.apply(conversationId=cid, participantId=pid, wrapupCodeId=world.resolved)["outcome"] == "already_applied"
    assert world.sim.apply_count(cid, pid) == 0
    applied = next((item.get("applied_code") for key, item in h.leases.items.items() if pid in key), None)
    found = ParticipantCheck(
        conversation_id=cid,
        participant_id=pid,
        user_id=None,
        queue_id=None,
        media_type="voice",
        direction="inbound",
        conversation_end=datetime(2026, 12, 3, 10, tzinfo=UTC),
        outcome=CheckOutcome.CODED,
        code=world.resolved,
    )
    row = checked_row(found, None, applied_code=applied, recorded_at=datetime.now(UTC))
    assert row.effective_source is EffectiveSource.AGENT


# --- 7. redrive stops at the first empty short poll ---------------------------------------------------
class SampledQueue:
    """SQS's documented short polling: WaitTimeSeconds=0 asks a subset of servers, so a queue holding
    messages can answer empty; a long poll (WaitTimeSeconds >= 1) asks them all."""

    def __init__(self, bodies: list[str]) -> None:
        self.messages = [{"MessageId": str(i), "ReceiptHandle": str(i), "Body": b} for i, b in enumerate(bodies)]
        self.short_polls = 0

    def receive_message(self, **request: Any) -> dict[str, Any]:
        if request.get("WaitTimeSeconds", 0) == 0:
            self.short_polls += 1
            if self.short_polls % 2 == 1:  # this poll's servers held none of the messages
                return {}
        return {"Messages": self.messages[:1]} if self.messages else {}

    def delete_message(self, **request: Any) -> None:
        self.messages = [m for m in self.messages if m["ReceiptHandle"] != request["ReceiptHandle"]]


def test_redrive_does_not_report_done_while_dead_letters_remain() -> None:
    """`wrapguard-redrive` exits 0 ("done") when a receive answers empty; with short polling that happens
    while messages remain, so an operator is told the dead letters were handed back when none were."""
    from wrapguard.cli.redrive import redrive

    event = json.dumps({"detail": {"eventBody": {}}, "detail-type": "x"})
    queue = SampledQueue([event, event])
    report = redrive(queue, "url", "events", lambda function, alias, payload: {"action": "applied"})
    assert report.redriven == 2 and queue.messages == []


# --- 8. a version Firehose did not take is never sent again -------------------------------------------
class FlakyStream(Stream):
    """Firehose refusing every record of its first call (throttled past the three rounds), then healthy."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def put_records(self, stream: str, records: Sequence[bytes], *, deadline: Deadline) -> list[Undelivered]:
        self.calls += 1
        if self.calls == 1:
            return [Undelivered(i, "ServiceUnavailableException") for i in range(len(records))]
        return super().put_records(stream, records, deadline=deadline)


class HealthyTable(FailingSecondWrite):
    def write(self, row: LedgerRow, *, deadline: Deadline) -> bool:
        self.rows[row.key] = row
        return True


@pytest.mark.xfail(
    strict=True,
    reason="undelivered versions are only counted and logged; nothing marks them for a later send (needs a "
    "pending-delivery mark on the ledger item that the next pass resends: a design change)",
)
def test_a_version_firehose_refused_reaches_the_stream_on_a_later_pass() -> None:
    """Nothing lost: the ledger table keeps the version, but S3/Athena (where BI reads) never gets it - the
    next reconciler pass over the same participant computes the same row, writes nothing and sends nothing."""
    table, stream = HealthyTable(), FlakyStream()
    book = LedgerBook(cast(LedgerTable, table), firehose=cast(Firehose, stream), stream="ledger")
    ledger = CheckLedger(db=cast(Any, NoItems()), book=book, failures_table="failures")
    ledger.record_checks([check(PARTICIPANTS[0])], deadline=DEADLINE)  # Firehose down: undelivered
    ledger.record_checks([check(PARTICIPANTS[0])], deadline=DEADLINE)  # the next pass (overlap), Firehose up
    assert [(r["participantId"], r["version"]) for r in stream.records] == [(PARTICIPANTS[0], 1)]


# --- 9. a policy that cannot be read is not alarmed ----------------------------------------------------
def test_a_policy_store_that_cannot_be_read_raises_an_alarm() -> None:
    """Issue 17: the last valid policy is kept "if a new one cannot be read or is invalid (logged, metric,
    alarm)". Only PolicyRejected had an alarm: with AppConfig unreadable, warm containers keep acting on
    their last policy (a kill switch pulled meanwhile does not reach them) and nobody is told."""
    from wrapguard_local.template import load_template

    resources = load_template()["Resources"]
    alarms = [
        r["Properties"]
        for r in resources.values()
        if r["Type"] == "AWS::CloudWatch::Alarm" and r["Properties"].get("MetricName") == "PolicyReadFailed"
    ]
    assert len(alarms) == 1
    (alarm,) = alarms
    rejected = resources["PolicyRejectedAlarm"]["Properties"]
    assert alarm["Namespace"] == rejected["Namespace"] and alarm["Dimensions"] == rejected["Dimensions"]
    assert alarm["AlarmActions"] == rejected["AlarmActions"] and alarm["OKActions"] == rejected["OKActions"]
