"""Reconcile 10,000 conversations from the simulator (HTTP) into the local DynamoDB server."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from genesys_simulator import running_simulator
from tests.support.aws import deadline_from, local_db
from tests.support.world import World
from wrapguard.domain.reconcile import Reconciler
from wrapguard.genesys.analytics import AnalyticsApi
from wrapguard.genesys.gateway import AnalyticsGateway
from wrapguard.store.checkpoints import CheckpointTable
from wrapguard.store.failures import FailureStore
from wrapguard_local.dynamodb import local_dynamodb_server, use_local_aws
from wrapguard_local.template import create_tables

CONVERSATIONS = 10_000


def reconcile_report() -> list[str]:
    world = World()
    now = datetime.now(UTC)
    start = now - timedelta(minutes=50)
    for i in range(CONVERSATIONS):
        at = start + timedelta(milliseconds=200 * i)  # all within the default 60-minute lookback
        cid, pid = world.sim.new_call(world.support_queue, start=at)
        world.sim.agent_disconnect(cid, pid, at=at + timedelta(seconds=60))
        if i % 2:
            world.sim.skip_acw(cid, pid, at=at + timedelta(seconds=90))
        else:
            world.sim.complete_acw(cid, pid, agent_code=world.resolved, at=at + timedelta(seconds=90))
    dynamodb_calls: Counter[str] = Counter()

    def count(request: Any) -> None:
        dynamodb_calls[str(request.headers.get("x-amz-target", "")).rsplit(".", 1)[-1]] += 1

    with running_simulator(world.sim) as server, local_dynamodb_server() as url:
        use_local_aws(url)
        tables = create_tables(boto3.client("dynamodb"), prefix="bench-")
        db = local_db()
        db.api.http.event_hooks["request"].append(count)
        reconciler = Reconciler(
            analytics=AnalyticsGateway(AnalyticsApi(world.client(base_url=server.url))),
            failures=FailureStore(db, tables["FailuresTable"]),
            checkpoints=CheckpointTable(db, tables["ReconcileCheckpointTable"]),
        )
        world.sim.reset_counters()
        started = time.perf_counter()
        report = reconciler.run(deadline=deadline_from(lambda: 1e9))
        elapsed = time.perf_counter() - started
    genesys = dict(world.sim.counters)
    writes = dynamodb_calls.get("BatchWriteItem", 0)
    return [
        "",
        f"## Reconcile {CONVERSATIONS:,} conversations (simulator over HTTP, local DynamoDB server)",
        "",
        "| measure | value |",
        "|---|---|",
        f"| conversations read / agent participants without wrap-up / recorded | {report.conversations:,} / "
        f"{report.missing:,} / {report.recorded:,} |",
        f"| Genesys requests | {sum(genesys.values())} ({', '.join(f'{k} {v}' for k, v in sorted(genesys.items()))}) |",
        f"| analytics pages (page size {reconciler.page_size}) | {report.pages} |",
        f"| DynamoDB calls | {', '.join(f'{k} {v}' for k, v in sorted(dynamodb_calls.items()))} |",
        f"| items per BatchWriteItem | {report.recorded / writes if writes else 0:.1f} |",
        f"| wall time of the pass | {elapsed:.1f} s |",
        "",
        "Target: pages of the maximum page size (100), so about 100 Genesys requests. The local DynamoDB",
        "server (moto) dominates the wall time; it says nothing about DynamoDB's own latency.",
    ]
