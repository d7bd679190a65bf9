"""Serve a SimulatorState over HTTP on loopback, or in-process through httpx.MockTransport."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import httpx

from .state import SimulatorState


class _Handler(BaseHTTPRequestHandler):
    server: SimulatorServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are written separately: avoid 40 ms delayed-ACK stalls

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        headers = {k.lower(): v for k, v in self.headers.items()}
        response = self.server.state.handle(self.command, url.path, url.query, headers, body)
        if response.delay:
            time.sleep(response.delay)
        content = response.content()
        self.send_response(response.status)
        for key, value in response.headers.items():
            self.send_header(key, value)
        if content:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet: tests and the demo print their own summaries


class SimulatorServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: SimulatorState, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__((host, port), _Handler)
        self.state = state

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that timed out on a slowed answer closed its socket first: expected in fault tests.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


@contextmanager
def running_simulator(state: SimulatorState | None = None, port: int = 0) -> Iterator[SimulatorServer]:
    server = SimulatorServer(state or SimulatorState(), port=port)
    # serve_forever's default 0.5 s poll is how long shutdown() waits: tests start one simulator each.
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), name="genesys-simulator", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def mock_transport(state: SimulatorState) -> httpx.MockTransport:
    """In-process transport for unit tests: no sockets. A delay beyond the request's read timeout
    raises httpx.ReadTimeout, as a slow server would."""

    def handler(request: httpx.Request) -> httpx.Response:
        headers = {k.lower(): v for k, v in request.headers.items()}
        response = state.handle(request.method, request.url.path, request.url.query.decode(), headers, request.read())
        if response.delay:
            timeout = (request.extensions.get("timeout") or {}).get("read")
            if timeout is not None and response.delay >= timeout:
                raise httpx.ReadTimeout("simulated slow answer", request=request)
        return httpx.Response(response.status, content=response.content(), headers=response.headers)

    return httpx.MockTransport(handler)
