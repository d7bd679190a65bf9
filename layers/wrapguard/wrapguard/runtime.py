"""Builds the per-container objects (HTTP client, stores, services) from validated settings."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from .domain.apply import WrapupService
from .domain.codes import CodeCatalog
from .domain.failures import FailureSource
from .domain.lease import LeaseStore, ParticipantLeases
from .genesys.client import GenesysClient, RetryPolicy
from .genesys.credentials import load_credentials
from .genesys.token_pool import TokenPool
from .settings import ApplySettings, AwsSettings, EventSettings, GenesysSettings, ReconcileSettings, load_settings
from .store.failures import FailureStore
from .store.lease_http import DirectLeaseTable, FallbackLeaseTable
from .store.leases import LeaseTable
from .store.staging import StagedCodeTable

if TYPE_CHECKING:
    from .domain.reconcile import Reconciler
    from .eventbridge.processing import EventProcessor


def build_genesys(settings: GenesysSettings) -> GenesysClient:
    from .observability import count_genesys_answer, count_genesys_retry

    def counted_sleep(seconds: float) -> None:
        count_genesys_retry()
        time.sleep(seconds)

    return GenesysClient(
        api_url=settings.api_url,
        login_url=settings.login_url,
        credentials=load_credentials(settings),
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


def build_leases(settings: ApplySettings, source: FailureSource) -> ParticipantLeases:
    # Over httpx where the environment has static credentials (Lambda does): no boto3 on the apply path.
    direct = DirectLeaseTable.from_settings(load_settings(AwsSettings), settings.lease_table_name)
    boto3_store = LeaseTable(settings.lease_table_name)
    store: LeaseStore = FallbackLeaseTable(direct, boto3_store) if direct else boto3_store
    return ParticipantLeases(store, source=source.value, wait_seconds=settings.lease_wait_seconds)


def build_wrapup_service(settings: ApplySettings, source: FailureSource, genesys: GenesysClient) -> WrapupService:
    return WrapupService(
        genesys=genesys,
        failures=FailureStore(settings.failures_table_name, settings.failure_ttl_days),
        staging=StagedCodeTable(settings.staged_codes_table_name, settings.staged_code_ttl_hours),
        catalog=CodeCatalog(genesys, ttl_seconds=settings.code_cache_seconds),
        leases=build_leases(settings, source),
        source=source,
    )


def remaining_seconds(context: Any) -> Callable[[], float] | None:
    getter = getattr(context, "get_remaining_time_in_millis", None)
    return None if getter is None else lambda: float(getter()) / 1000.0


class TimeBound(Protocol):
    def set_time_budget(self, remaining_seconds: Callable[[], float] | None) -> None: ...


def bind_time_budget(budget: Callable[[], float] | None, *targets: TimeBound) -> None:
    """Give this invocation's remaining time (`remaining_seconds(context)`, or a CLI's deadline) to
    everything that waits: HTTP calls, the lease, DynamoDB."""
    for target in targets:
        target.set_time_budget(budget)


def build_event_processor(settings: EventSettings, genesys: GenesysClient) -> EventProcessor:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig

    from .domain.event_rules import EventRules
    from .eventbridge.processing import EventProcessor
    from .store import dynamo

    rules = EventRules(
        genesys=genesys,
        failures=FailureStore(settings.failures_table_name, settings.failure_ttl_days),
        staging=StagedCodeTable(settings.staged_codes_table_name, settings.staged_code_ttl_hours),
        catalog=CodeCatalog(genesys, ttl_seconds=settings.code_cache_seconds),
        policy=settings.wrapup_policy,
        leases=build_leases(settings, FailureSource.EVENTBRIDGE),
        placeholders=settings.placeholder_wrapup_codes,
    )
    return EventProcessor(
        rules,
        # The store's bounded client: idempotency reads/writes get the same timeouts and time budget.
        DynamoDBPersistenceLayer(table_name=settings.idempotency_table_name, boto3_client=dynamo.client()),
        IdempotencyConfig(expires_after_seconds=settings.idempotency_ttl_seconds, raise_on_no_idempotency_key=True),
    )


def build_reconciler(settings: ReconcileSettings, genesys: GenesysClient) -> Reconciler:
    from datetime import timedelta

    from .domain.reconcile import Reconciler
    from .genesys.analytics import AnalyticsApi
    from .observability import count_compliance
    from .store.checkpoints import CheckpointTable
    from .store.compliance import ComplianceTable

    return Reconciler(
        analytics=AnalyticsApi(genesys),
        failures=FailureStore(settings.failures_table_name, settings.failure_ttl_days),
        checkpoints=CheckpointTable(settings.checkpoint_table_name),
        lookback=timedelta(minutes=settings.reconcile_lookback_minutes),
        overlap=timedelta(minutes=settings.reconcile_overlap_minutes),
        settle=timedelta(minutes=settings.reconcile_settle_minutes),
        page_size=settings.reconcile_page_size,
        async_threshold=settings.reconcile_async_threshold,
        placeholders=settings.placeholder_wrapup_codes,
        compliance=ComplianceTable(settings.compliance_table_name) if settings.compliance_table_name else None,
        on_counted=count_compliance,
    )
