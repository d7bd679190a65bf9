"""Where every wrapguard CLI finds its configuration: the deployed stack (README "Operating it").

    --stack-name  default: `stack_name` in samconfig.toml (--config-file, else the current directory or
                  the nearest parent up to the repository root), then `wrapguard`
    --region      default: AWS_REGION / AWS_DEFAULT_REGION, then samconfig.toml's `region`, then the profile's
    --profile     default: AWS_PROFILE, then samconfig.toml's `profile`, then the SDK's default chain

The stack's outputs (DescribeStacks) name the tables, functions and dead-letter queue; the functions'
own configuration (GetFunctionConfiguration) says how they run (Genesys region, placeholder codes,
policy), read as the functions read it, with the functions' settings models. Precedence for every value:
a flag, then an environment variable, then the stack; the stack is read only when a value is not given.
Errors are one line naming what is missing and what to do.
"""

from __future__ import annotations

import argparse
import os
import tomllib
from collections.abc import Callable, Mapping
from functools import cached_property
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict

from ..settings import SettingsError, load_settings
from .exit_codes import UsageError

DEFAULT_STACK_NAME = "wrapguard"
SAMCONFIG = "samconfig.toml"


class StackConfigError(UsageError):
    """The stack, one of its outputs or one of its functions is missing or unreadable."""


def package_version() -> str:
    try:
        return version("wrapguard")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "unknown"


# --- options shared by the three CLIs -------------------------------------------------------------
def add_stack_options(parser: argparse.ArgumentParser, prog: str, *, nested: bool) -> None:
    """--stack-name, --region, --profile, --config-file and --version, valid before or after the
    subcommand. Nested (subcommand) copies default to SUPPRESS, so a value given before the subcommand
    is not reset by the subcommand parser's default."""

    def add(*flags: str, **kwargs: Any) -> None:
        parser.add_argument(*flags, default=argparse.SUPPRESS if nested else None, **kwargs)

    add("--stack-name", help="the deployed stack (default: samconfig.toml's stack_name, else wrapguard)")
    add("--region", help="AWS region of the stack (default: AWS_REGION, samconfig.toml, the profile's)")
    add("--profile", help="AWS profile (default: AWS_PROFILE, samconfig.toml, the SDK's default chain)")
    add("--config-file", metavar="FILE", help="samconfig.toml to read defaults from (default: found from here)")
    parser.add_argument("--version", action="version", version=f"{prog} {package_version()}")


# --- which stack, where ----------------------------------------------------------------------------
class StackLocation(BaseModel):
    model_config = ConfigDict(frozen=True)

    stack_name: str
    region: str | None = None
    profile: str | None = None
    samconfig: str | None = None  # the file the defaults came from, if any


def find_samconfig(start: Path) -> Path | None:
    """samconfig.toml in `start` or the nearest parent, not above the repository root (a `.git`)."""
    for folder in (start, *start.parents):
        if (folder / SAMCONFIG).is_file():
            return folder / SAMCONFIG
        if (folder / ".git").exists():
            return None
    return None


def _samconfig_parameters(path: Path) -> dict[str, str]:
    """The `default` environment's parameters, deploy's over global's (as `sam deploy` reads them)."""
    try:
        document = tomllib.loads(path.read_text())
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"{path}: cannot read ({exc})") from None
    default = document.get("default", {})
    merged: dict[str, str] = {}
    for command in ("global", "deploy"):
        parameters = default.get(command, {}).get("parameters", {}) if isinstance(default, dict) else {}
        merged.update({k: str(v) for k, v in parameters.items() if isinstance(v, str | int)})
    return merged


def locate(
    args: argparse.Namespace, environ: Mapping[str, str] | None = None, cwd: Path | None = None
) -> StackLocation:
    env = os.environ if environ is None else environ
    config_file = getattr(args, "config_file", None)
    if config_file:
        path: Path | None = Path(config_file)
        if not path.is_file():  # type: ignore[union-attr]
            raise UsageError(f"--config-file {config_file}: no such file")
    else:
        path = find_samconfig(cwd or Path.cwd())
    sam = _samconfig_parameters(path) if path else {}
    return StackLocation(
        stack_name=getattr(args, "stack_name", None) or sam.get("stack_name") or DEFAULT_STACK_NAME,
        region=getattr(args, "region", None)
        or env.get("AWS_REGION")
        or env.get("AWS_DEFAULT_REGION")
        or sam.get("region")
        or None,
        profile=getattr(args, "profile", None) or env.get("AWS_PROFILE") or sam.get("profile") or None,
        samconfig=str(path) if path else None,
    )


def aws_session(location: StackLocation) -> Any:
    """The workstation's boto3 Session for this stack (CLIs are workstation tools: profiles, SSO)."""
    import boto3
    from botocore.exceptions import ProfileNotFound

    try:
        # The default session too: everything this process builds with boto3 uses the same profile/region.
        boto3.setup_default_session(profile_name=location.profile, region_name=location.region)
    except ProfileNotFound:
        raise UsageError(f"--profile {location.profile}: no such AWS profile") from None
    return boto3.DEFAULT_SESSION


