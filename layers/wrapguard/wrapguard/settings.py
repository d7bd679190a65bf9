"""All environment reading happens here, validated once at start-up.

Each function loads the settings model it needs; a missing or malformed variable raises
`SettingsError` naming the environment variable, so a misconfigured deployment fails on its first
invocation with a message that says what to fix.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from .domain.policy import Mode, WrapupPolicy

# Region key -> domain, from the SDK's region host table (docs/genesys-api-notes.md section 5).
REGION_DOMAINS = {
    "us_east_1": "mypurecloud.com",
    "us_east_2": "use2.us-gov-pure.cloud",
    "us_west_2": "usw2.pure.cloud",
    "ca_central_1": "cac1.pure.cloud",
    "sa_east_1": "sae1.pure.cloud",
    "mx_central_1": "mxc1.pure.cloud",
    "eu_west_1": "mypurecloud.ie",
    "eu_west_2": "euw2.pure.cloud",
    "eu_central_1": "mypurecloud.de",
    "eu_central_2": "euc2.pure.cloud",
    "me_central_1": "mec1.pure.cloud",
    "ap_south_1": "aps1.pure.cloud",
    "ap_northeast_1": "mypurecloud.jp",
    "ap_northeast_2": "apne2.pure.cloud",
    "ap_northeast_3": "apne3.pure.cloud",
    "ap_southeast_1": "apse1.pure.cloud",
    "ap_southeast_2": "mypurecloud.com.au",
}


# System wrap-up codes (docs/genesys-api-notes.md s13; community evidence, hence configurable). Their id is
# the literal text. The timeout code is a placeholder by default; `outbound` in the list adds these.
WRAPUP_TIMEOUT_CODE = "ININ-WRAP-UP-TIMEOUT"
OUTBOUND_SYSTEM_CODES = (
    "ININ-OUTBOUND-MACHINE",
    "ININ-OUTBOUND-DISCONNECT",
    "ININ-OUTBOUND-FAILED-TO-REACH-AGENT",
    "ININ-OUTBOUND-PREVIEW-SKIPPED",
    "ININ-OUTBOUND-CAMPAIGN-FORCED-OFF",
    "ININ-OUTBOUND-CONTACT-ATTEMPT-LIMIT-SKIPPED",
)


class SettingsError(ValueError):
    """Raised at start-up when an environment variable is missing or malformed."""


class ObservabilitySettings(BaseModel):
    """Powertools' own variables, as wrapguard reads them to configure its Logger, Metrics and Tracer."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    powertools_service_name: str = "wrapguard"
    powertools_metrics_namespace: str = "Wrapguard"
    powertools_trace_disabled: str = "false"
    lambda_task_root: str | None = None  # set by Lambda: the only place with an X-Ray daemon
    aws_sam_local: str | None = None  # set by `sam local`: no X-Ray there either

    @property
    def tracing_enabled(self) -> bool:
        """Powertools' own rule: off when POWERTOOLS_TRACE_DISABLED is truthy or outside Lambda."""
        disabled = self.powertools_trace_disabled.strip().lower() in {"1", "true", "yes", "on"}
        return not disabled and bool(self.lambda_task_root) and not self.aws_sam_local


