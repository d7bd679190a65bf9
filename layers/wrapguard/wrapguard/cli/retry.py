"""`wrapguard-review retry`: apply a failure's intended code again through the same domain logic."""

from __future__ import annotations

from typing import Any

from ..contracts import ApplyWrapupInput, InvalidInputError, Outcome
from ..domain.apply import WrapupService
from ..domain.codes import CodeCatalog
from ..domain.failures import UNRESOLVED_PARTICIPANT, FailureSource, FailureStatus
from ..domain.lease import ParticipantLeases
from ..domain.staging import StagedCode
from ..runtime import build_genesys
from ..settings import GenesysSettings, load_settings
from ..store.failures import FailureStore


class _CannotStage(Exception):
    pass


class _NoStaging:
    """A reviewer retries only into an open window; a participant still talking is reported, not staged."""

    def put(self, staged: StagedCode) -> None:
        raise _CannotStage("the agent is not in after-call work yet; nothing was applied")

    def find(self, conversation_id: str, participant_id: str, user_id: str | None) -> StagedCode | None:
        return None

    def delete(self, staged: StagedCode) -> None:
        return None


def retry_failures(
    store: FailureStore,
    items: list[dict[str, Any]],
    *,
    code_id: str | None,
    code_name: str | None,
    leases: ParticipantLeases,
    genesys: Any = None,
) -> list[dict[str, Any]]:
    genesys = genesys or build_genesys(load_settings(GenesysSettings))
    results = []
    for item in items:
        source = FailureSource(item.get("source", FailureSource.DATA_ACTION.value))
        # Holds the participant's lease like every writer; a lost race is reported as `superseded`.
        service = WrapupService(genesys, store, _NoStaging(), CodeCatalog(genesys), leases, source=source)
        participant = item["participantId"]
        wanted_id = code_id or (None if code_name else item.get("wrapupCodeId"))
        wanted_name = code_name or (None if wanted_id else item.get("wrapupCodeName"))
        base = {"conversationId": item["conversationId"], "participantId": participant}
        if not (wanted_id or wanted_name):
            results.append(
                {**base, "outcome": "skipped", "message": "no intended code recorded: pass --code-id or --code-name"}
            )
            continue
        try:
            request = ApplyWrapupInput.parse(
                {
                    "conversationId": item["conversationId"],
                    "participantId": participant if participant != UNRESOLVED_PARTICIPANT else None,
                    "wrapupCodeId": wanted_id,
                    "wrapupCodeName": wanted_name,
                }
            )
            outcome = service.apply(request)
        except (_CannotStage, InvalidInputError) as exc:
            results.append({**base, "outcome": "not_applied", "message": str(exc)})
            continue
        result = {**base, **outcome.to_response()}
        if outcome.outcome in {Outcome.APPLIED, Outcome.ALREADY_APPLIED}:
            store.set_status(
                item["conversationId"],
                participant,
                FailureStatus.RESOLVED,
                note=f"{outcome.outcome.value} by wrapguard-review retry",
                reviewer="wrapguard-review",
            )
        results.append(result)
    return results
