"""The set-up probe: `wrapguard-setup verify` runs the data action's test endpoint with this input.

The probe proves that Genesys Cloud reaches the function through the integration's role and the
alias, and that the answer maps onto the action's output contract. It must not touch a real
conversation nor leave a failure record, so the handler answers it before the domain runs: no
Genesys call, no DynamoDB write. The nil UUID is never a Genesys conversation id (Genesys ids are
random UUIDs), so no real input is mistaken for the probe.
"""

from __future__ import annotations

from typing import Any

from .contracts import ApplyWrapupOutput, Outcome

PROBE_CONVERSATION_ID = "00000000-0000-0000-0000-000000000000"
PROBE_CODE_NAME = "wrapguard-setup probe"
PROBE_REASON = "probe"
PROBE_INPUT = {"conversationId": PROBE_CONVERSATION_ID, "wrapupCodeName": PROBE_CODE_NAME}


def probe_result(event: Any) -> dict[str, Any] | None:
    """The probe's answer, or None for any other input.

    Within the output contract's enum: outcome `failed` (nothing was applied) with failureReason `probe`.
    """
    if not isinstance(event, dict) or event.get("conversationId") != PROBE_CONVERSATION_ID:
        return None
    return ApplyWrapupOutput(
        outcome=Outcome.FAILED,
        conversation_id=PROBE_CONVERSATION_ID,
        failure_reason=PROBE_REASON,
        message="wrapguard probe: the data action reached the function; nothing was applied or recorded",
    ).to_response()
