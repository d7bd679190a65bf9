"""bench/cost.py: the cost per million interactions and CloudWatch's monthly charges, from counts."""

from __future__ import annotations

import pytest

from bench.cost import PRICES, Usage, cost_lines, custom_metrics, deployed_alarms, monthly_lines, total
from wrapguard import metric_names


def _usage(**overrides: object) -> Usage:
    values: dict[str, object] = {
        "interactions": 1000,
        "lambda_invocations": 2000,
        "billed_seconds": 400.0,
        "median_event_seconds": 0.2,
        "cold_starts": {"WrapupEventsFunction": 5, "ApplyWrapupFunction": 3},
        "memory_mb": 512,
        "dynamodb_writes": 8000,
        "dynamodb_reads": 2000,
        "user_end_deliveries": 1100,
        "dead_letter_messages": 0,
        "log_bytes": 2_000_000,
    }
    return Usage(**{**values, **overrides})  # type: ignore[arg-type]


def test_costs_scale_to_a_million_interactions() -> None:
    lines = dict((what, (quantity, usd)) for what, quantity, usd in cost_lines(_usage()))
    # 2,000 invocations + 2 verification events per interaction, per 1,000 interactions -> x1000.
    assert lines["Lambda requests"][0] == pytest.approx(4_000 * 1000)
    assert lines["Lambda requests"][1] == pytest.approx(4_000_000 * PRICES["lambda_requests"].usd)
    assert lines["DynamoDB read request units"][0] == pytest.approx(2_000_000)
    # Twice the run (every measured count doubled) costs the same per million interactions.
    doubled = _usage(
        interactions=2000,
        lambda_invocations=4000,
        billed_seconds=800.0,
        cold_starts={"WrapupEventsFunction": 10, "ApplyWrapupFunction": 6},
        dynamodb_writes=16000,
        dynamodb_reads=4000,
        user_end_deliveries=2200,
        log_bytes=4_000_000,
    )
    assert total(cost_lines(doubled)) == pytest.approx(total(cost_lines(_usage())))


def test_each_queue_and_media_pair_adds_one_metric_per_compliance_name() -> None:
    per_queue = [name for name, dims in metric_names.emitted().items() if dims == metric_names.BY_QUEUE]
    assert custom_metrics(1) - custom_metrics(0) == len(per_queue) == 4
    assert custom_metrics(10) == custom_metrics(0) + 10 * len(per_queue)


def test_monthly_charges_count_the_templates_alarms() -> None:
    rows = {what.split(" (")[0]: (count, usd) for what, count, usd in monthly_lines(0)}
    count, usd = rows["CloudWatch alarms"]
    assert count == deployed_alarms() >= 10
    assert usd == pytest.approx(deployed_alarms() * 0.10)
    assert rows["CloudWatch dashboard"] == (1.0, 3.0)
