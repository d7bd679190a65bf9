"""The `check_code` operator request (resolve --code): strict, typed, one code, ids canonical."""

from __future__ import annotations

import pytest

from wrapguard.contracts import InvalidInputError
from wrapguard.operator_requests import OperatorCodeCheckRequest, operation_of

C = "3C1C8B8E-5D6F-4B5E-9A59-1D1F0C0A0001"
P = "9d2e4a10-0b7c-4a43-8f0e-2b6b7c6d0001"
BASE = {"wrapguardOperation": "check_code", "conversationId": C, "participantId": P, "requestedBy": "ana"}


def test_a_request_round_trips_with_canonical_ids() -> None:
    request = OperatorCodeCheckRequest.parse({**BASE, "codeName": "Sale"})
    assert request.conversation_id == C.lower()
    assert operation_of(request.to_payload()) == "check_code"
    assert OperatorCodeCheckRequest.parse(request.to_payload()) == request


@pytest.mark.parametrize(
    "extra",
    [{}, {"codeId": "a", "codeName": "b"}, {"codeName": "Sale", "force": True}, {"codeName": ""}],
)
def test_bad_requests_are_refused(extra: dict[str, object]) -> None:
    with pytest.raises(InvalidInputError):
        OperatorCodeCheckRequest.parse({**BASE, **extra})
