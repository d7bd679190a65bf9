"""The peak benchmark (issue 19): a large centre's peak against Genesys' rate limits, without the token
pool + pacing, with it (the template's defaults), and with it under a cap on the event function's
concurrency, side by side on the same seed -> its section of docs/benchmarks.md.

`python bench/peak.py` (run by `make bench`): 5,000 interactions ending at 500 a minute, 10 simulated
minutes (simulator/wrapguard_local/peak.py says what happens to each; compressed_time.py what the
`--factor` compresses and what it does not). `--json` prints the figures instead of writing the
document (the small test uses it).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import platform
import sys
import time
import warnings
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
BEGIN, END = "<!-- peak benchmark: begin (bench/peak.py writes this section) -->", "<!-- peak benchmark: end -->"
SHIFT_BEGIN = "<!-- peak benchmark, shift end: begin (bench/peak.py --shift-end writes this section) -->"
SHIFT_END = "<!-- peak benchmark, shift end: end -->"
# Issue 19's goal on the default peak.
GOAL_P99_SECONDS = 60.0
GOAL_SHARE_429 = 0.01


@dataclass(frozen=True)
class Variant:
    key: str
    label: str
    env: dict[str, str]
    reserved_concurrency: int | None = None  # WrapupEventsMaxConcurrency; None: no cap


POOL = {"GENESYS_TOKENS_PER_CONTAINER": "3", "GENESYS_REQUESTS_PER_TOKEN_PER_MINUTE": "300"}
# Below the event function's peak concurrency at the default peak (7 containers in the run with the pool),
# so that the cap binds and its cost in latency shows (`--cap` changes it).
CAP = 4
# A shift change (--shift-end MINUTE): for this long the interactions end this many times as fast (the
# issue: "more at shift change"; the factor is our assumption).
SHIFT_END_MINUTES = 1.0
SHIFT_END_FACTOR = 3.0
VARIANTS = (
    Variant(
        "without",
        "without: 1 token per container, no pacing",
        {"GENESYS_TOKENS_PER_CONTAINER": "1", "GENESYS_REQUESTS_PER_TOKEN_PER_MINUTE": "0"},
    ),
    Variant("with", "with (template defaults): up to 3 tokens per container, paced below 300/min each", POOL),
    Variant("capped", "with, and the events cap (`WrapupEventsMaxConcurrency`)", POOL, reserved_concurrency=CAP),
)


class _CountingSink:
    """stdout while the handlers run: their log lines and EMF metrics are counted (CloudWatch Logs
    bytes), not shown. Powertools' Logger keeps the stream it found at import, so one sink serves
    every variant."""

    def __init__(self) -> None:
        self.bytes = 0

    def write(self, text: str) -> int:
        self.bytes += len(text.encode())
        return len(text)

    def flush(self) -> None:
        pass


SINK = _CountingSink()


def run_variant(variant: Variant, args: argparse.Namespace) -> tuple[PeakReport, int]:
    """The run's report and the bytes its handlers logged."""
    import boto3

    from wrapguard_local.demo import local_stack
    from wrapguard_local.peak import PeakConfig, run_peak

    # The template's defaults for logs and metrics (LogLevel INFO, EMF metrics on), for their bytes.
    env = {**variant.env, "POWERTOOLS_LOG_LEVEL": "INFO", "POWERTOOLS_METRICS_DISABLED": "false"}
    config = PeakConfig(
        interactions=args.interactions,
        per_minute=args.per_minute,
        factor=args.factor,
        seed=args.seed,
        acw_seconds=(args.acw_seconds[0], args.acw_seconds[1]),
        env=env,
        reserved_concurrency=args.cap if variant.reserved_concurrency is not None else None,
        shift_end_at_minute=args.shift_end,
        shift_end_minutes=SHIFT_END_MINUTES,
        shift_end_factor=SHIFT_END_FACTOR,
    )
    with local_stack() as stack:
        sqs = boto3.client("sqs")
        queue_url = sqs.create_queue(QueueName="wrapguard-peak-dlq")["QueueUrl"]
        logged = SINK.bytes
        report = run_peak(config, COMPRESSED, stack, sqs, queue_url)
        return report, SINK.bytes - logged


def memory_mb() -> int:
    from wrapguard_local.template import load_template

    return int(load_template()["Globals"]["Function"]["MemorySize"])