# --- what the stack says ---------------------------------------------------------------------------
# Output keys (template.yaml `Outputs`) of the functions whose configuration the CLIs read.
FUNCTION_OUTPUTS = ("ApplyWrapupFunctionAliasArn", "WrapupEventsFunctionArn", "ReconcileFunctionArn")

SettingsT = TypeVar("SettingsT", bound=BaseModel)


class DeployedFunction(BaseModel):
    """One function as GetFunctionConfiguration describes it: what it is and the environment it runs with."""

    model_config = ConfigDict(frozen=True)

    output: str  # the stack output that named it
    arn: str
    version: str
    environment: dict[str, str]

    def settings(self, model: type[SettingsT]) -> SettingsT:
        """The function's settings, read with the model the function itself loads at start-up."""
        try:
            return load_settings(model, self.environment)
        except SettingsError as exc:
            raise StackConfigError(f"function {self.arn}: {exc}") from None


class StackConfig(BaseModel):
    """A deployed stack's outputs and its functions' configuration."""

    model_config = ConfigDict(frozen=True)

    stack_name: str
    region: str
    outputs: dict[str, str]
    functions: dict[str, DeployedFunction]  # output key -> function

    def output(self, key: str) -> str:
        value = self.outputs.get(key)
        if not value:
            raise StackConfigError(f"stack {self.stack_name!r} has no output {key}: deploy the current template")
        return value

    def function(self, key: str) -> DeployedFunction:
        self.output(key)
        return self.functions[key]


def load_stack_config(session: Any, location: StackLocation) -> StackConfig:
    """DescribeStacks, then GetFunctionConfiguration of each function the outputs name."""
    from botocore.exceptions import BotoCoreError, ClientError

    region = session.region_name
    if not region:
        raise UsageError("no AWS region: pass --region, set AWS_REGION or deploy with samconfig.toml's region")
    name = location.stack_name
    try:
        stacks = session.client("cloudformation").describe_stacks(StackName=name)["Stacks"]
    except ClientError as exc:
        if "does not exist" in str(exc):
            raise StackConfigError(
                f"stack {name!r} not found in {region}: deploy it (README, Deploy) or pass --stack-name/--region"
            ) from None
        raise
    except BotoCoreError as exc:
        raise _no_credentials(exc) or exc from None
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
    lam = session.client("lambda")
    functions = {}
    for key in FUNCTION_OUTPUTS:
        if arn := outputs.get(key):
            try:
                answer = lam.get_function_configuration(FunctionName=arn)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                    raise StackConfigError(
                        f"stack {name!r}: function {arn} (output {key}) not found: deploy the current template"
                    ) from None
                raise
            functions[key] = DeployedFunction(
                output=key,
                arn=arn,
                version=str(answer.get("Version", "")),
                environment=dict((answer.get("Environment") or {}).get("Variables") or {}),
            )
    return StackConfig(stack_name=name, region=region, outputs=outputs, functions=functions)


def _no_credentials(exc: Exception) -> UsageError | None:
    from botocore.exceptions import NoCredentialsError, NoRegionError, PartialCredentialsError

    if isinstance(exc, NoCredentialsError | PartialCredentialsError | NoRegionError):
        return UsageError(f"AWS: {exc} (pass --profile or configure credentials)")
    return None


# --- flag > environment variable > stack ----------------------------------------------------------
class Resolved(BaseModel):
    model_config = ConfigDict(frozen=True)

    value: str
    source: str  # "--table", "env WRAPGUARD_FAILURES_TABLE", "stack output FailuresTableName"


class Configuration:
    """One CLI run's configuration: the stack location, the session, and each value by precedence.

    The stack is read on first need, once: a run whose every value comes from flags or environment
    variables (the local demo, tests) never calls CloudFormation.
    """

    def __init__(
        self,
        location: StackLocation,
        environ: Mapping[str, str] | None = None,
        loader: Callable[[Any, StackLocation], StackConfig] = load_stack_config,
    ) -> None:
        self.location = location
        self.environ = os.environ if environ is None else environ
        self._loader = loader

    @cached_property
    def session(self) -> Any:
        return aws_session(self.location)

    @cached_property
    def stack(self) -> StackConfig:
        return self._loader(self.session, self.location)

    def resolve(self, output: str, *given: tuple[str, str | None]) -> Resolved:
        """The first value `given` (flag, then environment variable: (source, value) pairs, the caller's
        order), else the stack's output `output`."""
        for source, value in given:
            if value and value.strip():
                return Resolved(value=value.strip(), source=source)
        return Resolved(value=self.stack.output(output), source=f"stack {self.location.stack_name} output {output}")

    def value(self, output: str, *given: tuple[str, str | None]) -> str:
        return self.resolve(output, *given).value

    def optional(self, output: str, *given: tuple[str, str | None]) -> str | None:
        """A value a command can do without (e.g. the compliance table): given, else the stack's output if
        this run already reads the stack; a run configured by flags and variables alone stays without it."""
        for _source, value in given:
            if value and value.strip():
                return value.strip()
        return self.stack.outputs.get(output) if "stack" in self.__dict__ else None
