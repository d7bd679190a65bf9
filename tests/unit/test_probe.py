"""The set-up probe: answered inside the data action's output contract, never mistaken for real input."""

from __future__ import annotations

import json

from wrapguard.cli.setup.desired import packaged_action_file
from wrapguard.probe import PROBE_CONVERSATION_ID, PROBE_INPUT, probe_result


def test_probe_answer_fits_the_output_contract() -> None:
    action = json.loads(packaged_action_file().read_text())
    schema = action["contract"]["output"]["successSchema"]
    answer = probe_result(dict(PROBE_INPUT))
    assert answer is not None
    assert set(answer) <= set(schema["properties"])
    assert answer["outcome"] in schema["properties"]["outcome"]["enum"]
    assert answer["conversationId"] == PROBE_CONVERSATION_ID and answer["failureReason"] == "probe"
    required = action["contract"]["input"]["inputSchema"]["required"]
    assert set(required) <= set(PROBE_INPUT)  # the test endpoint accepts the probe input


def test_any_other_input_is_not_a_probe() -> None:
    assert probe_result({"conversationId": "3f2b4c1e-8a8e-4f4f-9d7a-0b1c2d3e4f50", "wrapupCodeName": "x"}) is None
    assert probe_result(None) is None
    assert probe_result(["00000000-0000-0000-0000-000000000000"]) is None