def figures(report: PeakReport, log_bytes: int) -> dict[str, Any]:
    from bench.cost import Usage, cost_lines, total
    from wrapguard_local.peak import percentile

    events = report.invocations_of("WrapupEventsFunction")
    outcomes = report.outcomes.outcomes
    aws = report.aws_requests
    writes = sum(aws.get(f"DynamoDB_20120810.{op}", 0) for op in ("PutItem", "UpdateItem", "DeleteItem"))
    reads = sum(aws.get(f"DynamoDB_20120810.{op}", 0) for op in ("GetItem", "Query"))
    usage = Usage(
        interactions=report.config.interactions,
        lambda_invocations=len(report.invocations),
        billed_seconds=sum(i.billed_seconds for i in report.invocations),
        median_event_seconds=percentile([i.billed_seconds for i in events], 0.5),
        cold_starts=report.containers,
        memory_mb=memory_mb(),
        dynamodb_writes=writes,
        dynamodb_reads=reads,
        user_end_deliveries=report.user_end_deliveries,
        dead_letter_messages=report.dead_lettered_messages,
        log_bytes=log_bytes,
    )
    lines = cost_lines(usage)
    return {
        "interactions": report.config.interactions,
        "applied": outcomes["applied"],
        "recorded": outcomes["open_failure"],
        "dead_lettered": outcomes["dead_lettered_only"],
        "dead_letter_messages": report.dead_lettered_messages,
        "lost": len(report.outcomes.lost),
        "applied_twice": report.outcomes.applied_twice,
        "genesys_requests": report.genesys_requests,
        "genesys_429": report.throttled,
        "share_429": report.throttled / report.genesys_requests if report.genesys_requests else 0.0,
        "p50_seconds": percentile(report.latencies, 0.50),
        "p99_seconds": percentile(report.latencies, 0.99),
        "max_seconds": max(report.latencies, default=float("nan")),
        "tokens_issued": report.tokens_issued,
        "tokens_used": report.tokens_used,
        "lambda_invocations": len(report.invocations),
        "event_invocations": len(events),
        "event_errors": sum(1 for i in events if i.error),
        "containers": report.containers,
        "throttles": report.throttles,
        "gb_seconds": usage.billed_seconds * usage.memory_mb / 1024,
        "dynamodb_writes": writes,
        "dynamodb_reads": reads,
        "log_bytes": log_bytes,
        "harness_lag_p99": report.harness_lag_p99,
        "real_seconds": report.real_seconds,
        "simulated_seconds": report.simulated_seconds,
        "genesys_by_endpoint": report.genesys_by_endpoint,
        "cost_per_million": [[what, quantity, usd] for what, quantity, usd in lines],
        "cost_per_million_total": total(lines),
    }


def _n(value: float) -> str:
    return f"{value:,.0f}"


def _s(value: float) -> str:
    return f"{value:.1f} s"


def table(results: dict[str, dict[str, Any]]) -> list[str]:
    """The variants side by side, one column each."""
    shown = [v for v in VARIANTS if v.key in results]
    rows = [
        ("applied (code held in Genesys)", "applied", _n),
        ("recorded (open failure record)", "recorded", _n),
        ("dead-lettered only", "dead_lettered", _n),
        ("**lost** (must be 0)", "lost", _n),
        ("**applied twice** (must be 0)", "applied_twice", _n),
        ("Genesys requests (incl. token requests)", "genesys_requests", _n),
        ("429s received", "genesys_429", _n),
        ("share of requests answered 429 (goal <= 1 %)", "share_429", lambda v: f"{v:.2%}"),
        ("user.end -> code held, p50", "p50_seconds", _s),
        ("user.end -> code held, p99 (goal <= 60 s)", "p99_seconds", _s),
        ("user.end -> code held, max", "max_seconds", _s),
        ("tokens used", "tokens_used", _n),
        ("Lambda invocations (all attempts, both functions)", "lambda_invocations", _n),
        ("event function attempts that raised (retried by Lambda)", "event_errors", _n),
        ("dead-letter messages", "dead_letter_messages", _n),
        ("Lambda GB-s (billed durations x 512 MB, without INIT)", "gb_seconds", lambda v: f"{v:,.1f}"),
        ("DynamoDB writes / reads", "dynamodb_writes", None),
        ("containers started (data action / events)", "containers", None),
        ("events throttled at the cap (sent back to Lambda's queue)", "throttles", _n),
        ("harness lag p99 (driver behind its schedule)", "harness_lag_p99", lambda v: f"{v:.2f} s"),
    ]
    lines = [
        "| measure | " + " | ".join(v.label for v in shown) + " |",
        "|---" * (len(shown) + 1) + "|",
    ]
    columns = [results[v.key] for v in shown]
    for label, key, fmt in rows:
        if key == "dynamodb_writes":
            cells = [f"{_n(r['dynamodb_writes'])} / {_n(r['dynamodb_reads'])}" for r in columns]
        elif key == "containers":
            cells = [
                f"{r['containers']['ApplyWrapupFunction']} / {r['containers']['WrapupEventsFunction']}" for r in columns
            ]
        else:
            assert fmt is not None
            cells = [fmt(r[key]) for r in columns]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


