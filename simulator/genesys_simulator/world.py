"""The simulated org: wrap-up codes, queues and conversations, and how conversations move.

Participants move connected -> wrap-up window (ACW pending) -> terminated (docs/genesys-api-notes.md s2, s11).
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .clock import Clock
from .events import conversation_event


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


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
    applied_at: float | None = None  # the simulator's clock at the first accepted PATCH (the peak bench's latency)

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


class World:
    """The org's data and the lock every request holds; the other concerns extend it."""

    def __init__(self, seed: int = 7) -> None:
        self.lock = threading.RLock()
        self.rng = random.Random(seed)  # noqa: S311 - deterministic fault injection
        self.codes: dict[str, str] = {}
        self.queues: dict[str, list[str]] = {}
        self.queue_names: dict[str, str] = {}
        self.user_names: dict[str, str] = {}
        self.conversations: dict[str, Conversation] = {}
        self.counters: Counter[str] = Counter()
        # The simulator's time in seconds (token expiry, rate limits); see clock.py to control it.
        self.clock: Clock = time.time

    # --- set-up ---------------------------------------------------------------------------------
    def add_code(self, name: str, code_id: str | None = None) -> str:
        code_id = code_id or str(uuid.uuid4())
        self.codes[code_id] = name
        return code_id

    def add_queue(self, code_ids: list[str], queue_id: str | None = None, name: str | None = None) -> str:
        queue_id = queue_id or str(uuid.uuid4())
        self.queues[queue_id] = list(code_ids)
        self.queue_names[queue_id] = name or f"Queue {len(self.queues)}"
        return queue_id

    def add_user(self, name: str, user_id: str | None = None) -> str:
        user_id = user_id or str(uuid.uuid4())
        self.user_names[user_id] = name
        return user_id

    def reset_counters(self) -> None:
        with self.lock:
            self.counters.clear()

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
        return conversation_event(self.conversations[cid], self._participant(cid, pid), topic)
