"""The AWS side of `wrapguard-setup` locally: a stack in the local AWS server whose outputs name local
resources, and the simulator hooks Genesys would use (partner event source, invoking the data action).

The local server cannot run template.yaml (no SAM transform; its Lambda cannot run our code without
Docker), so the stack holds the dead-letter queue as its one real resource and gives the other resources'
names as outputs, under the same output keys as template.yaml. The functions exist in the local Lambda
with the environment template.yaml gives them (so GetFunctionConfiguration answers as deployed) and a
placeholder body; `connect` and the CLI tests run the real handlers in-process instead.
`deploy(events=False)` is the first `sam deploy`; `deploy(events=True)`
the second, with GenesysEventSourceName.
"""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from typing import Any

import boto3

from genesys_simulator import SimulatorState

from .handlers import FakeLambdaContext, load_handler
from .template import load_template

ACCOUNT = "123456789012"
REGION = "us-east-1"
STACK = "wrapguard"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/{STACK}-GenesysDataActionRole-LOCAL"
CREDENTIALS_SECRET_NAME = "wrapguard/genesys-client"  # noqa: S105 - a name, not a secret
CORE_ALARMS = ("ApplyWrapupErrorsAlarm", "ReconcileErrorsAlarm", "ApplyWrapupThrottlesAlarm")
EVENT_ALARMS = ("WrapupEventsErrorsAlarm", "EventsDeadLetterAlarm")


