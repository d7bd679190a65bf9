from __future__ import annotations

import pytest

from wrapguard.settings import ApplySettings, EventSettings, SettingsError, load_settings

BASE = {
    "GENESYS_CLIENT_ID": "id",
    "GENESYS_CLIENT_SECRET": "secret",
    "FAILURES_TABLE_NAME": "failures",
    "STAGED_CODES_TABLE_NAME": "staged",
    "LEASE_TABLE_NAME": "leases",
}


def test_defaults_and_region_hosts() -> None:
    settings = load_settings(ApplySettings, BASE)
    assert settings.api_url == "https://api.mypurecloud.com"
    assert settings.login_url == "https://login.mypurecloud.com"


def test_region_key_maps_to_domain_and_overrides_win() -> None:
    settings = load_settings(ApplySettings, {**BASE, "GENESYS_REGION": "eu_central_1"})
    assert settings.api_url == "https://api.mypurecloud.de"
    local = load_settings(
        ApplySettings,
        {**BASE, "GENESYS_API_URL": "http://127.0.0.1:9/", "GENESYS_LOGIN_URL": "http://127.0.0.1:9"},
    )
    assert local.api_url == "http://127.0.0.1:9"
    assert local.login_url == "http://127.0.0.1:9"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({k: v for k, v in BASE.items() if k != "FAILURES_TABLE_NAME"}, "FAILURES_TABLE_NAME"),
        ({**BASE, "GENESYS_REGION": "nowhere"}, "GENESYS_REGION"),
        ({**BASE, "GENESYS_API_URL": "api.example.com"}, "GENESYS_API_URL"),
        ({**BASE, "GENESYS_HTTP_TIMEOUT_SECONDS": "soon"}, "GENESYS_HTTP_TIMEOUT_SECONDS"),
        ({k: v for k, v in BASE.items() if k != "GENESYS_CLIENT_SECRET"}, "GENESYS_CLIENT_SECRET"),
    ],
)
def test_bad_settings_name_the_variable(env: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        load_settings(ApplySettings, env)


def test_secret_name_alone_is_enough_in_aws() -> None:
    env = {k: v for k, v in BASE.items() if not k.startswith("GENESYS_CLIENT")}
    settings = load_settings(ApplySettings, {**env, "GENESYS_CREDENTIALS_SECRET": "wrapguard/genesys"})
    assert settings.genesys_credentials_secret == "wrapguard/genesys"


def test_secret_value_never_in_settings_repr() -> None:
    settings = load_settings(ApplySettings, BASE)
    assert "secret" not in repr(settings.genesys_client_secret)


def test_wrapup_policy_is_parsed_and_validated() -> None:
    env = {
        **BASE,
        "IDEMPOTENCY_TABLE_NAME": "idem",
        "WRAPUP_POLICY": '{"queues": {"q1": {"defaultCodeName": "Resolved"}}, "default": null}',
    }
    settings = load_settings(EventSettings, env)
    policy = settings.wrapup_policy.for_queue("q1")
    assert policy is not None and policy.default_code_name == "Resolved"
    assert settings.wrapup_policy.for_queue("other") is None
    with pytest.raises(SettingsError, match="WRAPUP_POLICY"):
        load_settings(EventSettings, {**env, "WRAPUP_POLICY": "{not json"})
    with pytest.raises(SettingsError, match="WRAPUP_POLICY"):
        load_settings(
            EventSettings,
            {**env, "WRAPUP_POLICY": '{"queues": {"q": {"defaultCodeId": "a", "defaultCodeName": "b"}}}'},
        )
