"""Simulator state and request handling, independent of the transport (HTTP server or httpx.MockTransport).

Each concern lives in its own module and extends `World` (the org's data and lock):
`world` (conversations and how they move), `auth` (OAuth), `conversations` (conversation and routing
endpoints), `analytics` (details query and jobs), `rate_limits` (requests per token, tokens per
client), `setup_api` (integrations, credentials, data actions, OAuth clients: the set-up side),
`faults` (injected failures) and `events` (EventBridge bodies).
`SimulatorState` puts them together and routes each request to its handler.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from . import analytics, auth, conversations, setup_api
from .analytics import Analytics
from .conversations import CLOSED_WINDOW_CODE, INVALID_CODE_CODE, ConversationRoutes
from .faults import Fault, FaultInjection
from .http import MAX_PAGE_SIZE, Response, Route, _error
from .rate_limits import PLATFORM_DEFAULTS, TOO_MANY_REQUESTS_CODE, RateLimits, RateLimitStats
from .setup_api import SetupApi
from .world import Conversation, Participant

__all__ = [
    "CLOSED_WINDOW_CODE",
    "INVALID_CODE_CODE",
    "MAX_PAGE_SIZE",
    "PLATFORM_DEFAULTS",
    "ROUTES",
    "Conversation",
    "Fault",
    "Participant",
    "RateLimitStats",
    "RateLimits",
    "Response",
    "SimulatorState",
    "_error",
]

ROUTES: list[Route] = [*auth.ROUTES, *conversations.ROUTES, *analytics.ROUTES, *setup_api.ROUTES]


class SimulatorState(ConversationRoutes, Analytics, SetupApi, FaultInjection):
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
            code = TOO_MANY_REQUESTS_CODE if fault.status == 429 else "service.unavailable"
            response = _error(fault.status, f"injected {fault.status}", code, extra)
            response.delay = delay
            return response
        # A list parameter (`id`) comes as the repeated key (docs/genesys-api-notes.md s14): kept comma-joined.
        params = {k: ",".join(v) if k == "id" else v[-1] for k, v in parse_qs(query).items()}
        with self.lock:
            refusal = None if endpoint == "oauth_token" else self._refusal(headers)
            if refusal is not None:
                response = refusal
            else:
                handler: Any = getattr(self, f"_h_{endpoint}")
                response = handler(match.groupdict(), params, headers, body)
        response.delay = delay
        return response