@dataclass
class LocalStack:
    """A wrapguard stack in the local AWS server. `tables`: logical id -> table name."""

    tables: dict[str, str]
    org_id: str
    genesys_region: str = "mypurecloud.com"
    name: str = STACK
    secret_name: str = CREDENTIALS_SECRET_NAME
    event_source: str | None = None
    placeholder_codes: str = "ININ-WRAP-UP-TIMEOUT"  # template.yaml's PlaceholderWrapupCodes default
    wrapup_policy: str = "{}"
    invocations: list[dict[str, Any]] = field(default_factory=list)

    def function_arn(self, logical_id: str) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{self.name}-{logical_id}-LOCAL"

    @property
    def alias_arn(self) -> str:
        return f"{self.function_arn('ApplyWrapupFunction')}:live"

    def _environments(self) -> dict[str, dict[str, str]]:
        """Each function's environment as template.yaml sets it (Globals, then the function's own)."""
        common = {
            "POWERTOOLS_SERVICE_NAME": self.name,
            "POWERTOOLS_METRICS_NAMESPACE": self.name,
            "GENESYS_REGION": self.genesys_region,
            "GENESYS_CREDENTIALS_SECRET": self.secret_name,
            "FAILURES_TABLE_NAME": self.tables["FailuresTable"],
        }
        return {
            "ApplyWrapupFunction": {
                **common,
                "STAGED_CODES_TABLE_NAME": self.tables["StagedCodesTable"],
                "LEASE_TABLE_NAME": self.tables["LeaseTable"],
            },
            "ReconcileFunction": {
                **common,
                "CHECKPOINT_TABLE_NAME": self.tables["ReconcileCheckpointTable"],
                "PLACEHOLDER_WRAPUP_CODES": self.placeholder_codes,
                "COMPLIANCE_TABLE_NAME": self.tables["ComplianceTable"],
            },
            "WrapupEventsFunction": {
                **common,
                "STAGED_CODES_TABLE_NAME": self.tables["StagedCodesTable"],
                "IDEMPOTENCY_TABLE_NAME": self.tables["IdempotencyTable"],
                "LEASE_TABLE_NAME": self.tables["LeaseTable"],
                "WRAPUP_POLICY": self.wrapup_policy,
                "PLACEHOLDER_WRAPUP_CODES": self.placeholder_codes,
            },
        }

    def _function(self, logical_id: str) -> str:
        """Create (or update) the function in the local Lambda; the data action also gets its `live` alias."""
        lam, name = boto3.client("lambda"), f"{self.name}-{logical_id}-LOCAL"
        environment: Any = {"Variables": self._environments()[logical_id]}
        try:
            lam.get_function(FunctionName=name)
            lam.update_function_configuration(FunctionName=name, Environment=environment)
            return self.function_arn(logical_id)
        except lam.exceptions.ResourceNotFoundException:
            pass
        iam = boto3.client("iam")
        role = f"{self.name}-FunctionRole-LOCAL"
        try:
            role_arn = iam.get_role(RoleName=role)["Role"]["Arn"]
        except iam.exceptions.NoSuchEntityException:
            trust = {"Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}}]}
            role_arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        version = lam.create_function(
            FunctionName=name,
            Runtime="python3.13",
            Role=role_arn,
            Handler="app.lambda_handler",
            Code={"ZipFile": _placeholder_zip()},
            Environment=environment,
            Publish=True,
        )["Version"]
        if logical_id == "ApplyWrapupFunction":
            lam.create_alias(FunctionName=name, Name="live", FunctionVersion=version)
        return self.function_arn(logical_id)

    def _alarm(self, logical_id: str) -> str:
        name = f"{self.name}-{logical_id}-LOCAL"
        template = load_template()["Resources"][logical_id]["Properties"]
        boto3.client("cloudwatch").put_metric_alarm(
            AlarmName=name,
            Namespace=template["Namespace"],
            MetricName=template["MetricName"],
            Statistic=template["Statistic"],
            Period=template["Period"],
            EvaluationPeriods=template["EvaluationPeriods"],
            Threshold=float(template["Threshold"]) if not isinstance(template["Threshold"], dict) else 0.0,
            ComparisonOperator=template["ComparisonOperator"],
        )
        return name

    def deploy(self, event_source: str | None = None) -> None:
        self._function("ApplyWrapupFunction")
        outputs: dict[str, str] = {
            "GenesysDataActionRoleArn": ROLE_ARN,
            "ApplyWrapupFunctionAliasArn": self.alias_arn,
            "ApplyWrapupFunctionArn": self.function_arn("ApplyWrapupFunction"),
            "ReconcileFunctionArn": self._function("ReconcileFunction"),
            "ComplianceTableName": self.tables["ComplianceTable"],
            "GenesysOrgId": self.org_id,
            "GenesysRegion": self.genesys_region,
            "GenesysCredentialsSecretName": self.secret_name,
            "FailuresTableName": self.tables["FailuresTable"],
            "StagedCodesTableName": self.tables["StagedCodesTable"],
            "LeaseTableName": self.tables["LeaseTable"],
            "ReconcileCheckpointTableName": self.tables["ReconcileCheckpointTable"],
            "AlarmNames": ",".join(self._alarm(a) for a in CORE_ALARMS),
        }
        resources: dict[str, Any] = {}
        output_values: dict[str, Any] = {k: {"Value": v} for k, v in outputs.items()}
        if event_source:
            boto3.client("events").create_event_bus(Name=event_source, EventSourceName=event_source)
            resources["EventsDeadLetterQueue"] = {"Type": "AWS::SQS::Queue", "Properties": {}}
            output_values.update(
                {
                    "GenesysEventBusName": {"Value": event_source},
                    "WrapupEventsFunctionArn": {"Value": self._function("WrapupEventsFunction")},
                    "IdempotencyTableName": {"Value": self.tables["IdempotencyTable"]},
                    "EventsDeadLetterQueueUrl": {"Value": {"Ref": "EventsDeadLetterQueue"}},
                    "EventAlarmNames": {"Value": ",".join(self._alarm(a) for a in EVENT_ALARMS)},
                }
            )
        else:
            # CloudFormation needs one resource; the local server keeps any no-op placeholder.
            resources["Placeholder"] = {"Type": "AWS::SQS::Queue", "Properties": {}}
        body = json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources, "Outputs": output_values})
        cloudformation = boto3.client("cloudformation")
        if event_source is None:
            cloudformation.create_stack(StackName=self.name, TemplateBody=body)
        else:
            cloudformation.update_stack(StackName=self.name, TemplateBody=body)
        self.event_source = event_source

    def connect(self, sim: SimulatorState) -> None:
        """What Genesys does when the set-up runs: create the partner event source, invoke the function."""
        sim.org_id = self.org_id

        def on_event_source(account: str, region: str, name: str) -> None:
            boto3.client("events", region_name=region).create_partner_event_source(Name=name, Account=account)

        handler = load_handler("apply_wrapup")

        def invoke(arn: str, payload: dict[str, Any]) -> Any:
            if arn != self.alias_arn:
                raise RuntimeError(f"ResourceNotFoundException: function {arn} not found")
            self.invocations.append(payload)
            with redirect_stdout(io.StringIO()):  # EMF metric lines: not for the reader
                return handler.lambda_handler(payload, FakeLambdaContext())

        sim.on_event_source = on_event_source
        sim.invoke_lambda = invoke


def _placeholder_zip() -> bytes:
    """A deployment package for the local Lambda, which stores it and never runs it here."""
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def lambda_handler(event, context):\n    raise NotImplementedError\n")
    return buffer.getvalue()
