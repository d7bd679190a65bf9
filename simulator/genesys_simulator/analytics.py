"""Analytics conversation details: the query endpoint and async jobs (docs/genesys-api-notes.md s7)."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from .http import MAX_PAGE_SIZE, Response, Route, _error
from .world import Conversation, World, _iso, _parse_iso

ROUTES: list[Route] = [
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


class Analytics(World):
    def __init__(self, seed: int = 7) -> None:
        super().__init__(seed)
        self.jobs: dict[str, dict[str, Any]] = {}
        self.job_polls_until_fulfilled = 1

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
