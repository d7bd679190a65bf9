"""verify: one line per check, ok or the problem with the fix to apply."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from ...genesys.client import GenesysClient
from ...genesys.credentials import ClientCredentials
from ...genesys.errors import GenesysError
from ...probe import PROBE_CONVERSATION_ID, PROBE_INPUT, PROBE_REASON
from ...settings import REGION_DOMAINS
from .desired import EVENTBRIDGE_INTEGRATION_TYPE, FUNCTION_PERMISSIONS, LAMBDA_INTEGRATION_TYPE, holds
from .engine import Setup, short_arn
from .stack import StackOutputs


@dataclass
class Check:
    name: str
    ok: bool
    detail: str = ""
    fix: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"check": self.name, "ok": self.ok, "detail": self.detail, "fix": self.fix}


def aws_region_of(genesys_domain: str) -> str | None:
    """The AWS region a Genesys Cloud org runs in, from the SDK's region keys (docs s5): us_east_1 ->
    us-east-1. Assumption: the key names the AWS region, except us_east_2 (FedRAMP, AWS GovCloud),
    whose AWS region is not published in the sources: no check there."""
    key = next((k for k, v in REGION_DOMAINS.items() if v == genesys_domain), None)
    return None if key in (None, "us_east_2") else str(key).replace("_", "-")


@dataclass
class AwsClients:
    secrets: Any
    dynamodb: Any
    sqs: Any
    events: Any
    cloudwatch: Any


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
        except GenesysError as exc:
            body = " ".join(p for p in (exc.body.code, exc.body.message) if p)
            check = Check(name, False, f"HTTP {exc.status}: {body}" if exc.status else str(exc), fix)
        except Exception as exc:  # AWS answers: the check fails with what the service said
            check = Check(name, False, f"{type(exc).__name__}: {exc}", fix)
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
        return Check(
            "region", expected == actual, f"{self.outputs.genesys_region} runs in {expected}; stack in {actual}"
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
        found = {a["AlarmName"] for a in self.aws.cloudwatch.describe_alarms(AlarmNames=wanted)["MetricAlarms"]}
        missing = sorted(set(wanted) - found)
        return Check("alarms", not missing, f"{len(found)} exist" if not missing else f"missing {missing}")
