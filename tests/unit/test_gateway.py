"""genesys/gateway.py: Genesys' wire models and errors become the domain's values, classified once."""

from __future__ import annotations

import pytest

from genesys_simulator import Fault
from tests.support.fakes import deadline
from tests.support.world import CLIENT_SECRET, World
from wrapguard.domain.failures import FailureReason
from wrapguard.domain.model import UpstreamError, UpstreamKind
from wrapguard.genesys import models as wire
from wrapguard.genesys.errors import (
    GenesysApiError,
    GenesysAuthError,
    GenesysBadResponseError,
    GenesysError,
    GenesysTimeoutError,
    GenesysUnauthorizedError,
    GenesysUncertainApplyError,
)
from wrapguard.genesys.gateway import participant_of, upstream_failure

ERRORS: list[tuple[GenesysError, UpstreamKind, FailureReason, bool]] = [
    # error, kind, reason, outcome unknown (a write may have taken effect)
    (GenesysTimeoutError("no answer"), UpstreamKind.TIMEOUT, FailureReason.TIMEOUT, True),
    (GenesysUncertainApplyError("no answer"), UpstreamKind.TIMEOUT, FailureReason.TIMEOUT, True),
    (GenesysUncertainApplyError("502", status=502), UpstreamKind.SERVER_ERROR, FailureReason.UPSTREAM_ERROR, True),
    (GenesysApiError("500", status=500), UpstreamKind.SERVER_ERROR, FailureReason.UPSTREAM_ERROR, True),
    (GenesysAuthError("refused", status=400), UpstreamKind.AUTH_REFUSED, FailureReason.UNAUTHORIZED, False),
    (GenesysUnauthorizedError("401", status=401), UpstreamKind.UNAUTHORIZED, FailureReason.UNAUTHORIZED, False),
    (GenesysApiError("403", status=403), UpstreamKind.FORBIDDEN, FailureReason.FORBIDDEN, False),
    (GenesysApiError("404", status=404), UpstreamKind.NOT_FOUND, FailureReason.NOT_FOUND, False),
    (GenesysApiError("429", status=429), UpstreamKind.RATE_LIMITED, FailureReason.RATE_LIMITED, False),
    (GenesysApiError("400", status=400), UpstreamKind.REFUSED, FailureReason.UPSTREAM_ERROR, False),
    (GenesysApiError("409", status=409), UpstreamKind.REFUSED, FailureReason.UPSTREAM_ERROR, False),
    (GenesysApiError("422", status=422), UpstreamKind.REFUSED, FailureReason.UPSTREAM_ERROR, False),
    (GenesysApiError("418", status=418), UpstreamKind.OTHER, FailureReason.UPSTREAM_ERROR, False),
    (GenesysBadResponseError("html", status=200), UpstreamKind.BAD_RESPONSE, FailureReason.UPSTREAM_ERROR, False),
]


@pytest.mark.parametrize(("error", "kind", "reason", "unknown"), ERRORS, ids=lambda v: getattr(v, "value", None))
def test_each_error_is_classified_once(
    error: GenesysError, kind: UpstreamKind, reason: FailureReason, unknown: bool
) -> None:
    failure = upstream_failure(error)
    assert (failure.kind, failure.reason, failure.outcome_unknown) == (kind, reason, unknown)
    assert failure.status == error.status and failure.description == str(error)


def test_every_kind_has_a_reason() -> None:
    assert {upstream_failure(e).kind for e, *_ in ERRORS} == set(UpstreamKind)


def test_a_refusal_keeps_the_error_body_and_correlation_id(world: World) -> None:
    cid, _ = world.call_in_acw()
    world.sim.inject(Fault(endpoint="get_conversation", status=403, times=1))
    with pytest.raises(UpstreamError) as raised:
        world.gateway().get_conversation(cid, deadline=deadline())
    failure = raised.value.failure
    assert failure.kind is UpstreamKind.FORBIDDEN and failure.status == 403
    assert failure.error_code and failure.error_message and failure.context_id and failure.correlation_id
    assert failure.operation == "get_conversation"


def test_a_refused_grant_is_auth_refused_and_names_no_secret(world: World) -> None:
    cid, _ = world.call_in_acw()
    with pytest.raises(UpstreamError) as raised:
        world.gateway(secret="wrong-" + CLIENT_SECRET).get_conversation(cid, deadline=deadline())
    assert raised.value.failure.kind is UpstreamKind.AUTH_REFUSED
    assert CLIENT_SECRET not in repr(raised.value.failure)


@pytest.mark.parametrize(
    ("body", "code", "media", "direction"),
    [
        ({"wrapup": {"code": "k1"}}, "k1", None, None),
        ({"calls": [{"id": "c", "direction": "Inbound", "wrapup": {"code": "k2"}}]}, "k2", "voice", "inbound"),
        ({"chats": [{"id": "a"}, {"id": "b", "wrapup": {"code": "k3"}}]}, "k3", "chat", None),
        ({"emails": [{"id": "e", "direction": "Outbound"}]}, None, "email", "outbound"),
    ],
)
def test_participant_facts_are_read_from_the_wire_once(
    body: dict[str, object], code: str | None, media: str | None, direction: str | None
) -> None:
    participant = participant_of(wire.Participant.model_validate({"id": "p", "purpose": "agent", **body}))
    assert (participant.wrapup_code_id, participant.media_type, participant.direction) == (code, media, direction)
    assert participant.is_agent