class AwsSettings(BaseModel):
    """The AWS SDKs' standard variables, as wrapguard's own AWS clients read them (aws/wiring.py).

    In Lambda the runtime sets the function role's credentials and the region in the environment;
    the endpoint variables point the call at a local server in tests and the demo.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    aws_access_key_id: str | None = None
    aws_secret_access_key: SecretStr | None = None
    aws_session_token: SecretStr | None = None
    aws_region: str | None = None
    aws_default_region: str | None = None
    aws_endpoint_url: str | None = None
    aws_endpoint_url_secrets_manager: str | None = None
    aws_endpoint_url_dynamodb: str | None = None
    aws_endpoint_url_firehose: str | None = None
    aws_endpoint_url_appconfigdata: str | None = None
    aws_use_fips_endpoint: str | None = None
    # Container credentials (Lambda SnapStart, container runtimes): aws/credentials.py
    aws_container_credentials_full_uri: str | None = None
    aws_container_credentials_relative_uri: str | None = None
    aws_container_authorization_token: SecretStr | None = None
    aws_container_authorization_token_file: str | None = None

    @property
    def region(self) -> str | None:
        return self.aws_region or self.aws_default_region


# defer_build: a model's validator is built when it is first used, not at import. Each function
# builds only the settings it loads (the data action never builds the event or reconcile models);
# docs/benchmarks.md has the cold-start figures.
class GenesysSettings(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)  # and its subclasses

    genesys_region: str = "mypurecloud.com"
    genesys_api_url: str | None = None
    genesys_login_url: str | None = None
    genesys_credentials_secret: str | None = None
    genesys_client_id: str | None = None
    genesys_client_secret: SecretStr | None = None
    genesys_http_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    genesys_max_attempts: int = Field(default=4, ge=1, le=10)
    genesys_retry_base_delay_seconds: float = Field(default=0.2, ge=0, le=5)
    # Tokens per container and their pacing (genesys/token_pool.py); 0 = no pacing (one token). Pacing
    # needs the org's own limit, so unset means none; the deployment states it: template.yaml's
    # parameters default to 3 tokens paced below Genesys' default 300 (docs/benchmarks.md, peak).
    genesys_tokens_per_container: int = Field(default=1, ge=1, le=10)
    genesys_requests_per_token_per_minute: int = Field(default=0, ge=0, le=100_000)

    @field_validator("genesys_region")
    @classmethod
    def _known_domain(cls, value: str) -> str:
        value = REGION_DOMAINS.get(value, value)
        if "." not in value or "/" in value:
            raise ValueError("expected a Genesys Cloud domain such as mypurecloud.com or a region key")
        return value

    @field_validator("genesys_requests_per_token_per_minute")
    @classmethod
    def _paceable(cls, value: int) -> int:
        if value == 1:
            raise ValueError("expected 0 (no pacing) or at least 2 requests per minute")
        return value

    @field_validator("genesys_api_url", "genesys_login_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("expected an http(s) URL")
        return value.rstrip("/") if value else value

    @model_validator(mode="after")
    def _credentials_source(self) -> GenesysSettings:
        if self.genesys_credentials_secret:
            return self
        missing = [
            name
            for name, value in (
                ("genesys_client_id", self.genesys_client_id),
                ("genesys_client_secret", self.genesys_client_secret),
            )
            if not value
        ]
        if missing:
            raise ValueError(
                "set GENESYS_CREDENTIALS_SECRET (AWS) or both GENESYS_CLIENT_ID and GENESYS_CLIENT_SECRET "
                f"(local); missing {', '.join(m.upper() for m in missing)}"
            )
        return self

    @property
    def api_url(self) -> str:
        return self.genesys_api_url or f"https://api.{self.genesys_region}"

    @property
    def login_url(self) -> str:
        return self.genesys_login_url or f"https://login.{self.genesys_region}"


# The runtime policy's bound (README "Operating wrapguard"): each container re-reads AppConfig when its copy is
# older than this; with AppConfig's instant strategy a change reaches every function within it plus one poll.
MAX_POLICY_REFRESH_SECONDS = 45
POLICY_APPCONFIG_VARIABLES = (
    "POLICY_APPCONFIG_APPLICATION",
    "POLICY_APPCONFIG_ENVIRONMENT",
    "POLICY_APPCONFIG_PROFILE",
)


class PolicySettings(BaseModel):
    """Where each function's wrap-up policy comes from (domain/policy.py has the document and precedence).

    WRAPUP_POLICY is the initial/local policy: used until the first successful AppConfig read, and alone when
    the POLICY_APPCONFIG_* variables are unset (local runs). WRAPGUARD_DEFAULT_MODE is the stack's mode for
    what the policy leaves unset (template parameter DefaultMode; observe unless the deployer chose).
    """

    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)

    wrapup_policy: WrapupPolicy = Field(default_factory=WrapupPolicy)
    wrapguard_default_mode: Mode = Mode.OBSERVE
    policy_appconfig_application: str | None = Field(default=None, max_length=128, pattern=r"^[A-Za-z0-9_.:-]+$")
    policy_appconfig_environment: str | None = Field(default=None, max_length=128, pattern=r"^[A-Za-z0-9_.:-]+$")
    policy_appconfig_profile: str | None = Field(default=None, max_length=128, pattern=r"^[A-Za-z0-9_.:-]+$")
    policy_refresh_seconds: float = Field(default=30.0, ge=0, le=MAX_POLICY_REFRESH_SECONDS)

    @field_validator("wrapup_policy", mode="before")
    @classmethod
    def _json_policy(cls, value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _appconfig_all_or_none(self) -> PolicySettings:
        given = (self.policy_appconfig_application, self.policy_appconfig_environment, self.policy_appconfig_profile)
        if any(given) and not all(given):
            missing = [name for name, value in zip(POLICY_APPCONFIG_VARIABLES, given, strict=True) if not value]
            raise ValueError(
                f"set all of {', '.join(POLICY_APPCONFIG_VARIABLES)} or none; missing {', '.join(missing)}"
            )
        return self

    @property
    def default_mode(self) -> Mode:
        return self.wrapguard_default_mode

    @property
    def policy_from_appconfig(self) -> bool:
        return bool(self.policy_appconfig_application)


class ApplySettings(GenesysSettings, PolicySettings):
    failures_table_name: str = Field(min_length=3)
    staged_codes_table_name: str = Field(min_length=3)
    lease_table_name: str = Field(min_length=3)
    # How long a writer waits for another one holding the same participant (bounded by time left).
    lease_wait_seconds: float = Field(default=8.0, ge=0, le=60)
    failure_ttl_days: int = Field(default=90, ge=1)
    staged_code_ttl_hours: int = Field(default=48, ge=1)
    code_cache_seconds: int = Field(default=300, ge=0)
    # Observe mode's `wouldApply` counter (the reconciler's compliance table); unset: not counted.
    compliance_table_name: str | None = Field(default=None, min_length=3)


class PlaceholderSettings(BaseModel):
    """Codes whose presence counts as missing (reason `placeholder_code`).

    PLACEHOLDER_WRAPUP_CODES is a comma-separated list of code ids; `outbound` stands for the
    outbound system codes above, `none` for an empty list (an empty variable keeps the default).
    """

    placeholder_wrapup_codes: frozenset[str] = frozenset({WRAPUP_TIMEOUT_CODE})

    @field_validator("placeholder_wrapup_codes", mode="before")
    @classmethod
    def _code_list(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        codes = {part.strip() for part in value.split(",") if part.strip()}
        if codes == {"none"}:
            return frozenset()
        if "outbound" in codes:
            codes = (codes - {"outbound"}) | set(OUTBOUND_SYSTEM_CODES)
        if any(" " in code for code in codes):
            raise ValueError("expected code ids separated by commas (or `none`)")
        return frozenset(codes)


class EventSettings(ApplySettings, PlaceholderSettings):
    idempotency_table_name: str = Field(min_length=3)
    idempotency_ttl_seconds: int = Field(default=86400, ge=60)


class ReconcileSettings(GenesysSettings, PlaceholderSettings, PolicySettings):
    failures_table_name: str = Field(min_length=3)
    checkpoint_table_name: str = Field(min_length=3)
    failure_ttl_days: int = Field(default=90, ge=1)
    reconcile_lookback_minutes: int = Field(default=60, ge=1, le=7 * 24 * 60)
    reconcile_overlap_minutes: int = Field(default=15, ge=0)
    # Conversations that ended less than this long ago are checked by a later pass (analytics lag).
    reconcile_settle_minutes: int = Field(default=2, ge=0)
    reconcile_page_size: int = Field(default=100, ge=1, le=100)
    reconcile_async_threshold: int = Field(default=10_000, ge=100)
    # Per-day compliance figures (the reconciler's counts); unset: no figures are kept.
    compliance_table_name: str | None = Field(default=None, min_length=3)
    # The reporting ledger (docs/ledger.md): its table; the stream empty when EnableLedger=false (table
    # only); the lease table tells wrapguard's applied codes from the agents' own.
    ledger_table_name: str | None = Field(default=None, min_length=3)
    ledger_stream_name: str | None = Field(default=None, min_length=1)
    lease_table_name: str | None = Field(default=None, min_length=3)


class SetupSettings(BaseModel):
    """wrapguard-setup's environment: the admin client, and host overrides (the simulator)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    genesys_api_url: str | None = None
    genesys_login_url: str | None = None
    genesys_admin_client_id: str | None = None
    genesys_admin_client_secret: SecretStr | None = None


