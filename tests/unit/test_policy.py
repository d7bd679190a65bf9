"""The policy document: modes and their precedence, validation, and one schema for functions, CLI and AppConfig."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from wrapguard.domain.policy import Mode, WrapupPolicy, policy_json_schema

Q1 = "11111111-1111-4111-8111-111111111111"
Q2 = "22222222-2222-4222-8222-222222222222"
Q3 = "33333333-3333-4333-8333-333333333333"


@pytest.mark.parametrize(
    ("document", "queue", "stack_default", "expected"),
    [
        ({}, Q1, Mode.OBSERVE, Mode.OBSERVE),  # nothing set: the stack's parameter
        ({}, None, Mode.ENFORCE, Mode.ENFORCE),
        ({"mode": "enforce"}, Q1, Mode.OBSERVE, Mode.ENFORCE),  # the policy's top level beats the stack
        ({"mode": "enforce", "queues": {Q1: {"mode": "observe"}}}, Q1, Mode.OBSERVE, Mode.OBSERVE),  # queue wins
        ({"mode": "enforce", "queues": {Q1: {"mode": "off"}}}, Q2, Mode.OBSERVE, Mode.ENFORCE),  # other queue
        ({"mode": "observe", "queues": {Q1: {"defaultCodeName": "X"}}}, Q1, Mode.ENFORCE, Mode.OBSERVE),  # no own mode
        ({"mode": "enforce", "default": {"mode": "off"}}, Q3, Mode.OBSERVE, Mode.OFF),  # default entry = unlisted
        ({"mode": "enforce", "default": {"mode": "off"}, "queues": {Q1: {}}}, Q1, Mode.OBSERVE, Mode.ENFORCE),
        ({"queues": {Q1: {"mode": "enforce"}}}, None, Mode.OBSERVE, Mode.OBSERVE),  # no queue known
    ],
)
def test_mode_precedence(document: dict[str, object], queue: str | None, stack_default: Mode, expected: Mode) -> None:
    assert WrapupPolicy.model_validate(document).mode_for(queue, stack_default) is expected


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({"mode": "sometimes"}, "mode"),
        ({"queues": {Q1: {"mode": "on"}}}, "queues"),
        ({"queues": {Q1: {"defaultCodeId": "a", "defaultCodeName": "b"}}}, "queues"),
        ({"queues": {Q1: {"defaultCode": "a"}}}, "defaultCode"),
        ({"unknown": 1}, "unknown"),
        ({"placeholderCodes": "ININ-WRAP-UP-TIMEOUT"}, "placeholderCodes"),
    ],
)
def test_invalid_documents_are_rejected_naming_the_field(document: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as error:
        WrapupPolicy.model_validate(document)
    assert field in str(error.value)


def test_document_round_trips_in_camel_case() -> None:
    document = {
        "mode": "observe",
        "queues": {Q1: {"mode": "enforce", "defaultCodeName": "Sale", "overwriteAgentCode": True}},
        "placeholderCodes": ["ININ-WRAP-UP-TIMEOUT"],
    }
    assert WrapupPolicy.model_validate(document).to_document() == document


def test_schema_accepts_and_rejects_like_the_model() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = policy_json_schema()
    good = {"mode": "enforce", "queues": {Q1: {"mode": "observe", "defaultCodeId": "x"}}}
    jsonschema.validate(good, schema)
    both_codes = {"queues": {Q1: {"defaultCodeId": "a", "defaultCodeName": "b"}}}
    for bad in ({"mode": "sometimes"}, {"queues": {Q1: {"mode": "on"}}}, {"extra": True}, both_codes):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)
    json.dumps(schema)  # serialisable as AppConfig's validator content
