"""verify: one line per check, ok or the problem with the fix to apply."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from ...genesys.client import GenesysClient
from ...genesys.credentials import ClientCredentials
from ...genesys.errors import GenesysBadResponseError, GenesysError
from ...probe import PROBE_CONVERSATION_ID, PROBE_INPUT, PROBE_REASON
from ...settings import REGION_DOMAINS
from .desired import EVENTBRIDGE_INTEGRATION_TYPE, FUNCTION_PERMISSIONS, LAMBDA_INTEGRATION_TYPE, holds
from .engine import Setup, short_arn
from .errors import safe_text
from .stack import StackOutputs


@dataclass
class Check:
    """One check. `warn`: it passes, but something deserves the operator's attention (exit code unchanged)."""

    name: str
    ok: bool
    detail: str = ""
    fix: str = ""
    warn: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"check": self.name, "ok": self.ok, "warn": self.warn, "detail": self.detail, "fix": self.fix}


def aws_region_of(genesys_domain: str) -> str | None:
    """The AWS region a Genesys Cloud org runs in, from the SDK's region keys (docs s5): us_east_1 ->
    us-east-1. Assumption: the key names the AWS region, except us_east_2 (FedRAMP, AWS GovCloud),
    whose AWS region is not published in the sources: no check there."""
    key = next((k for k, v in REGION_DOMAINS.items() if v == genesys_domain), None)
    return None if key in (None, "us_east_2") else str(key).replace("_", "-")


def subscriptions(sns: Any, topic_arn: str) -> tuple[int, int]:
    """(confirmed, awaiting confirmation) subscriptions of a topic. Until its recipient confirms, SNS
    lists a subscription's ARN as the text `PendingConfirmation` (ListSubscriptionsByTopic)."""
    confirmed, pending = 0, 0
    for page in sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=topic_arn):
        for subscription in page["Subscriptions"]:
            if subscription["SubscriptionArn"] == "PendingConfirmation":
                pending += 1
            elif subscription["SubscriptionArn"].startswith("arn:"):
                confirmed += 1
    return confirmed, pending


@dataclass
class AwsClients:
    secrets: Any
    dynamodb: Any
    sqs: Any
    events: Any
    cloudwatch: Any
    sns: Any