def goal_line(with_: dict[str, Any]) -> str:
    met = (
        with_["lost"] == 0
        and with_["applied_twice"] == 0
        and with_["p99_seconds"] <= GOAL_P99_SECONDS
        and with_["share_429"] <= GOAL_SHARE_429
    )
    return (
        f"Goal with the mechanism: 0 lost, 0 applied twice, p99 <= 60 s, <= 1 % of requests answered 429: "
        f"**{'met' if met else 'NOT met'}** (lost {with_['lost']}, twice {with_['applied_twice']}, "
        f"p99 {with_['p99_seconds']:.1f} s, 429s {with_['share_429']:.2%})."
    )


def section(results: dict[str, dict[str, Any]], args: argparse.Namespace, took: float) -> list[str]:
    without, with_ = results["without"], results["with"]
    return [
        BEGIN,
        "## Peak: a large centre against Genesys' rate limits (`bench/peak.py`)",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `python bench/peak.py --interactions {args.interactions}"
        f" --factor {args.factor:g}` (`make bench` runs `PEAK=5000` at factor 1) on {platform.machine()}, "
        f"Python {platform.python_version()}, in {took / 60:.0f} min: {args.interactions:,} interactions ending at "
        f"{args.per_minute:.0f} a minute (Poisson, seed {args.seed}), time compressed {args.factor:g}x, "
        "every variant on the same seed.",
        "",
        "Each interaction: while the customer is still talking, the flow's data action stages `Resolved`",
        "(ApplyWrapupFunction, synchronous); 20 s later the agent hangs up and Genesys emits `user.end`,",
        "delivered 0.2-1 s later, and a second time 0-5 s after that for 10 % of them; after-call work",
        f"lasts {args.acw_seconds[0]:g}-{args.acw_seconds[1]:g} s (uniform), then ends. WrapupEventsFunction is invoked asynchronously with Lambda's",
        "concurrency emulated (`simulator/wrapguard_local/lambda_async.py`): every concurrent invocation",
        "runs in a container of its own (a thread that imported the handler, so its own clients and",
        "tokens); a busy function scales out with a new container; among idle containers the most recently",
        "used one takes the next invocation (Lambda does not document its choice; this concentrates the",
        "load on as few tokens as the concurrency needs, the pessimistic case); a failed attempt is retried",
        "60 s and then 120 s later, then goes to the on-failure SQS queue. The Genesys simulator applies",
        "the platform's limits (300 requests per minute per token, 300 new tokens per minute per client,",
        "sliding window, 429 with `Retry-After`). The `acw` events are not delivered (their cost is priced",
        "below as an assumption); everything else runs through the real handlers, the local DynamoDB",
        "server (moto) and the simulator over HTTP.",
        "",
        "What is compressed: every wait (Retry-After, backoff, pacing, lease waits, Lambda's retry delays),",
        "the arrival schedule, after-call work, the rate-limit windows and the invocations' deadlines all",
        f"run on one simulated clock, {args.factor:g} simulated seconds per real second. What is not: our",
        "code, the local servers and loopback run at real speed, so in simulated seconds they look",
        f"{args.factor:g}x slower (pessimistic for latency); billed durations add our measured compute time",
        "(not stretched) to the waits in simulated seconds. The harness shares one Python process among",
        "all containers: when it falls behind, the harness lag row says so.",
        "",
        *table(results),
        "",
        goal_line(with_),
        "",
        "The mechanism (`layers/wrapguard/wrapguard/genesys/token_pool.py`; template parameters",
        "`GenesysTokensPerContainer`, default 3, and `GenesysRequestsPerTokenPerMinute`, default 300, Genesys'",
        "default limit; 0 turns pacing off): each container holds up to K client-credentials tokens of the",
        "same OAuth client and sends each request on the token that can send soonest; each token is paced",
        "by a token bucket that lets at most 95 % of the limit through in any minute (burst 10 % of it, the",
        "rest spread evenly), so a busy container waits a fraction of a second instead of collecting 429s",
        "and Retry-After waits; a fourth token is never fetched, and a quiet container keeps one. A wait",
        "longer than the invocation's time raises a transient 429 (recorded, then Lambda's retry). Without",
        "pacing a container uses one token. An org whose limit was raised by a support case sets its figure.",
        "",
        *cap_paragraph(results, args.cap),
        *cost_section(with_, without),
        END,
    ]


