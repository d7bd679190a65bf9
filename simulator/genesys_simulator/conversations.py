"""Conversation and routing endpoints: read a conversation, apply a wrap-up, list valid codes (docs s1)."""

from __future__ import annotations

import json
import re
from typing import Any

from .http import Response, Route, _error, page
from .world import Participant, World

# Assumption (docs/genesys-api-notes.md s3/s11: unpublished): the status and code for "window closed". The
# simulator answers 409 by default; set `closed_window_status = 400` to test the other variant.
CLOSED_WINDOW_CODE = "conversation.participant.wrapup.not.allowed"
INVALID_CODE_CODE = "bad.request"

ROUTES: list[Route] = [
    ("GET", re.compile(r"^/api/v2/conversations/(?P<cid>[^/]+)$"), "get_conversation"),
    (
        "PATCH",
        re.compile(r"^/api/v2/conversations/(?P<cid>[^/]+)/participants/(?P<pid>[^/]+)$"),
        "patch_participant",
    ),
    (
        "GET",
        re.compile(r"^/api/v2/conversations/(?P<cid>[^/]+)/participants/(?P<pid>[^/]+)/wrapupcodes$"),
        "participant_wrapupcodes",
    ),
    (
        "GET",
        re.compile(r"^/api/v2/conversations/(?P<cid>[^/]+)/participants/(?P<pid>[^/]+)/wrapup$"),
        "participant_wrapup",
    ),
    ("GET", re.compile(r"^/api/v2/routing/queues/(?P<qid>[^/]+)/wrapupcodes$"), "queue_wrapupcodes"),
    ("GET", re.compile(r"^/api/v2/routing/wrapupcodes$"), "org_wrapupcodes"),
    ("GET", re.compile(r"^/api/v2/routing/queues$"), "list_queues"),  # names by id (docs s14)
    ("GET", re.compile(r"^/api/v2/users$"), "list_users"),
]


class ConversationRoutes(World):
    def __init__(self, seed: int = 7) -> None:
        super().__init__(seed)
        self.closed_window_status = 409

    def _h_get_conversation(self, args: dict[str, str], *_: Any) -> Response:
        conv = self.conversations.get(args["cid"])
        if conv is None:
            return _error(404, f"conversation {args['cid']} not found", "not.found")
        return Response(200, conv.to_api())

    def _lookup(self, args: dict[str, str]) -> Participant | Response:
        conv = self.conversations.get(args["cid"])
        participant = conv.participant(args["pid"]) if conv else None
        if participant is None:
            return _error(404, "conversation or participant not found", "not.found")
        return participant

    def _h_patch_participant(self, args: dict[str, str], _: Any, __: Any, body: bytes) -> Response:
        participant = self._lookup(args)
        if isinstance(participant, Response):
            return participant
        try:
            request = json.loads(body or b"{}")
        except ValueError:
            return _error(400, "request body is not JSON", "bad.request")
        wrapup = request.get("wrapup")
        if not isinstance(wrapup, dict) or not wrapup.get("code"):
            return _error(400, "wrapup.code is required", "bad.request")
        if request.get("state") not in (None, "connected", "disconnected"):
            return _error(400, "invalid state", "bad.request")
        if not participant.window_open():
            return _error(
                self.closed_window_status,
                "Wrap-up can only be set while the participant is in after-call work",
                CLOSED_WINDOW_CODE,
            )
        if wrapup["code"] not in self.valid_codes(participant):
            return _error(400, f"Invalid wrap-up code {wrapup['code']}", INVALID_CODE_CODE)
        participant.wrapup = self._wrapup(wrapup["code"], wrapup.get("notes"))
        participant.apply_count += 1
        if participant.applied_at is None:
            participant.applied_at = self.clock()
        return Response(202)

    def _h_participant_wrapupcodes(self, args: dict[str, str], *_: Any) -> Response:
        participant = self._lookup(args)
        if isinstance(participant, Response):
            return participant
        return Response(200, [{"id": c, "name": self.codes[c]} for c in self.valid_codes(participant)])

    def _h_participant_wrapup(self, args: dict[str, str], *_: Any) -> Response:
        participant = self._lookup(args)
        if isinstance(participant, Response):
            return participant
        return Response(200, participant.wrapup or {})

    def _h_queue_wrapupcodes(self, args: dict[str, str], params: dict[str, str], *_: Any) -> Response:
        if args["qid"] not in self.queues:
            return _error(404, f"queue {args['qid']} not found", "not.found")
        return page([{"id": c, "name": self.codes[c]} for c in self.queues[args["qid"]]], params)

    def _h_org_wrapupcodes(self, _: dict[str, str], params: dict[str, str], *__: Any) -> Response:
        codes = [{"id": c, "name": n} for c, n in sorted(self.codes.items(), key=lambda kv: kv[1])]
        if params.get("name"):
            codes = [c for c in codes if c["name"].lower().startswith(params["name"].rstrip("*").lower())]
        return page(codes, params)

    def _h_list_queues(self, _: dict[str, str], params: dict[str, str], *__: Any) -> Response:
        ids = params["id"].split(",") if params.get("id") else list(self.queue_names)
        found = [{"id": i, "name": self.queue_names[i]} for i in ids if i in self.queue_names]
        if params.get("name"):
            found = [q for q in found if _name_matches(params["name"], q["name"])]
        return page(found, params)

    def _h_list_users(self, _: dict[str, str], params: dict[str, str], *__: Any) -> Response:
        ids = params["id"].split(",") if params.get("id") else list(self.user_names)
        return page([{"id": i, "name": self.user_names[i]} for i in ids if i in self.user_names], params)


def _name_matches(pattern: str, name: str) -> bool:
    """GET /api/v2/routing/queues `name`: "leading and trailing asterisks allowed" (docs s14). Case-insensitive
    here: the vendor does not say (UNCONFIRMED); wrapguard-setup compares the answer's names itself."""
    text, wanted = name.casefold(), pattern.strip("*").casefold()
    if pattern.startswith("*") and pattern.endswith("*") and len(pattern) > 1:
        return wanted in text
    if pattern.startswith("*"):
        return text.endswith(wanted)
    if pattern.endswith("*"):
        return text.startswith(wanted)
    return text == wanted
