"""Builds the per-container objects (AWS and Genesys clients, stores, services) from validated settings.

Nothing here holds time: each handler makes one `Deadline` per invocation and passes it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from .aws import wiring
from .aws.credentials import CredentialProvider
from .aws.dynamodb import DynamoDB
from .aws.secretsmanager import SecretsManager
from .domain.apply import WrapupService
from .domain.codes import CodeCatalog
from .domain.deadline import Deadline
from .domain.failures import FailureSource
from .domain.lease import ParticipantLeases
from .domain.modes import PolicySource, fixed_policy
from .domain.observations import WouldApplyCounter
from .genesys.client import GenesysClient, RetryPolicy
from .genesys.credentials import credentials_source
from .genesys.gateway import GenesysGateway
from .genesys.token_pool import TokenPool
from .policy_source import AppConfigPolicy, PolicyLocation
from .settings import (
    ApplySettings,
    AwsSettings,
    EventSettings,
    GenesysSettings,
    PolicySettings,
    ReconcileSettings,
    load_settings,
)
from .store.failures import FailureStore
from .store.leases import LeaseTable
from .store.staging import StagedCodeTable

if TYPE_CHECKING:
    from .domain.reconcile import Reconciler
    from .eventbridge.processing import EventProcessor
    from .store.ledger import CheckLedger, LedgerBook


def build_dynamodb(credentials: CredentialProvider | None = None, region: str | None = None) -> DynamoDB:
    """The process's DynamoDB client: the environment's credentials in Lambda, a CLI's session on a workstation."""
    return wiring.dynamodb(load_settings(AwsSettings), credentials=credentials, region=region)


def build_genesys(
    settings: GenesysSettings, *, credentials: CredentialProvider | None = None, region: str | None = None
) -> GenesysClient:
    from .observability import count_genesys_answer, count_genesys_retry

    def counted_sleep(seconds: float) -> None:
        count_genesys_retry()
        time.sleep(seconds)

    def secrets() -> SecretsManager:
        return wiring.secrets_manager(load_settings(AwsSettings), credentials=credentials, region=region)

    return GenesysClient(
        api_url=settings.api_url,
        login_url=settings.login_url,
        credentials=credentials_source(settings, secrets),
        timeout_seconds=settings.genesys_http_timeout_seconds,
        retry=RetryPolicy(
            max_attempts=settings.genesys_max_attempts,
            base_delay=settings.genesys_retry_base_delay_seconds,
            sleep=counted_sleep,
        ),
        on_answer=count_genesys_answer,  # 429/5xx counts for the dashboard
        tokens=TokenPool(
            size=settings.genesys_tokens_per_container,
            requests_per_minute=settings.genesys_requests_per_token_per_minute or None,
        ),
    )


def build_leases(settings: ApplySettings, source: FailureSource, db: DynamoDB) -> ParticipantLeases:
    return ParticipantLeases(
        LeaseTable(db, settings.lease_table_name), source=source.value, wait_seconds=settings.lease_wait_seconds
    )


def policy_source(settings: PolicySettings) -> PolicySource:
    """The policy the services read per invocation: AppConfig's where POLICY_APPCONFIG_* are set (one reader
    per process, policy_source.py), else WRAPUP_POLICY from the environment."""
    if not settings.policy_from_appconfig:
        return fixed_policy(settings.wrapup_policy)
    return _appconfig_policy(settings).current


_READERS: dict[tuple[str | None, str | None, str | None], AppConfigPolicy] = {}


def _appconfig_policy(settings: PolicySettings) -> AppConfigPolicy:
    from .aws.appconfigdata import AppConfigData
    from .observability import PolicyProblems

    key = (
        settings.policy_appconfig_application,
        settings.policy_appconfig_environment,
        settings.policy_appconfig_profile,
    )
    if key not in _READERS:
        _READERS[key] = AppConfigPolicy(
            AppConfigData.from_settings(load_settings(AwsSettings)),
            PolicyLocation(*(str(part) for part in key)),
            initial=settings.wrapup_policy,
            refresh_seconds=settings.policy_refresh_seconds,
            report=PolicyProblems(),
            stack_default=settings.default_mode,
        )
    return _READERS[key]


def would_apply_counter(settings: ApplySettings, db: DynamoDB) -> WouldApplyCounter | None:
    """Observe mode's wouldApply counter: the compliance table, when the function is given it."""
    if not settings.compliance_table_name:
        return None
    from .store.compliance import ComplianceTable

    return ComplianceTable(db, settings.compliance_table_name)