class Verifier:
    def __init__(
        self,
        setup: Setup,
        outputs: StackOutputs,
        aws: AwsClients,
        functions_client: Callable[[ClientCredentials], GenesysClient],
        events: bool,
    ) -> None:
        self.setup = setup
        self.api = setup.api
        self.outputs = outputs
        self.aws = aws
        self.functions_client = functions_client
        self.events = events
        self.checks: list[Check] = []
        self.on_check: Callable[[Check], None] = lambda _: None

    def _add(self, check: Check) -> None:
        self.checks.append(check)
        self.on_check(check)

    def _guard(self, name: str, fix: str, run: Callable[[], Check]) -> None:
        try:
            check = run()
        except GenesysBadResponseError as exc:  # names the call and fields, never the answer's text
            check = Check(name, False, str(exc), fix)
        except GenesysError as exc:
            body = " ".join(p for p in (exc.body.code, exc.body.message) if p)
            check = Check(name, False, f"HTTP {exc.status}: {body}" if exc.status else str(exc), fix)
        except Exception as exc:  # AWS answers: the check fails with what the service said
            check = Check(name, False, f"{type(exc).__name__}: {safe_text(exc)}", fix)
        self._add(check)

    def run(self) -> list[Check]:
        self._guard("org", "deploy the stack with GenesysOrgId set to this org's id", self.org)
        self._guard("region", "deploy the stack in the org's AWS region (README, region table)", self.region)
        self._guard("functions client", "store a valid client in the secret, or apply --create-client", self.client)
        self._guard("integration", "run wrapguard-setup apply", self.integration)
        self._guard("data action", "run wrapguard-setup apply", self.action)
        self._guard("data action test", "check GenesysDataActionRole and the function's logs", self.probe)
        if self.events or self.outputs.event_bus_name:
            self._guard("event source", "run apply --events, then deploy with GenesysEventSourceName", self.source)
        self._guard("tables", "deploy the stack (sam deploy)", self.tables)
        if self.outputs.dead_letter_queue_url:
            self._guard("dead-letter queue", "look at the events and run wrapguard-redrive", self.dead_letters)
        self._guard("alarms", "deploy the stack (sam deploy)", self.alarms)
        self._guard(
            "alarm topic",
            "subscribe someone to the topic and confirm it (AlarmEmail, or aws sns subscribe)",
            self.topic,
        )
        return self.checks

    def org(self) -> Check:
        org = self.api.organization()
        same = org.id == self.outputs.org_id
        detail = f"{org.name or ''} {org.id}".strip()
        return Check("org", same, detail if same else f"stack GenesysOrgId {self.outputs.org_id} != org {org.id}")

    def region(self) -> Check:
        expected = aws_region_of(self.outputs.genesys_region)
        actual = self.outputs.aws_region
        if expected is None:
            return Check("region", True, f"{actual} (no published AWS region for {self.outputs.genesys_region})")
        if expected == actual:
            return Check("region", True, f"{self.outputs.genesys_region} runs in {expected}; stack in {actual}")
        # Allowed, so a warning (docs/genesys-api-notes.md s12 "Regions"): the EventBridge integration
        # takes any AWS region, and Genesys' newer pages allow a Lambda data action in another region.
        # What it costs: every data action call crosses regions (latency inside the agent's wrap-up).
        return Check(
            "region",
            True,
            f"{self.outputs.genesys_region} runs in {expected}; stack in {actual}: allowed, but each data action "
            "call crosses regions (added latency); older Genesys pages required the org's region",
            "deploy in the org's region if data action calls time out",
            warn=True,
        )

    def client(self) -> Check:
        raw = self.aws.secrets.get_secret_value(SecretId=self.outputs.secret_name)["SecretString"]
        try:
            credentials = ClientCredentials.model_validate(json.loads(raw))
        except (ValueError, ValidationError):
            return Check(
                "functions client", False, f"secret {self.outputs.secret_name} is not clientId/clientSecret JSON"
            )
        genesys = self.functions_client(credentials)
        try:
            genesys.authenticate(deadline=self.api.deadline)
        finally:
            genesys.close()
        client = self.api.oauth_client(credentials.client_id)
        granted: set[str] = set()
        for grant in client.role_divisions:
            role = self.api.role(grant.role_id)
            granted |= set(role.permissions)
            granted |= {f"{p.domain}:{p.entity_name}:{a}" for p in role.permission_policies for a in p.action_set}
        missing = [p for p in FUNCTION_PERMISSIONS if not holds(granted, p)]
        if missing:
            return Check("functions client", False, f"token ok; lacks {', '.join(missing)}", "add them to its role")
        return Check("functions client", True, f"token ok; holds {len(FUNCTION_PERMISSIONS)} permissions")

    def integration(self) -> Check:
        found = self.setup.find_integration(LAMBDA_INTEGRATION_TYPE, self.setup.names["lambda"])
        if found is None or found.id is None:
            return Check("integration", False, f"{self.setup.names['lambda']} missing")
        state = found.intended_state or "?"
        notes = self.api.config(found.id).notes
        role_ok = notes == self.setup.lambda_notes()
        detail = f"{found.name} {state}" + ("" if role_ok else "; credential written for another role")
        return Check("integration", state == "ENABLED" and role_ok, detail)

    def _action_id(self) -> str | None:
        found = self.setup.find_integration(LAMBDA_INTEGRATION_TYPE, self.setup.names["lambda"])
        actions = self.api.actions(self.setup.o.action.name)
        return next((a.id for a in actions if found and a.integration_id == found.id), None)

    def action(self) -> Check:
        actions = self.api.actions(self.setup.o.action.name)
        action = next((a for a in actions if a.id == self._action_id()), None)
        if action is None:
            return Check("data action", False, f"{self.setup.o.action.name!r} not published")
        target = str(((action.config or {}).get("request") or {}).get("requestUrlTemplate"))
        if target != self.outputs.alias_arn:
            return Check("data action", False, f"calls {target}, not the stack's alias")
        return Check("data action", True, f"published, calls {short_arn(target)}")

    def probe(self) -> Check:
        action_id = self._action_id()
        if action_id is None:
            return Check("data action test", False, "no action to test")
        result = self.api.test_action(action_id, dict(PROBE_INPUT))
        final = result.final_result if isinstance(result.final_result, dict) else {}
        if not result.success:
            message = (result.error.message if result.error else None) or "test failed"
            return Check("data action test", False, message)
        ok = final.get("conversationId") == PROBE_CONVERSATION_ID and final.get("failureReason") == PROBE_REASON
        detail = "probe reached the function (nothing applied or recorded)" if ok else f"unexpected result {final}"
        return Check("data action test", ok, detail)

    def source(self) -> Check:
        found = self.setup.find_integration(EVENTBRIDGE_INTEGRATION_TYPE, self.setup.names["eventbridge"])
        if found is None or found.id is None:
            return Check("event source", False, f"{self.setup.names['eventbridge']} integration missing")
        props = self.api.config(found.id).properties
        name = f"aws.partner/genesys.com/cloud/{self.setup.org_id}/{props.get('eventSourceSuffix')}"
        state = self.aws.events.describe_event_source(Name=name)["State"]
        if state != "ACTIVE":
            return Check("event source", False, f"{name} is {state}", "deploy the stack with GenesysEventSourceName")
        if self.outputs.event_bus_name != name:
            return Check("event source", False, f"{name} ACTIVE; the stack has no bus for it")
        self.aws.events.describe_event_bus(Name=name)
        return Check("event source", True, f"{name} ACTIVE, bus exists")

    def tables(self) -> Check:
        states = {
            logical: self.aws.dynamodb.describe_table(TableName=name)["Table"]["TableStatus"]
            for logical, name in self.outputs.tables.items()
        }
        bad = {k: v for k, v in states.items() if v != "ACTIVE"}
        return Check("tables", not bad, f"{len(states)} ACTIVE" if not bad else f"not active: {bad}")

    def dead_letters(self) -> Check:
        attributes = self.aws.sqs.get_queue_attributes(
            QueueUrl=self.outputs.dead_letter_queue_url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        depth = int(attributes["ApproximateNumberOfMessages"])
        return Check("dead-letter queue", depth == 0, f"{depth} message(s) waiting")

    def alarms(self) -> Check:
        wanted = self.outputs.alarms
        found: dict[str, list[str]] = {}
        for start in range(0, len(wanted), 100):  # DescribeAlarms takes at most 100 names
            pages = self.aws.cloudwatch.get_paginator("describe_alarms").paginate(
                AlarmNames=wanted[start : start + 100]
            )
            found |= {a["AlarmName"]: a.get("AlarmActions", []) for page in pages for a in page["MetricAlarms"]}
        missing = sorted(set(wanted) - set(found))
        if missing:
            return Check("alarms", False, f"missing {missing}")
        silent = sorted(name for name, actions in found.items() if not actions)
        if silent:
            detail = f"{len(found)} exist; {len(silent)} without an alarm action (nobody is told): {', '.join(silent)}"
            return Check("alarms", True, detail, "deploy the stack with its alarm topic (AlarmTopicArn)", warn=True)
        return Check("alarms", True, f"{len(found)} exist, each with an alarm action")

    def topic(self) -> Check:
        arn = self.outputs.alarm_topic_arn
        if not arn:
            return Check("alarm topic", True, "the stack has no AlarmTopicArn output", warn=True)
        confirmed, pending = subscriptions(self.aws.sns, arn)
        name = arn.rsplit(":", 1)[-1]
        if confirmed:
            return Check("alarm topic", True, f"{name}: {confirmed} confirmed subscription(s)")
        waiting = f"; {pending} awaiting confirmation" if pending else ""
        return Check("alarm topic", True, f"{name}: no confirmed subscription{waiting}", warn=True)
