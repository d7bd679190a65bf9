"""moto's server, handling one request at a time: `python -m wrapguard_local.aws_server -p PORT`.

DynamoDB applies each conditional write atomically; moto's threaded server does not lock its
tables, so two concurrent conditional writes could both succeed there. Concurrency tests (the
participant lease) need the real behaviour, so requests are serialised; connections stay threaded.

`GET /wrapguard-local/requests` answers the JSON-protocol requests served so far, by `X-Amz-Target`
(e.g. `DynamoDB_20120810.PutItem`): the peak benchmark prices DynamoDB from them, whichever client
(boto3 or the lease's httpx) sent them.
"""

from __future__ import annotations

import argparse
import json
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server, run_simple

from wrapguard_local.appconfig_local import AppConfigLocal, wsgi_middleware


def serialised(app: Callable[..., Iterable[bytes]]) -> Callable[..., list[bytes]]:
    lock = threading.Lock()

    def handle(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        with lock:
            return list(app(environ, start_response))

    return handle


COUNTS_PATH = "/wrapguard-local/requests"


def counted(app: Callable[..., list[bytes]]) -> Callable[..., list[bytes]]:
    counts: Counter[str] = Counter()
    lock = threading.Lock()

    def handle(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        if environ.get("PATH_INFO") == COUNTS_PATH:
            start_response("200 OK", [("Content-Type", "application/json")])
            return [json.dumps(dict(counts)).encode()]
        target = environ.get("HTTP_X_AMZ_TARGET")
        if target:
            with lock:
                counts[target] += 1
        return app(environ, start_response)

    return handle


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-H", "--host", default="127.0.0.1")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("-p", "--port", type=int)
    # A socket the parent already bound and listens on (wrapguard_local.dynamodb): no port race
    # between parallel test workers that each start a server.
    where.add_argument("--fd", type=int)
    args = parser.parse_args()
    # AppConfig environments, deployments and AppConfigData, which moto lacks (appconfig_local.py).
    app = counted(serialised(wsgi_middleware(DomainDispatcherApplication(create_backend_app), AppConfigLocal())))
    if args.fd is not None:
        make_server(args.host, 0, app, threaded=True, request_handler=MotoRequestHandler, fd=args.fd).serve_forever()
        return
    run_simple(args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