def build_wrapup_service(
    settings: ApplySettings, source: FailureSource, client: GenesysClient, db: DynamoDB
) -> WrapupService:
    genesys = GenesysGateway(client)
    return WrapupService(
        genesys=genesys,
        failures=FailureStore(db, settings.failures_table_name, settings.failure_ttl_days),
        staging=StagedCodeTable(db, settings.staged_codes_table_name, settings.staged_code_ttl_hours),
        catalog=CodeCatalog(genesys, ttl_seconds=settings.code_cache_seconds),
        leases=build_leases(settings, source, db),
        policy=policy_source(settings),
        default_mode=settings.default_mode,
        source=source,
        would_apply=would_apply_counter(settings, db),
    )


def build_event_processor(settings: EventSettings, client: GenesysClient, db: DynamoDB) -> EventProcessor:
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig

    from .domain.event_rules import EventRules
    from .eventbridge.processing import EventProcessor
    from .store.idempotency import IdempotencyTable

    genesys = GenesysGateway(client)
    rules = EventRules(
        genesys=genesys,
        failures=FailureStore(db, settings.failures_table_name, settings.failure_ttl_days),
        staging=StagedCodeTable(db, settings.staged_codes_table_name, settings.staged_code_ttl_hours),
        catalog=CodeCatalog(genesys, ttl_seconds=settings.code_cache_seconds),
        policy=policy_source(settings),
        leases=build_leases(settings, FailureSource.EVENTBRIDGE, db),
        default_mode=settings.default_mode,
        placeholders=settings.placeholder_wrapup_codes,
        would_apply=would_apply_counter(settings, db),
    )

    def persistence(deadline: Deadline) -> IdempotencyTable:
        return IdempotencyTable(db, settings.idempotency_table_name, deadline=deadline)

    return EventProcessor(
        rules,
        persistence,
        IdempotencyConfig(expires_after_seconds=settings.idempotency_ttl_seconds, raise_on_no_idempotency_key=True),
    )


def build_reconciler(settings: ReconcileSettings, client: GenesysClient, db: DynamoDB) -> Reconciler:
    from datetime import timedelta

    from .domain.reconcile import Reconciler
    from .genesys.gateway import AnalyticsGateway
    from .observability import count_compliance
    from .store.checkpoints import CheckpointTable
    from .store.compliance import ComplianceTable

    return Reconciler(
        analytics=AnalyticsGateway.over(client),
        failures=FailureStore(db, settings.failures_table_name, settings.failure_ttl_days),
        checkpoints=CheckpointTable(db, settings.checkpoint_table_name),
        policy=policy_source(settings),
        default_mode=settings.default_mode,
        lookback=timedelta(minutes=settings.reconcile_lookback_minutes),
        overlap=timedelta(minutes=settings.reconcile_overlap_minutes),
        settle=timedelta(minutes=settings.reconcile_settle_minutes),
        page_size=settings.reconcile_page_size,
        async_threshold=settings.reconcile_async_threshold,
        placeholders=settings.placeholder_wrapup_codes,
        compliance=ComplianceTable(db, settings.compliance_table_name) if settings.compliance_table_name else None,
        ledger=build_check_ledger(settings, db),
        on_counted=count_compliance,
    )


def build_ledger_book(
    db: DynamoDB,
    table_name: str,
    stream_name: str | None,
    *,
    credentials: CredentialProvider | None = None,
    region: str | None = None,
    on_undelivered: Callable[[int], None] | None = None,
) -> LedgerBook:
    """The ledger table and, when the stack has a delivery stream, Firehose over the same transport.
    Undelivered versions are the LedgerDeliveryFailed metric in Lambda (a CLI passes its own warning)."""
    from .observability import count_ledger_undelivered, count_settled_by_review
    from .store.ledger import LedgerBook, LedgerTable

    firehose = (
        wiring.firehose(load_settings(AwsSettings), credentials=credentials, region=region) if stream_name else None
    )
    return LedgerBook(
        LedgerTable(db, table_name),
        firehose=firehose,
        stream=stream_name,
        on_undelivered=on_undelivered or count_ledger_undelivered,
        on_settled_by_review=count_settled_by_review if on_undelivered is None else lambda _: None,
    )


def build_check_ledger(settings: ReconcileSettings, db: DynamoDB) -> CheckLedger | None:
    from .store.ledger import CheckLedger

    if not settings.ledger_table_name:
        return None
    book = build_ledger_book(db, settings.ledger_table_name, settings.ledger_stream_name)
    return CheckLedger(db, book, settings.failures_table_name, settings.lease_table_name)
