"""OAuth client credentials (docs/genesys-api-notes.md s5): clients, tokens and the token endpoint."""

from __future__ import annotations

import base64
import re
import time
import uuid
from urllib.parse import parse_qs

from .http import Response, Route
from .world import World

ROUTES: list[Route] = [("POST", re.compile(r"^/oauth/token$"), "oauth_token")]


class Auth(World):
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

    def _authorized(self, headers: dict[str, str]) -> bool:
        auth = headers.get("authorization", "")
        token = auth.removeprefix("Bearer ").strip()
        expiry = self.tokens.get(token)
        return expiry is not None and expiry > time.time()

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
