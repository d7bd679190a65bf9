"""OAuth client credentials (docs/genesys-api-notes.md s5): clients, tokens and the token endpoint,
and which requests get through (valid token, within the rate limits of rate_limits.py)."""

from __future__ import annotations

import base64
import re
import uuid
from urllib.parse import parse_qs

from .http import Response, Route, _error
from .rate_limits import RateLimiting

ROUTES: list[Route] = [("POST", re.compile(r"^/oauth/token$"), "oauth_token")]


class Auth(RateLimiting):
    def __init__(self, seed: int = 7) -> None:
        super().__init__(seed)
        self.clients: dict[str, str] = {}
        self.tokens: dict[str, float] = {}
        self.token_ttl = 86400

    def add_client(self, client_id: str, client_secret: str) -> None:
        self.clients[client_id] = client_secret

    def revoke_tokens(self) -> None:
        with self.lock:
            self.tokens.clear()

    def _refusal(self, headers: dict[str, str]) -> Response | None:
        """401 without a valid token, 429 over the token's rate limit, else None. Called under `lock`."""
        token = headers.get("authorization", "").removeprefix("Bearer ").strip()
        expiry = self.tokens.get(token)
        if expiry is None or expiry <= self.clock():
            return _error(401, "authentication required", "authentication.required")
        return self._throttle_request(token)

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
        throttled = self._throttle_token_creation(client_id)
        if throttled is not None:
            return throttled
        token = base64.urlsafe_b64encode(uuid.uuid4().bytes + uuid.uuid4().bytes).decode().rstrip("=")
        self.tokens[token] = self.clock() + self.token_ttl
        self._token_issued(token, client_id)
        return Response(200, {"access_token": token, "token_type": "bearer", "expires_in": self.token_ttl})
