"""The CloudWatch dashboard in template.yaml shows what the code emits, under the names and dimensions it emits.

Both sides are read: the dashboard body from the template, and the code's metrics from
wrapguard/metric_names.py, from every metric call in the code (names must come from that module) and
from the EMF lines the emitters actually print.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

import pytest

from wrapguard import metric_names as names
from wrapguard_local.template import REPO_ROOT, load_template

SEARCH = re.compile(r"SEARCH\('\{(?P<schema>[^}]*)\}(?P<filters>[^']*)MetricName=\"(?P<name>\w+)\"")
SUBSTITUTION = re.compile(r"\$\{[^}]+\}")
# wrapguard's namespace and service are the stack's name (template.yaml Globals): rendered as this.
STACK = "STACK"


CONDITIONAL = (
    "WrapupEventsFunction",
    "EventsDeadLetterQueue",
    "EventsDeadLetterAlarm",
    "WrapupEventsErrorsAlarm",
    "WrapupEventsThrottlesAlarm",
    "NoEventsAlarm",
)


def body_text(has_event_source: bool, has_no_events_alarm: bool | None = None) -> str:
    """The dashboard body as CloudFormation would render it for one value of each condition."""
    (resource,) = [r for r in load_template()["Resources"].values() if r["Type"] == "AWS::CloudWatch::Dashboard"]
    delimiter, parts = resource["Properties"]["DashboardBody"]["Fn::Join"]
    conditions = {
        "HasEventSource": has_event_source,
        "HasNoEventsAlarm": has_event_source if has_no_events_alarm is None else has_no_events_alarm,
    }

    def render(part: Any) -> str:
        if isinstance(part, str):
            return part
        if "Fn::Sub" in part:
            return str(part["Fn::Sub"])
        condition, when_true, when_false = part["Fn::If"]
        return render(when_true if conditions[condition] else when_false)

    return str(delimiter).join(render(part) for part in parts)


def parse(text: str) -> dict[str, Any]:
    text = text.replace("${AWS::StackName}", STACK).replace("${ComplianceFloorPercent}", "90")
    return json.loads(SUBSTITUTION.sub("x", text))  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def dashboard() -> dict[str, Any]:
    return parse(body_text(has_event_source=True))


def test_without_the_event_path_the_dashboard_names_none_of_its_resources() -> None:
    text = body_text(has_event_source=False)
    parse(text)  # still valid JSON
    assert not [name for name in CONDITIONAL if f"${{{name}" in text]
    conditional = {r: v.get("Condition") for r, v in load_template()["Resources"].items()}
    assert all(conditional[name] in {"HasEventSource", "HasNoEventsAlarm"} for name in CONDITIONAL)
    for name, condition in conditional.items():
        if condition in {"HasEventSource", "HasNoEventsAlarm"}:
            assert f"${{{name}" not in text, name


def shown_metrics(dashboard: dict[str, Any]) -> set[tuple[str, str, frozenset[str]]]:
    """(namespace, metric name, dimension names) of every metric and SEARCH on the dashboard."""
    found = set()
    for widget in dashboard["widgets"]:
        rows = widget.get("properties", {}).get("metrics", [])
        ids = {row[-1]["id"] for row in rows if isinstance(row[-1], dict) and "id" in row[-1]}
        for row in rows:
            if isinstance(row[0], dict):
                expression = row[0]["expression"]
                match = SEARCH.search(expression)
                if match is None:  # metric math over the widget's own rows
                    assert set(re.findall(r"[a-z]\w*", expression)) <= ids, f"unparsed expression {expression}"
                    continue
                namespace, *dimensions = match["schema"].split(",")
                found.add((namespace.strip('"'), match["name"], frozenset(dimensions)))
                continue
            fields = [f for f in row if isinstance(f, str)]
            namespace, name, *pairs = fields
            assert namespace != ".", "write every metric row in full"
            found.add((namespace, name, frozenset(pairs[0::2])))
    return found


def test_every_wrapguard_metric_on_the_dashboard_is_emitted_with_those_dimensions(dashboard: dict[str, Any]) -> None:
    emitted = names.emitted()
    ours = {(name, dims) for namespace, name, dims in shown_metrics(dashboard) if namespace == STACK}
    assert ours, "the dashboard shows no wrapguard metric"
    for name, dims in ours:
        assert name in emitted, f"dashboard shows {name}, which the code never emits"
        assert dims == emitted[name], f"{name}: dashboard dimensions {sorted(dims)} != emitted {sorted(emitted[name])}"


def test_every_emitted_metric_is_on_the_dashboard(dashboard: dict[str, Any]) -> None:
    shown = {name for namespace, name, _ in shown_metrics(dashboard) if namespace == STACK}
    assert set(names.emitted()) - shown == set()


def test_every_metric_on_the_dashboard_is_the_stacks_or_aws(dashboard: dict[str, Any]) -> None:
    """Two stacks in one account never share a metric: namespace and service are the stack's name."""
    for namespace, _, _ in shown_metrics(dashboard):
        assert namespace == STACK or namespace.startswith("AWS/"), namespace
    for widget in dashboard["widgets"]:
        for row in widget.get("properties", {}).get("metrics", []):
            fields = [f for f in row if isinstance(f, str)]
            if fields and fields[0] == STACK:
                assert dict(zip(fields[2::2], fields[3::2], strict=True))["service"] == STACK, row


