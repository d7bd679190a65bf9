from __future__ import annotations

import uuid

import pytest

from wrapguard.contracts import ApplyWrapupInput, ApplyWrapupOutput, InvalidInputError, Outcome

CID = str(uuid.uuid4())
CODE = str(uuid.uuid4())


def test_minimal_input_with_code_id() -> None:
    parsed = ApplyWrapupInput.parse({"conversationId": CID, "wrapupCodeId": CODE})
    assert parsed.conversation_id == CID
    assert parsed.wrapup_code_id == CODE
    assert parsed.participant_id is None


def test_architect_empty_strings_mean_not_set() -> None:
    parsed = ApplyWrapupInput.parse(
        {
            "conversationId": CID,
            "participantId": "",
            "userId": " ",
            "wrapupCodeId": "",
            "wrapupCodeName": "Sale",
            "notes": "",
        }
    )
    assert parsed.participant_id is None and parsed.user_id is None and parsed.notes is None
    assert parsed.wrapup_code_name == "Sale"


@pytest.mark.parametrize(
    ("event", "field"),
    [
        ({"wrapupCodeId": CODE}, "conversationId"),
        ({"conversationId": "", "wrapupCodeId": CODE}, "conversationId"),
        ({"conversationId": "not-a-uuid", "wrapupCodeId": CODE}, "conversationId"),
        ({"conversationId": CID, "participantId": "p1", "wrapupCodeId": CODE}, "participantId"),
        ({"conversationId": CID, "userId": "u1", "wrapupCodeId": CODE}, "userId"),
        ({"conversationId": CID, "wrapupCodeId": "abc"}, "wrapupCodeId"),
        ({"conversationId": CID}, "wrapupCodeId"),
        ({"conversationId": CID, "wrapupCodeId": CODE, "wrapupCodeName": "Sale"}, "wrapupCodeId"),
    ],
)
def test_malformed_input_names_the_field(event: dict[str, str], field: str) -> None:
    with pytest.raises(InvalidInputError) as raised:
        ApplyWrapupInput.parse(event)
    assert field in raised.value.fields
    assert field in str(raised.value)


def test_non_object_input_is_rejected() -> None:
    with pytest.raises(InvalidInputError, match="input"):
        ApplyWrapupInput.parse(["not", "an", "object"])


def test_output_is_flat_camel_case_without_nulls() -> None:
    out = ApplyWrapupOutput(outcome=Outcome.FAILED, conversation_id=CID, failure_reason="window_closed", message="m")
    assert out.to_response() == {
        "outcome": "failed",
        "conversationId": CID,
        "failureReason": "window_closed",
        "message": "m",
    }