def cap_paragraph(results: dict[str, dict[str, Any]], cap: int) -> list[str]:
    capped = results.get("capped")
    if capped is None:
        return []
    with_ = results["with"]
    return [
        f"The cap (`WrapupEventsMaxConcurrency`, default 0 = none; measured at {cap}): the event function's",
        "reserved concurrency, so at most that many containers, and so at most that many x K tokens, call",
        "Genesys for events at once, whatever the burst: a bound on wrapguard's share of the org's API",
        "budget and on its token creations. Events over the cap are throttled back into Lambda's",
        "asynchronous queue and retried with backoff (1 s, doubling, to 5 minutes; emulated) within",
        f"the event age of an hour. Here it held the events to {capped['containers']['WrapupEventsFunction']} "
        f"containers ({with_['containers']['WrapupEventsFunction']} without it) and "
        f"{_n(capped['tokens_used'])} tokens ({_n(with_['tokens_used'])}), with {_n(capped['throttles'])} throttles "
        f"and a p99 of {capped['p99_seconds']:.1f} s ({with_['p99_seconds']:.1f} s): a cap below the",
        "peak's concurrency delays codes by the throttle backoff, and one set too low makes them miss the",
        "after-call work window (recorded, never lost). It is off by default; set it to bound the tokens,",
        "well above the concurrency the events function reaches at your peak (CloudWatch",
        "`ConcurrentExecutions`), and watch the `events-throttled` alarm.",
        "",
    ]


def cost_section(with_: dict[str, Any], without: dict[str, Any]) -> list[str]:
    from bench.cost import ACW_ASSUMPTION, OTHER_EVENTS_PER_INTERACTION, PRICES, custom_metrics, monthly_lines

    monthly = monthly_lines()
    per_pair = custom_metrics(1) - custom_metrics(0)

    lines = [
        "### Cost per million interactions (AWS on-demand, us-east-1)",
        "",
        "From the run with the mechanism (the run without it in the last column), scaled to 1,000,000",
        "interactions:",
        "",
        "| item | quantity per 1M interactions | USD per 1M | USD per 1M, without |",
        "|---|---|---|---|",
    ]
    for (what, quantity, usd), (_, _, usd_without) in zip(
        with_["cost_per_million"], without["cost_per_million"], strict=True
    ):
        lines.append(f"| {what} | {quantity:,.0f} | ${usd:,.2f} | ${usd_without:,.2f} |")
    lines += [
        f"| **total** | | **${with_['cost_per_million_total']:,.2f}** | ${without['cost_per_million_total']:,.2f} |",
        "",
        f"That is ${with_['cost_per_million_total'] / 1e6 * 1000:.3f} per thousand interactions. Doing nothing costs",
        "nothing on AWS; what it costs instead is the interactions left without the intended code.",
        "",
        "Besides, a month whatever the volume (CloudWatch; each queue and media type pair adds",
        f"{per_pair} metrics, ${per_pair * PRICES['cloudwatch_metric_month'].usd:.2f} a month):",
        "",
        "| item | how many | USD a month |",
        "|---|---|---|",
        *(f"| {what} | {count:,.0f} | ${usd:,.2f} |" for what, count, usd in monthly),
        f"| **total** | | **${sum(row[2] for row in monthly):,.2f}** |",
        "",
        "Assumptions: items under 1 KB (one write request unit per write, conditional failures included)",
        "and one read request unit per read (strongly consistent; an upper bound); Lambda INIT (billed",
        "since 2025-08-01) from the cold-start import times in the table above, per container started;",
        f"{OTHER_EVENTS_PER_INTERACTION:.0f} more partner events per interaction besides `user.end` (`acw`, `wrapup`); "
        f"{ACW_ASSUMPTION}; Lambda's START/END/REPORT log lines 350 bytes per invocation; log bytes as the",
        "handlers wrote them here (LogLevel INFO, EMF metrics on); custom metrics: every name in",
        "`wrapguard/metric_names.py` times its dimensions' possible values (an upper bound: a month",
        "without, say, throttling emits no throttling metric). Not included: free tiers, X-Ray traces",
        "(sampled), storage (items expire by TTL), data transfer, and the Genesys side.",
        "",
        "Prices (looked up 2026-12-04):",
        "",
    ]
    for key, price in PRICES.items():
        per = (
            f"${price.usd * 1e6:g} per million {price.unit}s"
            if price.usd < 1e-3
            else f"${price.usd:g} per {price.unit}"
        )
        lines.append(f"- {key}: {per} ({price.source})")
    return lines


