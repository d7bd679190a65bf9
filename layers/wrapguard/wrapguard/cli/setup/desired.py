"""What wrapguard needs on the Genesys side, by name (docs/genesys-api-notes.md s9, s12)."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from .errors import UsageError

LAMBDA_INTEGRATION_TYPE = "aws-lambda-data-actions"
EVENTBRIDGE_INTEGRATION_TYPE = "amazon-eventbridge-source"
LAMBDA_CREDENTIAL_TYPE = "amazonWebServicesARN"
LAMBDA_CREDENTIAL_KEY = "AmazonWebServicesARN"  # the integration config's `credentials` key

# Exactly the topics WrapupEventsFunction handles (template.yaml's rule pattern; docs s8).
EVENT_TOPICS = (
    "v2.detail.events.conversation.{id}.user.end",
    "v2.detail.events.conversation.{id}.acw",
    "v2.detail.events.conversation.{id}.wrapup",
)

# What the functions' OAuth client must hold, from each call the functions make (docs s1, s7).
# Assumption (docs s1: per-operation OAuth scopes UNCONFIRMED): these permission names as the SDK docs
# list them; the participant wrap-up read and the participant's code list need none.
FUNCTION_PERMISSIONS = (
    "conversation:communication:view",  # GET /api/v2/conversations/{id}
    "conversation:participant:wrapup",  # PATCH participant with wrapup
    "routing:queue:view",  # GET /api/v2/routing/queues/{id}/wrapupcodes
    "routing:wrapupCode:view",  # GET /api/v2/routing/wrapupcodes?name=
    "analytics:conversationDetail:view",  # reconciler: conversation details query and jobs
)


def packaged_action_file() -> Traversable:
    """The data action definition shipped inside the package (pyproject package-data), so an
    installed wrapguard-setup finds it without the repository."""
    return files("wrapguard.cli.setup").joinpath("data", "apply-wrapup.json")


EXPORT_ONLY_FIELDS = ("integrationType", "actionType")  # in exports, not in PostActionInput


@dataclass(frozen=True)
class ActionDefinition:
    name: str
    category: str
    secure: bool
    config: dict[str, Any]
    contract: dict[str, Any]


def load_action(path: str | None, alias_arn: str) -> ActionDefinition:
    """The data action (--action-file, else the packaged definition), bound to the function alias."""
    file: Path | Traversable = Path(path) if path else packaged_action_file()
    try:
        raw = json.loads(file.read_text())
    except (OSError, ValueError) as exc:
        raise UsageError(f"--action-file {file}: {exc}") from None
    try:
        config = copy.deepcopy(raw["config"])
        config["request"]["requestUrlTemplate"] = alias_arn
        return ActionDefinition(
            name=raw["name"],
            category=raw.get("category", "wrapguard"),
            secure=bool(raw.get("secure", False)),
            config=config,
            contract=raw["contract"],
        )
    except (KeyError, TypeError) as exc:
        raise UsageError(f"--action-file {file}: not a data action export (missing {exc})") from None


def event_source_name(org_id: str, suffix: str) -> str:
    """The partner event source the EventBridge integration creates (docs s12)."""
    return f"aws.partner/genesys.com/cloud/{org_id}/{suffix}"


def permission_set(policies: list[tuple[str, str, list[str]]]) -> set[str]:
    """domain:entity:action for each action of each policy (`*` kept as a wildcard)."""
    return {f"{domain}:{entity}:{action}" for domain, entity, actions in policies for action in actions}


def holds(granted: set[str], needed: str) -> bool:
    domain, entity, action = needed.split(":")
    return any(
        g_domain in (domain, "*") and g_entity in (entity, "*") and g_action in (action, "*")
        for g_domain, g_entity, g_action in (g.split(":") for g in granted)
    )


def contains(actual: Any, desired: Any) -> bool:
    """Every key/value we set is there (the API may add defaults of its own)."""
    if isinstance(desired, dict):
        return isinstance(actual, dict) and all(k in actual and contains(actual[k], v) for k, v in desired.items())
    return bool(actual == desired)
