"""WrapupEventsFunction: target of the EventBridge rule on the Genesys Cloud partner event bus.

user.end -> apply the staged (or policy) code inside the window; acw/wrapup -> verify a code is
present. Duplicates are absorbed by Powertools Idempotency; transient failures raise so Lambda
retries and, after the bounded retries, the event goes to the on-failure SQS destination.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from wrapguard.aws.dynamodb import DynamoDB
from wrapguard.domain.deadline import Deadline
from wrapguard.eventbridge.processing import EventProcessor
from wrapguard.genesys.client import GenesysClient
from wrapguard.observability import count_event, logger, metrics, tracer
from wrapguard.runtime import build_dynamodb, build_event_processor, build_genesys
from wrapguard.settings import EventSettings, load_settings

settings = load_settings(EventSettings)


@cache
def dynamodb() -> DynamoDB:
    return build_dynamodb()


@cache
def genesys() -> GenesysClient:
    return build_genesys(settings)


@cache
def processor() -> EventProcessor:
    return build_event_processor(settings, genesys(), dynamodb())


@logger.inject_lambda_context(correlation_id_path="detail.eventBody.conversationId", clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    events = processor()
    events.config.register_lambda_context(context)
    result = events.handle(event, deadline=Deadline.from_lambda_context(context))
    count_event(result)
    response = result.to_response()
    logger.info("event handled", extra=response)
    return response
