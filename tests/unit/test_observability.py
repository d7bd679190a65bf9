from __future__ import annotations

from wrapguard.observability import UntracedTracer, tracing_enabled


def test_tracing_follows_powertools_rules() -> None:
    in_lambda = {"LAMBDA_TASK_ROOT": "/var/task"}
    assert tracing_enabled(in_lambda)
    assert tracing_enabled({**in_lambda, "POWERTOOLS_TRACE_DISABLED": "false"})
    assert not tracing_enabled({**in_lambda, "POWERTOOLS_TRACE_DISABLED": "true"})
    assert not tracing_enabled({**in_lambda, "POWERTOOLS_TRACE_DISABLED": "1"})
    assert not tracing_enabled({**in_lambda, "AWS_SAM_LOCAL": "true"})
    assert not tracing_enabled({})  # outside Lambda: no X-Ray daemon to talk to


def test_untraced_tracer_returns_the_function_itself() -> None:
    def handler(event: dict[str, str], context: object) -> str:
        return "ok"

    tracer = UntracedTracer()
    assert tracer.capture_lambda_handler(handler) is handler
    assert tracer.capture_method(handler) is handler


def test_powertools_names_come_from_the_settings_model() -> None:
    from wrapguard.settings import ObservabilitySettings, load_settings

    defaults = load_settings(ObservabilitySettings, {})
    assert (defaults.powertools_service_name, defaults.powertools_metrics_namespace) == ("wrapguard", "Wrapguard")
    named = load_settings(
        ObservabilitySettings, {"POWERTOOLS_SERVICE_NAME": "wg-prod", "POWERTOOLS_METRICS_NAMESPACE": "WgProd"}
    )
    assert (named.powertools_service_name, named.powertools_metrics_namespace) == ("wg-prod", "WgProd")
