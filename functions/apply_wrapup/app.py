"""ApplyWrapupFunction: the Architect data action. Parse -> apply or stage -> flat result.

Malformed input raises InvalidInputError (the action takes its Failure path); operational
failures come back as outcome=failed and are recorded in the failure table.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from wrapguard.aws.dynamodb import DynamoDB
from wrapguard.contracts import ApplyWrapupInput, ApplyWrapupOutput
from wrapguard.domain.apply import WrapupService
from wrapguard.domain.deadline import Deadline
from wrapguard.domain.failures import FailureSource
from wrapguard.genesys.client import GenesysClient
from wrapguard.observability import count_outcome, logger, metrics, tracer
from wrapguard.probe import probe_result
from wrapguard.runtime import build_dynamodb, build_genesys, build_wrapup_service
from wrapguard.settings import ApplySettings, load_settings

settings = load_settings(ApplySettings)  # fails the init phase, naming the variable, if misconfigured


@cache
def dynamodb() -> DynamoDB:
    return build_dynamodb()


@cache
def genesys() -> GenesysClient:
    # Built on first use (reading the Secrets Manager secret is a network call), then reused warm.
    return build_genesys(settings)


@cache
def service() -> WrapupService:
    return build_wrapup_service(settings, FailureSource.DATA_ACTION, genesys(), dynamodb())


@logger.inject_lambda_context(correlation_id_path="conversationId")
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if (probe := probe_result(event)) is not None:  # wrapguard-setup verify: answered without side effects
        return probe
    request = ApplyWrapupInput.parse(event)
    result = ApplyWrapupOutput.answer(
        service().apply(request.to_request(), deadline=Deadline.from_lambda_context(context))
    )
    count_outcome(result, FailureSource.DATA_ACTION.value)
    logger.info("data action done", extra={"outcome": result.outcome.value, "failure_reason": result.failure_reason})
    return result.to_response()