def test_the_dashboard_has_every_panel_the_issue_lists(dashboard: dict[str, Any]) -> None:
    titles = " | ".join(w["properties"].get("title", "") for w in dashboard["widgets"]).lower()
    for wanted in (
        "compliance rate per queue",
        "compliance rate, all queues, per day",
        "failures by class",
        "missing wrap-ups per queue",
        "data action outcomes",
        "event actions",
        "failures recorded by reason and source",
        "reconcile passes, conversations checked and lag",
        "genesys 429 / 5xx answers and retries",
        "dead-letter queue depth",
        "applywrapupfunction: errors, throttles, duration (p95, ms), cold starts",
        "wrapupeventsfunction: errors, throttles, duration (p95, ms), cold starts",
        "reconcilefunction: errors, throttles, duration (p95, ms), cold starts",
        "alarm states",
        "observe mode: codes wrapguard would have applied",
    ):
        assert wanted in titles
    template_alarms = [k for k, r in load_template()["Resources"].items() if r["Type"] == "AWS::CloudWatch::Alarm"]
    body = body_text(has_event_source=True, has_no_events_alarm=True)
    (alarms,) = [w for w in parse(body)["widgets"] if w["type"] == "alarm"]
    assert len(alarms["properties"]["alarms"]) == len(template_alarms)
    assert all(f"${{{alarm}.Arn}}" in body for alarm in template_alarms)
    # With the event path but no NoEventsAlarmMinutes: that one alarm is not shown (it does not exist).
    assert "${NoEventsAlarm.Arn}" not in body_text(has_event_source=True, has_no_events_alarm=False)


def test_dashboard_is_named_after_the_stack_and_its_url_is_an_output() -> None:
    template = load_template()
    props = template["Resources"]["WrapguardDashboard"]["Properties"]
    assert props["DashboardName"] == {"Fn::Sub": "${AWS::StackName}-wrapguard"}
    body = body_text(has_event_source=True)
    for function in ("ApplyWrapupFunction", "WrapupEventsFunction", "ReconcileFunction"):
        assert f"${{{function}}}" in body
    assert "${EventsDeadLetterQueue.QueueName}" in body
    url = template["Outputs"]["DashboardUrl"]["Value"]["Fn::Sub"]
    assert "#dashboards:name=${WrapguardDashboard}" in url


