"""Parse -> deduplicate -> dispatch one EventBridge event; shared by the Lambda handler and the redrive CLI.

Idempotency is keyed on the business identity (conversationId, participantId, topic), not on the
EventBridge event id: Genesys may deliver the same change more than once under different ids.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer
from aws_lambda_powertools.utilities.parser import parse
from pydantic import ValidationError

from ..domain.deadline import Deadline
from ..domain.event_results import EventAction, EventResult
from ..domain.event_rules import EventRules
from ..domain.failures import FailureReason, FailureRecorder, FailureSource, Subject, build_failure, record_failure
from ..identifiers import is_uuid
from ..observability import logger
from .models import BODY_MODELS, AcwEvent, ConversationDetailEvent, GenesysEventBridgeEvent, Topic, UserEndEvent


class MalformedEventError(ValueError):
    """An event we cannot act on and cannot tie to a participant: fail so it ends in the DLQ."""


class EventProcessor:
    def __init__(
        self,
        rules: EventRules,
        persistence: Callable[[Deadline], BasePersistenceLayer] | None,
        config: IdempotencyConfig | None = None,
    ) -> None:
        self.rules = rules
        self.failures: FailureRecorder = rules.failures
        self.config = config or IdempotencyConfig()
        # One persistence layer per invocation, bound to its deadline (store/idempotency.py).
        self._persistence = persistence

    def _dispatch(
        self, *, key: dict[str, str], body: ConversationDetailEvent, kind: str, deadline: Deadline
    ) -> dict[str, Any]:
        if self._persistence is None:
            return self._act(key=key, body=body, kind=kind, deadline=deadline)
        # The idempotency record holds the result's JSON form (dicts need no serializer in the layer).
        act = idempotent_function(
            data_keyword_argument="key", persistence_store=self._persistence(deadline), config=self.config
        )(self._act)
        result: dict[str, Any] = act(key=key, body=body, kind=kind, deadline=deadline)
        return result

    def handle(self, raw: Any, *, deadline: Deadline) -> EventResult:
        try:
            event = parse(event=raw, model=GenesysEventBridgeEvent)
        except ValidationError as exc:
            return self._malformed(raw, exc, deadline=deadline)
        topic = event.topic()
        kinds = {t.value for t in Topic}
        if topic is None or topic[1] not in kinds:
            logger.debug("topic not handled, ignored", extra={"topic": event.detail.topic_name})
            return EventResult(EventAction.IGNORED, topic=event.detail.topic_name)
        kind = Topic(topic[1])
        try:
            body = BODY_MODELS[kind].model_validate(event.detail.event_body)
        except ValidationError as exc:
            return self._malformed(raw, exc, deadline=deadline)
        logger.append_keys(conversation_id=body.conversation_id, participant_id=body.participant_id, topic=kind.value)
        key = {"conversationId": body.conversation_id, "participantId": body.participant_id, "topic": kind.value}
        return EventResult.from_response(self._dispatch(key=key, body=body, kind=kind.value, deadline=deadline))

    def _act(
        self, *, key: dict[str, str], body: ConversationDetailEvent, kind: str, deadline: Deadline
    ) -> dict[str, Any]:
        if isinstance(body, UserEndEvent):
            return self.rules.on_agent_end(body.to_domain(), deadline=deadline).to_response()
        assert isinstance(body, AcwEvent)
        return self.rules.on_wrapup_done(body.to_domain(acw_ended=kind == Topic.ACW), deadline=deadline).to_response()

    def _malformed(self, raw: Any, exc: ValidationError, *, deadline: Deadline) -> EventResult:
        fields = tuple(sorted({".".join(str(p) for p in e["loc"]) for e in exc.errors()}))
        detail = raw.get("detail") if isinstance(raw, dict) else None
        body = detail.get("eventBody") if isinstance(detail, dict) else None
        topic = detail.get("topicName") if isinstance(detail, dict) else None
        cid = body.get("conversationId") if isinstance(body, dict) else None
        pid = body.get("participantId") if isinstance(body, dict) else None
        logger.error("malformed event", extra={"invalid_fields": list(fields), "topic": topic})
        if not (is_uuid(cid) and is_uuid(pid)):
            raise MalformedEventError(
                f"malformed event (invalid {', '.join(fields)}); not attributable to a participant"
            )
        assert isinstance(cid, str) and isinstance(pid, str)
        failure = build_failure(
            Subject(cid.lower(), pid.lower()),
            FailureSource.EVENTBRIDGE,
            reason=FailureReason.UPSTREAM_ERROR,
            message=f"malformed {topic if isinstance(topic, str) else 'event'}: invalid {', '.join(fields)}",
        )
        record_failure(self.failures, failure, deadline=deadline)
        return EventResult(
            EventAction.MALFORMED_RECORDED,
            conversation_id=failure.conversation_id,
            participant_id=failure.participant_id,
            reason=failure.reason,
            fields=fields,
        )
