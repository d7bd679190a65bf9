"""WrapupEventsFunction: target of the EventBridge rule on the Genesys Cloud partner event bus.

user.end -> apply the staged (or policy) code inside the window; acw/wrapup -> verify a code is
present. Duplicates are absorbed by Powertools Idempotency; transient failures raise so Lambda
retries and, after the bounded retries, the event goes to the on-failure SQS destination.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from wrapguard.eventbridge.processing import EventProcessor
from wrapguard.genesys.client import GenesysClient
from wrapguard.observability import count_event, logger, metrics, tracer
from wrapguard.runtime import bind_time_budget, build_event_processor, build_genesys, deadline_of
from wrapguard.settings import EventSettings, load_settings
from wrapguard.store import dynamo

settings = load_settings(EventSettings)


@cache
def genesys() -> GenesysClient:
    return build_genesys(settings)


@cache
def processor() -> EventProcessor:
    return build_event_processor(settings, genesys())


@logger.inject_lambda_context(correlation_id_path="detail.eventBody.conversationId", clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    events = processor()
    events.config.register_lambda_context(context)
    deadline = deadline_of(context)
    bind_time_budget(deadline.until_end, dynamo)  # the stores' budget (until the boundary's stores take the deadline)
    result = events.handle(event, deadline=deadline)
    count_event(result)
    response = result.to_response()
    logger.info("event handled", extra=response)
    return response
