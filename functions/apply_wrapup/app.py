"""ApplyWrapupFunction: the Architect data action. Parse -> apply or stage -> flat result.

Malformed input raises InvalidInputError (the action takes its Failure path); operational
failures come back as outcome=failed and are recorded in the failure table. A reviewer's
`wrapguard-review retry` arrives here too, as an OperatorRetryRequest (operator_requests.py), and runs
the same apply with this invocation's deadline, lease clock and secret.
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
from wrapguard.domain.lease import ParticipantLeases
from wrapguard.domain.operator_retry import operator_retry
from wrapguard.genesys.client import GenesysClient
from wrapguard.observability import count_outcome, logger, metrics, tracer
from wrapguard.operator_requests import OperatorRetryAnswer, OperatorRetryRequest, is_operator_request
from wrapguard.probe import probe_result
from wrapguard.runtime import build_dynamodb, build_genesys, build_leases, build_wrapup_service
from wrapguard.settings import ApplySettings, load_settings
from wrapguard.store.failures import FailureStore

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


@cache
def review_leases() -> ParticipantLeases:
    return build_leases(settings, FailureSource.REVIEW, dynamodb())


@cache
def failures() -> FailureStore:
    return FailureStore(dynamodb(), settings.failures_table_name, settings.failure_ttl_days)


@logger.inject_lambda_context(correlation_id_path="conversationId")
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if (probe := probe_result(event)) is not None:  # wrapguard-setup verify: answered without side effects
        return probe
    deadline = Deadline.from_lambda_context(context)
    if is_operator_request(event):  # wrapguard-review retry (Lambda Invoke of the live alias)
        answer = OperatorRetryAnswer.of(
            operator_retry(
                OperatorRetryRequest.parse(event).to_domain(),
                service=service(),
                failures=failures(),
                leases=review_leases(),
                deadline=deadline,
            )
        )
        logger.info("operator retry done", extra={"outcome": answer.outcome.value, "resolved": answer.resolved})
        return answer.to_payload()
    request = ApplyWrapupInput.parse(event)
    result = ApplyWrapupOutput.answer(service().apply(request.to_request(), deadline=deadline))
    count_outcome(result, FailureSource.DATA_ACTION.value)
    logger.info("data action done", extra={"outcome": result.outcome.value, "failure_reason": result.failure_reason})
    return result.to_response()
