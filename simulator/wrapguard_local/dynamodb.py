"""Start a local DynamoDB-compatible server (moto's server mode) in a child process, on loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

LOCAL_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def local_dynamodb_server(port: int | None = None, timeout: float = 30.0) -> Iterator[str]:
    """Yield the endpoint URL of a fresh moto server; stopped on exit.

    Without a port, the socket is bound here (port 0) and handed to the server: a port picked by
    free_port() and bound later by the child could be taken meanwhile by another test worker's
    server, and the readiness check would then answer from the wrong server."""
    listener = None
    if port:
        where = ["-p", str(port)]
    else:
        listener = socket.create_server(("127.0.0.1", 0))
        port = int(listener.getsockname()[1])
        where = ["--fd", str(listener.fileno())]
    process = subprocess.Popen(
        [sys.executable, "-m", "wrapguard_local.aws_server", "-H", "127.0.0.1", *where],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **LOCAL_AWS_ENV},
        pass_fds=() if listener is None else (listener.fileno(),),
    )
    if listener is not None:
        listener.close()  # the child holds its own copy
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                httpx.get(f"{url}/moto-api/", timeout=1.0)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"local DynamoDB server did not start on {url}") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def use_local_aws(endpoint_url: str) -> dict[str, str]:
    """Point boto3 (and everything built on it) at the local server; returns what was set."""
    env = {**LOCAL_AWS_ENV, "AWS_ENDPOINT_URL": endpoint_url}
    os.environ.update(env)
    return env
