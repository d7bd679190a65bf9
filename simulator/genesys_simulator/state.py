"""Simulator state and request handling, independent of the transport (HTTP server or httpx.MockTransport)."""

from __future__ import annotations

import base64
import json
import random
import re
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from .events import eventbridge_event

# Assumption (docs/genesys-api-notes.md s3/s11: unpublished): the status and code for "window closed". The
# simulator answers 409 by default; set `closed_window_status = 400` to test the other variant.
CLOSED_WINDOW_CODE = "conversation.participant.wrapup.not.allowed"
INVALID_CODE_CODE = "bad.request"
MAX_PAGE_SIZE = 100


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@dataclass
class Fault:
    """Inject a failure into matching requests. `status=None` with `delay` only slows the answer."""

    endpoint: str | None = None  # None: every endpoint but the simulator's own
    status: int | None = 503
    retry_after: int | None = None
    delay: float = 0.0
    times: int = 1  # how many requests it hits; -1 = unlimited
    probability: float = 1.0
    path_contains: str | None = None  # only requests whose path contains this (e.g. one conversation id)


@dataclass
class Participant:
    id: str
    purpose: str
    start_time: datetime
    user_id: str | None = None
    queue_id: str | None = None
    name: str | None = None
    media: str = "calls"
    comm_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    comm_state: str = "connected"
    connected_time: datetime | None = None
    end_time: datetime | None = None
    disconnect_type: str | None = None
    acw_state: str | None = None
    acw_start: datetime | None = None
    acw_end: datetime | None = None
    wrapup_required: bool = True
    wrapup: dict[str, Any] | None = None
    apply_count: int = 0

    def window_open(self) -> bool:
        return self.comm_state == "disconnected" and self.acw_state == "pending"

    def to_api(self) -> dict[str, Any]:
        comm: dict[str, Any] = {"id": self.comm_id, "state": self.comm_state}
        if self.disconnect_type:
            comm["disconnectType"] = self.disconnect_type
        if self.end_time:
            comm["disconnectedTime"] = _iso(self.end_time)
        if self.acw_state:
            comm["afterCallWork"] = {
                k: v
                for k, v in {
                    "state": self.acw_state,
                    "startTime": _iso(self.acw_start),
                    "endTime": _iso(self.acw_end),
                }.items()
                if v
            }
        if self.wrapup:
            comm["wrapup"] = self.wrapup
        body: dict[str, Any] = {
            "id": self.id,
            "purpose": self.purpose,
            "startTime": _iso(self.start_time),
            "wrapupRequired": self.wrapup_required if self.purpose == "agent" else False,
            self.media: [comm],
        }
        optional = {
            "userId": self.user_id,
            "queueId": self.queue_id,
            "name": self.name,
            "connectedTime": _iso(self.connected_time),
            "endTime": _iso(self.end_time),
            "startAcwTime": _iso(self.acw_start),
            "endAcwTime": _iso(self.acw_end),
            "wrapup": self.wrapup,
        }
        body.update({k: v for k, v in optional.items() if v is not None})
        if self.purpose == "agent":
            body["wrapupPrompt"] = "mandatory"
        return body


@dataclass
class Conversation:
    id: str
    start_time: datetime
    media_type: str = "voice"
    participants: list[Participant] = field(default_factory=list)
    end_time: datetime | None = None

    def participant(self, pid: str) -> Participant | None:
        return next((p for p in self.participants if p.id == pid), None)

    def to_api(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.id,
            "startTime": _iso(self.start_time),
            "participants": [p.to_api() for p in self.participants],
        }
        if self.end_time:
            body["endTime"] = _iso(self.end_time)
        return body


class Response:
    def __init__(self, status: int, body: Any = None, headers: dict[str, str] | None = None, delay: float = 0.0):
        self.status = status
        self.body = body
        self.headers = headers or {}
        self.delay = delay

    def content(self) -> bytes:
        return b"" if self.body is None else json.dumps(self.body).encode()


