"""The embedded default world of the demo. The ids match the samples in events/, so the same files
work with `sam local invoke -e` against a real org once you replace the ids with yours."""

from __future__ import annotations

from genesys_simulator import SimulatorState

CLIENT_ID = "wrapguard-demo-client"
CLIENT_SECRET = "demo-secret-never-printed"  # noqa: S105 - simulator-only credential

SUPPORT_QUEUE = "5f0e3c2a-1b7d-4c7e-9a51-0d3c8e6f4a21"
CODES = {
    "0a6f1c52-8d4e-4f0b-b7a3-2c9e5d1f6a01": "Resolved",
    "0a6f1c52-8d4e-4f0b-b7a3-2c9e5d1f6a02": "Escalated",
    "0a6f1c52-8d4e-4f0b-b7a3-2c9e5d1f6a03": "Follow-up needed",
}
AGENT_USER = "7d2b8e14-3c5a-4f6e-8b90-1a2b3c4d5e6f"
# For the reconcile pass and the compliance figures: a second queue and agent; names for the reports.
SALES_QUEUE = "5f0e3c2a-1b7d-4c7e-9a51-0d3c8e6f4a22"
SECOND_AGENT = "7d2b8e14-3c5a-4f6e-8b90-1a2b3c4d5e70"
NAMES = {SUPPORT_QUEUE: "Support", SALES_QUEUE: "Sales", AGENT_USER: "Ana Agent", SECOND_AGENT: "Bo Agent"}

# conversation id -> agent participant id
IN_ACW = ("c0ffee00-0000-4000-8000-000000000001", "a9e47000-0000-4000-8000-000000000001")
WINDOW_CLOSED = ("c0ffee00-0000-4000-8000-000000000002", "a9e47000-0000-4000-8000-000000000002")
TALKING = ("c0ffee00-0000-4000-8000-000000000003", "a9e47000-0000-4000-8000-000000000003")
IN_ACW_UNKNOWN_CODE = ("c0ffee00-0000-4000-8000-000000000004", "a9e47000-0000-4000-8000-000000000004")
SKIPS_WRAPUP = ("c0ffee00-0000-4000-8000-000000000005", "a9e47000-0000-4000-8000-000000000005")


def seed(state: SimulatorState) -> None:
    state.add_client(CLIENT_ID, CLIENT_SECRET)
    for code_id, name in CODES.items():
        state.add_code(name, code_id)
    state.add_queue(list(CODES), SUPPORT_QUEUE, name=NAMES[SUPPORT_QUEUE])
    state.add_queue(list(CODES), SALES_QUEUE, name=NAMES[SALES_QUEUE])
    for user in (AGENT_USER, SECOND_AGENT):
        state.add_user(NAMES[user], user)
    for cid, pid in (IN_ACW, WINDOW_CLOSED, TALKING, IN_ACW_UNKNOWN_CODE, SKIPS_WRAPUP):
        state.new_call(SUPPORT_QUEUE, AGENT_USER, conversation_id=cid, participant_id=pid)
    for cid, pid in (IN_ACW, WINDOW_CLOSED, IN_ACW_UNKNOWN_CODE):
        state.agent_disconnect(cid, pid)
    state.complete_acw(*WINDOW_CLOSED)  # the agent left after-call work without a code