def shift_end_section(results: dict[str, dict[str, Any]], args: argparse.Namespace, took: float) -> list[str]:
    """The same variants through a shift change: the steady section's setting, with a burst."""
    return [
        SHIFT_BEGIN,
        "### Shift end: the same, with a burst (`bench/peak.py --shift-end`)",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `python bench/peak.py --interactions {args.interactions}"
        f" --shift-end {args.shift_end:g} --factor {args.factor:g} --acw-seconds {args.acw_seconds[0]:g}"
        f" {args.acw_seconds[1]:g}` (`make bench`) in {took / 60:.0f} min:"
        f" {args.interactions:,} interactions ending at {args.per_minute:.0f} a minute, except from minute"
        f" {args.shift_end:g} for {SHIFT_END_MINUTES:g} minute, when they end {SHIFT_END_FACTOR:g} times as fast"
        f" ({args.per_minute * SHIFT_END_FACTOR:,.0f} a minute: the shift changes); after-call work"
        f" {args.acw_seconds[0]:g}-{args.acw_seconds[1]:g} s; everything else as above, every variant on the same"
        " seed. At a factor below 1 simulated time runs slower than real time: the local DynamoDB server"
        " (moto) on this 2-core machine cannot serve the burst's requests in real time, which AWS's would;"
        " our code then looks faster than it is (optimistic for latency, not for limits: the rate-limit"
        " windows run on the same simulated clock).",
        "",
        *table(results),
        "",
        goal_line(results["with"]),
        SHIFT_END,
    ]


def write_section(lines: list[str]) -> None:
    """Replace the section between its markers (the first and last lines; bench/run.py writes the rest
    of the file), or append it."""
    begin, end = lines[0], lines[-1]
    text = REPORT.read_text() if REPORT.exists() else "# wrapguard benchmarks\n"
    block = "\n".join(lines)
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        tail = rest.split(end, 1)[1]
        text = head + block + tail
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    REPORT.write_text(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interactions", type=int, default=5000)
    parser.add_argument("--per-minute", type=float, default=500.0)
    parser.add_argument("--factor", type=float, default=1.0, help="simulated seconds per real second")
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument(
        "--acw-seconds", type=float, nargs=2, default=[60.0, 180.0], metavar=("MIN", "MAX"), help="after-call work"
    )
    parser.add_argument(
        "--shift-end",
        type=float,
        metavar="MINUTE",
        help=f"from this minute, for {SHIFT_END_MINUTES:g} minute, {SHIFT_END_FACTOR:g}x the rate (its own section)",
    )
    parser.add_argument("--cap", type=int, default=CAP, help="WrapupEventsMaxConcurrency of the capped variant")
    parser.add_argument("--only", choices=[v.key for v in VARIANTS], help="run one variant (with --json)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON; write nothing")
    args = parser.parse_args(argv)
    if args.only and not args.json:
        parser.error("--only: with --json (the document shows both variants side by side)")
    started = time.perf_counter()
    results = {}
    out = sys.stdout
    # The handlers' logs and EMF lines are counted, not shown; Powertools' warnings are not figures.
    with contextlib.redirect_stdout(SINK), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for variant in VARIANTS:
            if args.only and variant.key != args.only:
                continue
            print(f"peak: {variant.label} ...", file=sys.stderr, flush=True)
            report, logged = run_variant(variant, args)
            done = results[variant.key] = figures(report, logged)
            summary = {k: done[k] for k in ("applied", "recorded", "dead_lettered", "lost", "applied_twice")}
            summary |= {
                k: done[k] for k in ("genesys_429", "p99_seconds", "tokens_used", "harness_lag_p99", "containers")
            }
            print(f"peak: {variant.key} done in {done['real_seconds']:.0f} s: {summary}", file=sys.stderr, flush=True)
    if args.json:
        print(json.dumps(results), file=out)
        return 0
    took = time.perf_counter() - started
    lines = shift_end_section(results, args, took) if args.shift_end is not None else section(results, args, took)
    write_section(lines)
    print("\n".join(lines), file=out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
