"""Builds the per-container objects (AWS and Genesys clients, stores, services) from validated settings.

Nothing here holds time: each handler makes one `Deadline` per invocation and passes it.
"""

from __future__ import annotations

import time
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
from .genesys.client import GenesysClient, RetryPolicy
from .genesys.credentials import credentials_source
from .genesys.gateway import GenesysGateway
from .genesys.token_pool import TokenPool
from .settings import ApplySettings, AwsSettings, EventSettings, GenesysSettings, ReconcileSettings, load_settings
from .store.failures import FailureStore
from .store.leases import LeaseTable
from .store.staging import StagedCodeTable

if TYPE_CHECKING:
    from .domain.reconcile import Reconciler
    from .eventbridge.processing import EventProcessor


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
        source=source,
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
        policy=settings.wrapup_policy,
        leases=build_leases(settings, FailureSource.EVENTBRIDGE, db),
        placeholders=settings.placeholder_wrapup_codes,
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
        lookback=timedelta(minutes=settings.reconcile_lookback_minutes),
        overlap=timedelta(minutes=settings.reconcile_overlap_minutes),
        settle=timedelta(minutes=settings.reconcile_settle_minutes),
        page_size=settings.reconcile_page_size,
        async_threshold=settings.reconcile_async_threshold,
        placeholders=settings.placeholder_wrapup_codes,
        compliance=ComplianceTable(db, settings.compliance_table_name) if settings.compliance_table_name else None,
        on_counted=count_compliance,
    )