class ReviewSettings(BaseModel):
    """wrapguard-review's and wrapguard-redrive's environment: each variable overrides the deployed
    stack's value (cli/stack_config.py), none is needed.

    Each table also answers to the functions' variable name, so a function's environment works too.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    wrapguard_failures_table: str | None = None
    failures_table_name: str | None = None
    wrapguard_lease_table: str | None = None
    lease_table_name: str | None = None
    wrapguard_compliance_table: str | None = None  # stats and report
    compliance_table_name: str | None = None
    wrapguard_ledger_table: str | None = None  # resolve --code-id, ledger
    ledger_table_name: str | None = None
    wrapguard_ledger_stream: str | None = None  # where a review's new ledger version is delivered
    ledger_stream_name: str | None = None
    wrapguard_apply_function: str | None = None  # retry: the data action's alias ARN
    wrapguard_events_function: str | None = None  # redrive: the events function
    wrapguard_dead_letter_queue_url: str | None = None  # redrive
    aws_endpoint_url: str | None = None  # the tables' endpoint (aws/wiring.py); named in "table not found" errors

    @property
    def compliance_table(self) -> str | None:
        return self.wrapguard_compliance_table or self.compliance_table_name

    @property
    def table_name(self) -> str | None:
        return self.wrapguard_failures_table or self.failures_table_name

    @property
    def ledger_table(self) -> str | None:
        return self.wrapguard_ledger_table or self.ledger_table_name

    @property
    def ledger_stream(self) -> str | None:
        return self.wrapguard_ledger_stream or self.ledger_stream_name

    @property
    def lease_table(self) -> str | None:
        return self.wrapguard_lease_table or self.lease_table_name


SettingsT = TypeVar("SettingsT", bound=BaseModel)


def load_settings(model: type[SettingsT], environ: Mapping[str, str] | None = None) -> SettingsT:
    """Build `model` from environment variables named after its fields in upper case."""
    env = os.environ if environ is None else environ
    data = {name: env[name.upper()] for name in model.model_fields if env.get(name.upper(), "") != ""}
    try:
        return model.model_validate(data)
    except json.JSONDecodeError as exc:  # pragma: no cover - wrapped by pydantic in practice
        raise SettingsError(f"WRAPUP_POLICY: not valid JSON ({exc})") from None
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = [str(part) for part in error["loc"]]
            name = loc[0].upper() if loc else "configuration"
            detail = ".".join(loc[1:])
            problems.append(f"{name}{'.' + detail if detail else ''}: {error['msg']}")
        raise SettingsError("Invalid configuration: " + "; ".join(problems)) from None
