"""The simulator's HTTP vocabulary: an answer, the vendor's ErrorBody, a route table entry and a page."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

MAX_PAGE_SIZE = 100

# (method, path pattern, endpoint name): the endpoint name counts requests and selects `_h_<name>`.
Route = tuple[str, re.Pattern[str], str]


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


def page(items: list[dict[str, Any]], params: dict[str, str]) -> Response:
    """A `pageSize`/`pageNumber` listing as the vendor's *EntityListing models answer it."""
    size = int(params.get("pageSize", 25))
    number = int(params.get("pageNumber", 1))
    if size > MAX_PAGE_SIZE:
        return _error(400, f"pageSize must be <= {MAX_PAGE_SIZE}", "bad.request")
    items_on_page = items[(number - 1) * size : number * size]
    return Response(
        200,
        {
            "entities": items_on_page,
            "pageSize": size,
            "pageNumber": number,
            "total": len(items),
            "pageCount": max(1, -(-len(items) // size)),
        },
    )
