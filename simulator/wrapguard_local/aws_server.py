"""moto's server, handling one request at a time: `python -m wrapguard_local.aws_server -p PORT`.

DynamoDB applies each conditional write atomically; moto's threaded server does not lock its
tables, so two concurrent conditional writes could both succeed there. Concurrency tests (the
participant lease) need the real behaviour, so requests are serialised; connections stay threaded.
"""

from __future__ import annotations

import argparse
import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import run_simple

from wrapguard_local.appconfig_local import AppConfigLocal, wsgi_middleware


def serialised(app: Callable[..., Iterable[bytes]]) -> Callable[..., list[bytes]]:
    lock = threading.Lock()

    def handle(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        with lock:
            return list(app(environ, start_response))

    return handle


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, required=True)
    args = parser.parse_args()
    # AppConfig environments, deployments and AppConfigData, which moto lacks (appconfig_local.py).
    app = wsgi_middleware(DomainDispatcherApplication(create_backend_app), AppConfigLocal())
    run_simple(args.host, args.port, serialised(app), threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