def _error(status: int, message: str, code: str, headers: dict[str, str] | None = None) -> Response:
    context_id = str(uuid.uuid4())
    body = {
        "message": message,
        "code": code,
        "status": status,
        "contextId": context_id,
        "details": [],
        "errors": [],
    }
    return Response(status, body, {"ININ-Correlation-ID": context_id, **(headers or {})})


ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("POST", re.compile(r"^/oauth/token$"), "oauth_token"),
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
    ("POST", re.compile(r"^/api/v2/analytics/conversations/details/query$"), "analytics_query"),
    ("POST", re.compile(r"^/api/v2/analytics/conversations/details/jobs$"), "analytics_job_create"),
    (
        "GET",
        re.compile(r"^/api/v2/analytics/conversations/details/jobs/(?P<jid>[^/]+)$"),
        "analytics_job_status",
    ),
    (
        "GET",
        re.compile(r"^/api/v2/analytics/conversations/details/jobs/(?P<jid>[^/]+)/results$"),
        "analytics_job_results",
    ),
]


class SimulatorState:
    def __init__(self, seed: int = 7) -> None:
        self.lock = threading.RLock()
        self.rng = random.Random(seed)  # noqa: S311 - deterministic fault injection
        self.clients: dict[str, str] = {}
        self.tokens: dict[str, float] = {}
        self.token_ttl = 86400
        self.codes: dict[str, str] = {}
        self.queues: dict[str, list[str]] = {}
        self.conversations: dict[str, Conversation] = {}
        self.faults: list[Fault] = []
        self.counters: Counter[str] = Counter()
        self.closed_window_status = 409
        self.jobs: dict[str, dict[str, Any]] = {}
        self.job_polls_until_fulfilled = 1

    # --- set-up ---------------------------------------------------------------------------------
    def add_client(self, client_id: str, client_secret: str) -> None:
        self.clients[client_id] = client_secret

    def add_code(self, name: str, code_id: str | None = None) -> str:
        code_id = code_id or str(uuid.uuid4())
        self.codes[code_id] = name
        return code_id

    def add_queue(self, code_ids: list[str], queue_id: str | None = None) -> str:
        queue_id = queue_id or str(uuid.uuid4())
        self.queues[queue_id] = list(code_ids)
        return queue_id

    def inject(self, fault: Fault) -> None:
        with self.lock:
            self.faults.append(fault)

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def reset_counters(self) -> None:
        with self.lock:
            self.counters.clear()

    def revoke_tokens(self) -> None:
        with self.lock:
            self.tokens.clear()

    # --- conversation lifecycle -----------------------------------------------------------------
    def start_conversation(
        self, *, start: datetime | None = None, media: str = "calls", conversation_id: str | None = None
    ) -> str:
        """A customer in the IVR; no agent yet."""
        start = start or datetime.now(UTC)
        cid = conversation_id or str(uuid.uuid4())
        conv = Conversation(
            cid,
            start,
            media_type={"calls": "voice", "messages": "message", "emails": "email"}.get(media, "voice"),
        )
        conv.participants.append(Participant(str(uuid.uuid4()), "customer", start, media=media, connected_time=start))
        conv.participants.append(Participant(str(uuid.uuid4()), "ivr", start, media=media, connected_time=start))
        with self.lock:
            self.conversations[cid] = conv
        return cid

    def route_to_agent(
        self,
        cid: str,
        queue_id: str,
        user_id: str | None = None,
        at: datetime | None = None,
        participant_id: str | None = None,
    ) -> str:
        """ACD routes the conversation from `queue_id` to an agent, who answers. Returns the agent participant id."""
        with self.lock:
            conv = self.conversations[cid]
            at = at or max(datetime.now(UTC), conv.start_time)
            for p in conv.participants:
                if p.purpose == "ivr" and p.end_time is None:
                    self._end(p, at, acw=False)
            media = conv.participants[0].media
            acd = Participant(str(uuid.uuid4()), "acd", at, queue_id=queue_id, media=media, connected_time=at)
            self._end(acd, at, acw=False)
            conv.participants.append(acd)
            agent = Participant(
                participant_id or str(uuid.uuid4()),
                "agent",
                at,
                user_id=user_id or str(uuid.uuid4()),
                queue_id=queue_id,
                media=media,
                connected_time=at,
                name="Agent",
            )
            conv.participants.append(agent)
            return agent.id

    def new_call(
        self,
        queue_id: str,
        user_id: str | None = None,
        start: datetime | None = None,
        conversation_id: str | None = None,
        participant_id: str | None = None,
    ) -> tuple[str, str]:
        cid = self.start_conversation(start=start, conversation_id=conversation_id)
        return cid, self.route_to_agent(cid, queue_id, user_id, at=start, participant_id=participant_id)

    def agent_disconnect(
        self, cid: str, pid: str, *, acw: bool = True, at: datetime | None = None
    ) -> list[dict[str, Any]]:
        """The agent's call ends; with `acw` the wrap-up window opens. Returns the events Genesys emits."""
        with self.lock:
            conv = self.conversations[cid]
            agent = self._participant(cid, pid)
            at = at or datetime.now(UTC)
            self._end(agent, at, acw=acw)
            for p in conv.participants:
                if p.purpose == "customer" and p.end_time is None:
                    self._end(p, at, acw=False)
            if not acw:
                self._maybe_end_conversation(conv, at)
            return [self.event(cid, pid, "user.end")]

    def complete_acw(
        self,
        cid: str,
        pid: str,
        *,
        agent_code: str | None = None,
        at: datetime | None = None,
        acw_state: str = "complete",
    ) -> list[dict[str, Any]]:
        """The agent finishes after-call work (optionally choosing `agent_code`); the window closes."""
        with self.lock:
            conv = self.conversations[cid]
            agent = self._participant(cid, pid)
            at = at or datetime.now(UTC)
            events = []
            if agent_code:
                agent.wrapup = self._wrapup(agent_code, None)
                events.append(self.event(cid, pid, "wrapup"))
            agent.acw_state = acw_state
            agent.acw_end = at
            agent.comm_state = "terminated"
            self._maybe_end_conversation(conv, at)
            events.append(self.event(cid, pid, "acw"))
            return events

    def skip_acw(self, cid: str, pid: str, at: datetime | None = None) -> list[dict[str, Any]]:
        """ACW timed out / was skipped without a code: the window closes with nothing set."""
        return self.complete_acw(cid, pid, at=at, acw_state="skipped")

    def applied_code(self, cid: str, pid: str) -> str | None:
        wrapup = self._participant(cid, pid).wrapup
        return None if wrapup is None else wrapup.get("code")

    def apply_count(self, cid: str, pid: str) -> int:
        return self._participant(cid, pid).apply_count

    def _participant(self, cid: str, pid: str) -> Participant:
        participant = self.conversations[cid].participant(pid)
        if participant is None:
            raise KeyError(pid)
        return participant

    @staticmethod
    def _end(p: Participant, at: datetime, *, acw: bool) -> None:
        p.end_time = at
        p.disconnect_type = "client" if p.purpose == "agent" else "endpoint"
        if acw:
            p.comm_state = "disconnected"
            p.acw_state = "pending"
            p.acw_start = at
        else:
            p.comm_state = "terminated"
            if p.purpose == "agent":
                p.acw_state = "notApplicable"
                p.wrapup_required = False

    @staticmethod
    def _maybe_end_conversation(conv: Conversation, at: datetime) -> None:
        if all(p.comm_state == "terminated" for p in conv.participants):
            conv.end_time = at

    def _wrapup(self, code_id: str, notes: str | None) -> dict[str, Any]:
        wrapup = {"code": code_id, "name": self.codes.get(code_id, ""), "durationSeconds": 0}
        if notes:
            wrapup["notes"] = notes
        return wrapup

    def valid_codes(self, participant: Participant) -> list[str]:
        if participant.queue_id and participant.queue_id in self.queues:
            return self.queues[participant.queue_id]
        return list(self.codes)

    # --- events ---------------------------------------------------------------------------------
    def event(self, cid: str, pid: str, topic: str) -> dict[str, Any]:
        conv = self.conversations[cid]
        p = self._participant(cid, pid)
        now = datetime.now(UTC)
        body: dict[str, Any] = {
            "eventTime": int(now.timestamp() * 1000),
            "conversationId": cid,
            "participantId": pid,
            "sessionId": p.comm_id,
            "mediaType": conv.media_type.upper(),
            "direction": "INBOUND",
            "provider": "Edge",
            "ani": "tel:+13175550100",
            "dnis": "tel:+13175550199",
        }
        if p.queue_id:
            body["queueId"] = p.queue_id
        if topic == "user.end":
            body.update(
                {
                    "userId": p.user_id,
                    "disconnectType": "CLIENT",
                    "divisionId": "7a1a6a92-4d8b-4d2f-9a3c-1f1f1f1f1f1f",
                    "interactingDurationMs": 61000,
                    "heldDurationMs": 0,
                }
            )
        elif topic in {"acw", "wrapup"}:
            if topic == "acw":
                body["userId"] = p.user_id
            if p.wrapup:
                body["wrapupCode"] = p.wrapup["code"]
                if p.wrapup.get("notes"):
                    body["wrapupNotes"] = p.wrapup["notes"]
            if p.acw_start and p.acw_end:
                body["wrapupDurationMs"] = int((p.acw_end - p.acw_start).total_seconds() * 1000)
        return eventbridge_event(topic, cid, body, when=now)

    # --- HTTP -----------------------------------------------------------------------------------
    def handle(self, method: str, path: str, query: str, headers: dict[str, str], body: bytes) -> Response:
        route = next(
            ((name, m) for verb, pattern, name in ROUTES if verb == method and (m := pattern.match(path))), None
        )
        if route is None:
            return _error(404, f"no route {method} {path}", "not.found")
        endpoint, match = route
        with self.lock:
            self.counters[endpoint] += 1
            fault = self._take_fault(endpoint, path)
        delay = fault.delay if fault else 0.0
        if fault and fault.status:
            extra = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
            code = "too.many.requests.retry.after" if fault.status == 429 else "service.unavailable"
            response = _error(fault.status, f"injected {fault.status}", code, extra)
            response.delay = delay
            return response
        if endpoint != "oauth_token" and not self._authorized(headers):
            response = _error(401, "authentication required", "authentication.required")
        else:
            params = {k: v[-1] for k, v in parse_qs(query).items()}
            with self.lock:
                response = getattr(self, f"_h_{endpoint}")(match.groupdict(), params, headers, body)
        response.delay = delay
        return response

    def _take_fault(self, endpoint: str, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.endpoint not in (None, endpoint) or fault.times == 0:
                continue
            if fault.path_contains and fault.path_contains not in path:
                continue
            if self.rng.random() >= fault.probability:
                continue
            if fault.times > 0:
                fault.times -= 1
            return fault
        return None

    def _authorized(self, headers: dict[str, str]) -> bool:
        auth = headers.get("authorization", "")
        token = auth.removeprefix("Bearer ").strip()
        expiry = self.tokens.get(token)
        return expiry is not None and expiry > time.time()

    # handlers -----------------------------------------------------------------------------------
    def _h_oauth_token(self, _: dict[str, str], __: dict[str, str], headers: dict[str, str], body: bytes) -> Response:
        form = {k: v[-1] for k, v in parse_qs(body.decode()).items()}
        try:
            client_id, secret = (
                base64.b64decode(headers.get("authorization", "").removeprefix("Basic ")).decode().split(":", 1)
            )
        except ValueError:
            return Response(400, {"error": "invalid_client", "description": "missing client credentials"})
        if form.get("grant_type") != "client_credentials":
            return Response(400, {"error": "unsupported_grant_type"})
        if self.clients.get(client_id) != secret:
            return Response(401, {"error": "invalid_client", "description": "client authentication failed"})
        token = base64.urlsafe_b64encode(uuid.uuid4().bytes + uuid.uuid4().bytes).decode().rstrip("=")
        self.tokens[token] = time.time() + self.token_ttl
        return Response(200, {"access_token": token, "token_type": "bearer", "expires_in": self.token_ttl})

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

    def _page(self, items: list[dict[str, Any]], params: dict[str, str]) -> Response:
        size = int(params.get("pageSize", 25))
        number = int(params.get("pageNumber", 1))
        if size > MAX_PAGE_SIZE:
            return _error(400, f"pageSize must be <= {MAX_PAGE_SIZE}", "bad.request")
        page = items[(number - 1) * size : number * size]
        return Response(
            200,
            {
                "entities": page,
                "pageSize": size,
                "pageNumber": number,
                "total": len(items),
                "pageCount": max(1, -(-len(items) // size)),
            },
        )

    def _h_queue_wrapupcodes(self, args: dict[str, str], params: dict[str, str], *_: Any) -> Response:
        if args["qid"] not in self.queues:
            return _error(404, f"queue {args['qid']} not found", "not.found")
        return self._page([{"id": c, "name": self.codes[c]} for c in self.queues[args["qid"]]], params)

    def _h_org_wrapupcodes(self, _: dict[str, str], params: dict[str, str], *__: Any) -> Response:
        codes = [{"id": c, "name": n} for c, n in sorted(self.codes.items(), key=lambda kv: kv[1])]
        if params.get("name"):
            codes = [c for c in codes if c["name"].lower().startswith(params["name"].rstrip("*").lower())]
        return self._page(codes, params)

    # analytics ----------------------------------------------------------------------------------
    def analytics_conversation(self, conv: Conversation) -> dict[str, Any]:
        participants = []
        for p in conv.participants:
            segments: list[dict[str, Any]] = [
                {
                    "segmentType": {"ivr": "ivr", "acd": "interact", "agent": "interact"}.get(p.purpose, "interact"),
                    "segmentStart": _iso(p.start_time),
                    "segmentEnd": _iso(p.end_time),
                    **({"queueId": p.queue_id} if p.queue_id else {}),
                    **({"disconnectType": p.disconnect_type} if p.disconnect_type else {}),
                }
            ]
            if p.purpose == "agent" and p.wrapup:
                segments.append(
                    {
                        "segmentType": "wrapup",
                        "segmentStart": _iso(p.acw_start),
                        "segmentEnd": _iso(p.acw_end),
                        "wrapUpCode": p.wrapup["code"],
                        **({"wrapUpNote": p.wrapup["notes"]} if p.wrapup.get("notes") else {}),
                        **({"queueId": p.queue_id} if p.queue_id else {}),
                    }
                )
            session: dict[str, Any] = {
                "sessionId": p.comm_id,
                "mediaType": conv.media_type,
                "direction": "inbound",
                "segments": segments,
            }
            if p.acw_state == "skipped":
                session["acwSkipped"] = True
            participants.append(
                {
                    "participantId": p.id,
                    "purpose": p.purpose,
                    **({"userId": p.user_id} if p.user_id else {}),
                    "sessions": [session],
                }
            )
        body: dict[str, Any] = {
            "conversationId": conv.id,
            "conversationStart": _iso(conv.start_time),
            "participants": participants,
        }
        if conv.end_time:
            body["conversationEnd"] = _iso(conv.end_time)
        return body

    def _in_interval(self, interval: str) -> list[Conversation]:
        start_text, end_text = interval.split("/")
        start, end = _parse_iso(start_text), _parse_iso(end_text)
        matching = [c for c in self.conversations.values() if start <= c.start_time < end]
        return sorted(matching, key=lambda c: (c.start_time, c.id))

    def _h_analytics_query(self, _: dict[str, str], __: dict[str, str], ___: Any, body: bytes) -> Response:
        query = json.loads(body or b"{}")
        if "interval" not in query:
            return _error(400, "interval is required", "bad.request")
        paging = query.get("paging") or {}
        size, number = int(paging.get("pageSize", 25)), int(paging.get("pageNumber", 1))
        if size > MAX_PAGE_SIZE:
            return _error(400, f"paging.pageSize must be <= {MAX_PAGE_SIZE}", "bad.request")
        matching = self._in_interval(query["interval"])
        if query.get("order") == "desc":
            matching.reverse()
        page = matching[(number - 1) * size : number * size]
        response: dict[str, Any] = {"totalHits": len(matching)}
        if page:  # the real API omits `conversations` on an empty page (assumption kept by the client)
            response["conversations"] = [self.analytics_conversation(c) for c in page]
        return Response(200, response)

    def _h_analytics_job_create(self, _: dict[str, str], __: dict[str, str], ___: Any, body: bytes) -> Response:
        query = json.loads(body or b"{}")
        job_id = str(uuid.uuid4())
        ids = [c.id for c in self._in_interval(query["interval"])]
        self.jobs[job_id] = {"ids": ids, "polls": 0}
        return Response(202, {"jobId": job_id})

    def _h_analytics_job_status(self, args: dict[str, str], *_: Any) -> Response:
        job = self.jobs.get(args["jid"])
        if job is None:
            return _error(404, "job not found", "not.found")
        job["polls"] += 1
        state = "FULFILLED" if job["polls"] >= self.job_polls_until_fulfilled else "PENDING"
        return Response(200, {"state": state, "submissionDate": _iso(datetime.now(UTC))})

    def _h_analytics_job_results(self, args: dict[str, str], params: dict[str, str], *_: Any) -> Response:
        job = self.jobs.get(args["jid"])
        if job is None:
            return _error(404, "job not found", "not.found")
        size = min(int(params.get("pageSize", 100)), 1000)
        offset = int(params.get("cursor") or 0)
        ids = job["ids"][offset : offset + size]
        body: dict[str, Any] = {
            "conversations": [self.analytics_conversation(self.conversations[i]) for i in ids],
            "dataAvailabilityDate": _iso(datetime.now(UTC) - timedelta(minutes=1)),
        }
        if offset + size < len(job["ids"]):
            body["cursor"] = str(offset + size)
        return Response(200, body)