def _metric_calls() -> list[tuple[Path, ast.Call]]:
    calls = []
    roots = [REPO_ROOT / "layers" / "wrapguard" / "wrapguard", REPO_ROOT / "functions"]
    for path in sorted(p for root in roots for p in root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                func = node.func
                called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if called in {"add_metric", "single_metric"}:
                    calls.append((path, node))
    return calls


def test_the_code_takes_every_metric_name_from_metric_names() -> None:
    calls = _metric_calls()
    assert len(calls) >= 5
    for path, call in calls:
        (name,) = [k.value for k in call.keywords if k.arg == "name"]
        assert not isinstance(name, ast.Constant), f"{path.name}:{call.lineno}: metric name literal {name.value!r}"


def test_the_emitters_print_only_catalogued_names_and_dimensions(capsys: pytest.CaptureFixture[str]) -> None:
    from datetime import UTC, datetime

    from wrapguard.domain.compliance import CheckOutcome, ParticipantCheck
    from wrapguard.observability import count_compliance, count_failure, count_genesys_answer, metrics

    capsys.readouterr()
    ended = datetime(2026, 11, 25, 8, tzinfo=UTC)
    count_compliance(
        [
            ParticipantCheck("c", str(i), "u", "q1", "voice", "inbound", ended, outcome, None)
            for i, outcome in enumerate([CheckOutcome.CODED, CheckOutcome.MISSING, CheckOutcome.PLACEHOLDER])
        ]
    )
    count_failure("missing_wrapup", "reconcile")
    count_failure("forbidden", "data_action")
    count_genesys_answer(429)
    count_genesys_answer(503)
    metrics.flush_metrics()
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    emitted = names.emitted()
    seen = set()
    classes = [(line["class"], line[names.FAILURE_RECORDED_BY_CLASS]) for line in lines if "class" in line]
    assert classes == [("compliance", [1]), ("auth", [1])]
    (totals,) = [line for line in lines if names.COMPLIANCE_CHECKED_TOTAL in line]
    assert (totals[names.COMPLIANCE_CHECKED_TOTAL], totals[names.COMPLIANCE_CODED_TOTAL]) == ([3], [1])
    assert "queue" not in totals
    for line in lines:
        (directive,) = line["_aws"]["CloudWatchMetrics"]
        (dimensions,) = directive["Dimensions"]
        for metric in directive["Metrics"]:
            assert emitted[metric["Name"]] == frozenset(dimensions), metric["Name"]
            seen.add(metric["Name"])
        if "ComplianceRate" in line:
            assert sorted(line["ComplianceRate"]) == [0, 0, 100]
            assert (line["ComplianceChecked"], line["ComplianceMissing"], line["CompliancePlaceholder"]) == (
                [3],
                [1],
                [1],
            )
    assert {
        names.COMPLIANCE_RATE,
        names.FAILURE_RECORDED_BY_REASON,
        names.FAILURE_RECORDED_BY_CLASS,
        names.COMPLIANCE_CHECKED_TOTAL,
        names.GENESYS_THROTTLED,
    } <= seen


def test_the_emitters_use_the_namespace_and_service_from_the_environment() -> None:
    """Lambda sets both to the stack name; locally they default to wrapguard's own."""
    import subprocess
    import sys

    script = (
        "import json, io, contextlib\n"
        "from wrapguard.observability import count_failure\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        "    count_failure('timeout', 'eventbridge')\n"
        "line = json.loads(out.getvalue().splitlines()[-1])\n"
        "print(line['_aws']['CloudWatchMetrics'][0]['Namespace'], line['service'], line['class'])\n"
    )
    env = {"POWERTOOLS_SERVICE_NAME": "wg-prod", "POWERTOOLS_METRICS_NAMESPACE": "wg-prod", "PATH": ""}
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["wg-prod", "wg-prod", "upstream"]


def test_every_failure_reason_has_a_class_and_only_genesys_refusals_and_outages_page() -> None:
    from wrapguard.domain.failures import FailureReason

    assert set(names.FAILURE_CLASSES) == set(FailureReason)
    paging = {reason.value for reason, kind in names.FAILURE_CLASSES.items() if kind in {names.AUTH, names.UPSTREAM}}
    assert paging == {"unauthorized", "forbidden", "timeout", "upstream_error", "rate_limited"}
    assert names.failure_class("missing_wrapup") == names.failure_class("placeholder_code") == names.COMPLIANCE
    assert names.failure_class("not-a-reason") == names.REVIEW  # an unknown reason never pages


def test_observe_and_off_answers_are_counted_per_source(capsys: pytest.CaptureFixture[str]) -> None:
    """WouldApply and Disabled carry the source, as the dashboard's SEARCH reads them; other answers do not."""
    from wrapguard.contracts import ApplyWrapupOutput, Outcome
    from wrapguard.domain.event_results import EventAction, EventResult
    from wrapguard.observability import count_event, count_outcome, metrics

    capsys.readouterr()
    for outcome in (Outcome.OBSERVED, Outcome.DISABLED, Outcome.APPLIED):
        count_outcome(ApplyWrapupOutput(outcome=outcome, conversation_id="c"), "data_action")
    count_event(EventResult(EventAction.OBSERVED))
    metrics.flush_metrics()
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    by_source = sorted(
        (name, line["source"]) for line in lines for name in (names.WOULD_APPLY, names.DISABLED) if name in line
    )
    assert by_source == [
        (names.DISABLED, "data_action"),
        (names.WOULD_APPLY, "data_action"),
        (names.WOULD_APPLY, "eventbridge"),
    ]
    emitted = names.emitted()
    for line in lines:
        (directive,) = line["_aws"]["CloudWatchMetrics"]
        (dimensions,) = directive["Dimensions"]
        for metric in directive["Metrics"]:
            assert emitted[metric["Name"]] == frozenset(dimensions), metric["Name"]
