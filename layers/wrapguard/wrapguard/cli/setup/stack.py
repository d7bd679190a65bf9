"""What the set-up needs from the deployed stack: its outputs (template.yaml `Outputs`), by name.

Read from CloudFormation (`--stack-name`, cli/stack_config.py) or from a JSON file (`--outputs`): the list
`aws cloudformation describe-stacks --query 'Stacks[0].Outputs'` prints, or a plain {key: value} map.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..stack_config import StackConfig
from .errors import UsageError


class StackOutputs(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore", frozen=True)

    role_arn: str = Field(alias="GenesysDataActionRoleArn", pattern=r"^arn:aws[a-z-]*:iam::\d{12}:role/.+$")
    alias_arn: str = Field(alias="ApplyWrapupFunctionAliasArn", pattern=r"^arn:aws[a-z-]*:lambda:.+:function:.+:.+$")
    org_id: str = Field(alias="GenesysOrgId")
    genesys_region: str = Field(default="mypurecloud.com", alias="GenesysRegion")
    secret_name: str = Field(alias="GenesysCredentialsSecretName")
    failures_table: str = Field(alias="FailuresTableName")
    staged_codes_table: str = Field(alias="StagedCodesTableName")
    lease_table: str | None = Field(default=None, alias="LeaseTableName")
    checkpoint_table: str | None = Field(default=None, alias="ReconcileCheckpointTableName")
    alarm_names: str = Field(default="", alias="AlarmNames")
    alarm_topic_arn: str | None = Field(default=None, alias="AlarmTopicArn")  # where every alarm notifies
    # The EventBridge path (present once the stack was deployed with GenesysEventSourceName).
    event_bus_name: str | None = Field(default=None, alias="GenesysEventBusName")
    idempotency_table: str | None = Field(default=None, alias="IdempotencyTableName")
    dead_letter_queue_url: str | None = Field(default=None, alias="EventsDeadLetterQueueUrl")
    event_alarm_names: str = Field(default="", alias="EventAlarmNames")
    # The runtime policy in AppConfig (wrapguard-setup policy; stacks deployed before issue 17 have none).
    policy_application_id: str | None = Field(default=None, alias="PolicyApplicationId")
    policy_environment_id: str | None = Field(default=None, alias="PolicyEnvironmentId")
    policy_profile_id: str | None = Field(default=None, alias="PolicyProfileId")
    policy_strategy_id: str | None = Field(default=None, alias="PolicyDeploymentStrategyId")

    @property
    def account_id(self) -> str:
        return self.role_arn.split(":")[4]

    @property
    def aws_region(self) -> str:
        return self.alias_arn.split(":")[3]

    @property
    def tables(self) -> dict[str, str]:
        named = {
            "FailuresTable": self.failures_table,
            "StagedCodesTable": self.staged_codes_table,
            "LeaseTable": self.lease_table,
            "ReconcileCheckpointTable": self.checkpoint_table,
            "IdempotencyTable": self.idempotency_table,
        }
        return {k: v for k, v in named.items() if v}

    @property
    def alarms(self) -> list[str]:
        return [a for a in f"{self.alarm_names},{self.event_alarm_names}".split(",") if a]


def _validated(values: dict[str, str], where: str) -> StackOutputs:
    try:
        return StackOutputs.model_validate(values)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise UsageError(f"{where}: stack outputs incomplete or malformed ({problems})") from None


def from_file(path: str, stdin_text: str | None = None) -> StackOutputs:
    try:
        raw: Any = json.loads(stdin_text if path == "-" and stdin_text is not None else Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise UsageError(f"--outputs {path}: {exc}") from None
    if isinstance(raw, list):
        raw = {o.get("OutputKey"): o.get("OutputValue") for o in raw if isinstance(o, dict)}
    if not isinstance(raw, dict):
        raise UsageError(f"--outputs {path}: expected a list of OutputKey/OutputValue or a JSON object")
    return _validated({str(k): str(v) for k, v in raw.items()}, f"--outputs {path}")


def from_stack(deployed: StackConfig) -> StackOutputs:
    return _validated(deployed.outputs, f"stack {deployed.stack_name!r}")
