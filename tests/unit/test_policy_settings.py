"""Where each function's policy comes from: the stack's default mode, AppConfig's coordinates, the refresh bound."""

from __future__ import annotations

import pytest

from wrapguard.domain.policy import Mode
from wrapguard.settings import (
    MAX_POLICY_REFRESH_SECONDS,
    ApplySettings,
    EventSettings,
    ReconcileSettings,
    SettingsError,
    load_settings,
)

BASE = {
    "GENESYS_CLIENT_ID": "id",
    "GENESYS_CLIENT_SECRET": "secret",
    "FAILURES_TABLE_NAME": "failures",
    "STAGED_CODES_TABLE_NAME": "staged",
    "LEASE_TABLE_NAME": "leases",
    "IDEMPOTENCY_TABLE_NAME": "idem",
    "CHECKPOINT_TABLE_NAME": "checkpoints",
}
APPCONFIG = {
    "POLICY_APPCONFIG_APPLICATION": "abc1234",
    "POLICY_APPCONFIG_ENVIRONMENT": "env5678",
    "POLICY_APPCONFIG_PROFILE": "prof901",
}
EVERY_FUNCTION = (ApplySettings, EventSettings, ReconcileSettings)


@pytest.mark.parametrize("model", EVERY_FUNCTION)
def test_every_function_observes_by_default_and_reads_the_environment_policy_alone(
    model: type[ApplySettings | ReconcileSettings],
) -> None:
    settings = load_settings(model, BASE)
    assert settings.default_mode is Mode.OBSERVE
    assert not settings.policy_from_appconfig
    assert settings.policy_refresh_seconds == 30
    assert settings.wrapup_policy.mode is None


@pytest.mark.parametrize("model", EVERY_FUNCTION)
def test_stack_mode_policy_and_appconfig_coordinates_are_read(
    model: type[ApplySettings | ReconcileSettings],
) -> None:
    env = {**BASE, **APPCONFIG, "WRAPGUARD_DEFAULT_MODE": "enforce", "WRAPUP_POLICY": '{"mode": "off"}'}
    settings = load_settings(model, {**env, "POLICY_REFRESH_SECONDS": "5"})
    assert settings.default_mode is Mode.ENFORCE
    assert settings.wrapup_policy.mode is Mode.OFF
    assert settings.policy_from_appconfig
    assert (settings.policy_appconfig_application, settings.policy_appconfig_profile) == ("abc1234", "prof901")
    assert settings.policy_refresh_seconds == 5


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"WRAPGUARD_DEFAULT_MODE": "on"}, "WRAPGUARD_DEFAULT_MODE"),
        ({"POLICY_REFRESH_SECONDS": str(MAX_POLICY_REFRESH_SECONDS + 1)}, "POLICY_REFRESH_SECONDS"),
        ({"POLICY_REFRESH_SECONDS": "-1"}, "POLICY_REFRESH_SECONDS"),
        ({"POLICY_REFRESH_SECONDS": "soon"}, "POLICY_REFRESH_SECONDS"),
        ({"POLICY_APPCONFIG_PROFILE": "a/b"}, "POLICY_APPCONFIG_PROFILE"),
        ({"WRAPUP_POLICY": '{"mode": "sometimes"}'}, "WRAPUP_POLICY"),
    ],
)
def test_bad_values_name_the_variable(change: dict[str, str], named: str) -> None:
    for model in EVERY_FUNCTION:
        with pytest.raises(SettingsError, match=named):
            load_settings(model, {**BASE, **APPCONFIG, **change})


def test_appconfig_coordinates_come_all_together() -> None:
    partial = {k: v for k, v in APPCONFIG.items() if k != "POLICY_APPCONFIG_ENVIRONMENT"}
    with pytest.raises(SettingsError, match="missing POLICY_APPCONFIG_ENVIRONMENT"):
        load_settings(EventSettings, {**BASE, **partial})
