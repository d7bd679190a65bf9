"""Where the CLIs' configuration comes from: flag > environment variable > stack (cli/stack_config.py)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pytest

from wrapguard.cli.exit_codes import UsageError
from wrapguard.cli.stack_config import (
    Configuration,
    DeployedFunction,
    StackConfig,
    StackConfigError,
    StackLocation,
    locate,
)
from wrapguard.settings import EventSettings


def args(**given: Any) -> argparse.Namespace:
    return argparse.Namespace(**given)


def samconfig(folder: Path, text: str) -> Path:
    (folder / "samconfig.toml").write_text(text)
    return folder / "samconfig.toml"


def test_flags_beat_variables_beat_samconfig_beat_the_default(tmp_path: Path) -> None:
    samconfig(
        tmp_path,
        '[default.global.parameters]\nstack_name = "from-global"\n'
        '[default.deploy.parameters]\nstack_name = "from-deploy"\nregion = "eu-west-1"\nprofile = "ops"\n',
    )
    found = locate(args(), environ={}, cwd=tmp_path)
    assert (found.stack_name, found.region, found.profile) == ("from-deploy", "eu-west-1", "ops")
    env = {"AWS_REGION": "us-east-2", "AWS_PROFILE": "dev"}
    assert locate(args(), environ=env, cwd=tmp_path).model_dump(exclude={"samconfig"}) == {
        "stack_name": "from-deploy",
        "region": "us-east-2",
        "profile": "dev",
    }
    flagged = locate(args(stack_name="s", region="ap-south-1", profile="p"), environ=env, cwd=tmp_path)
    assert (flagged.stack_name, flagged.region, flagged.profile) == ("s", "ap-south-1", "p")
    bare = tmp_path / "repo"
    (bare / ".git").mkdir(parents=True)
    assert locate(args(), environ={}, cwd=bare) == StackLocation(stack_name="wrapguard")  # stops at the repo root


def test_samconfig_is_found_up_to_the_repository_root_or_named(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    path = samconfig(tmp_path, '[default.global.parameters]\nstack_name = "up-here"\n')
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert locate(args(), environ={}, cwd=deep).samconfig == str(path)
    other = samconfig(deep, '[default.global.parameters]\nstack_name = "named"\n')
    assert locate(args(config_file=str(other)), environ={}, cwd=tmp_path).stack_name == "named"
    with pytest.raises(UsageError, match="no such file"):
        locate(args(config_file=str(tmp_path / "nope.toml")), environ={}, cwd=tmp_path)
    samconfig(deep, "stack_name = [unclosed\n")
    with pytest.raises(UsageError) as bad:
        locate(args(), environ={}, cwd=deep)
    assert "samconfig.toml: cannot read" in str(bad.value) and "\n" not in str(bad.value)


def stack(**outputs: str) -> StackConfig:
    return StackConfig(stack_name="wg", region="eu-west-1", outputs=outputs, functions={})


def test_each_value_says_where_it_came_from_and_the_stack_is_read_only_when_needed() -> None:
    loads: list[str] = []

    def loader(session: Any, location: StackLocation) -> StackConfig:
        loads.append(location.stack_name)
        return stack(FailuresTableName="t-stack", ComplianceTableName="c-stack")

    config = Configuration(StackLocation(stack_name="wg"), environ={}, loader=loader)
    config.__dict__["session"] = object()  # no boto3 session needed: the loader is the stack
    assert config.resolve("FailuresTableName", ("--table", "t-flag"), ("env X", "t-env")).source == "--table"
    assert config.resolve("FailuresTableName", ("--table", None), ("env X", "t-env")).value == "t-env"
    # Optional values come from the stack only when this run reads it anyway.
    assert config.optional("ComplianceTableName", ("env", None)) is None
    assert loads == []
    resolved = config.resolve("FailuresTableName", ("--table", ""), ("env X", " "))
    assert resolved.model_dump() == {"value": "t-stack", "source": "stack wg output FailuresTableName"}
    assert config.optional("ComplianceTableName", ("env", None)) == "c-stack"
    assert loads == ["wg"]  # once


def test_a_missing_output_or_bad_function_setting_is_named() -> None:
    with pytest.raises(StackConfigError) as missing:
        stack().output("EventsDeadLetterQueueUrl")
    assert str(missing.value) == "stack 'wg' has no output EventsDeadLetterQueueUrl: deploy the current template"
    function = DeployedFunction(
        output="WrapupEventsFunctionArn",
        arn="arn:aws:lambda:eu-west-1:111122223333:function:wg-events",
        version="$LATEST",
        environment={"FAILURES_TABLE_NAME": "f", "WRAPUP_POLICY": "{not json"},
    )
    with pytest.raises(StackConfigError) as bad:
        function.settings(EventSettings)
    message = str(bad.value)
    assert message.startswith("function arn:aws:lambda:eu-west-1:111122223333:function:wg-events: ")
    assert "WRAPUP_POLICY" in message and "STAGED_CODES_TABLE_NAME" in message
