"""`wrapguard-review config`: what the CLIs act on and where each value came from (flag, variable, stack).

Reads the stack even when flags and variables give every table, so an operator can check that a
workstation's overrides and the deployed stack agree before acting.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..settings import ApplySettings, ReconcileSettings
from .common import Commands, Context, ExitCode, add_command
from .stack_config import Resolved, StackConfigError
from .tables import render


def register(commands: Commands) -> None:
    add_command(commands, "config", run, help="show the stack, tables and functions the CLIs use, and why")


def _maybe(resolve: Any) -> Resolved | None:
    """A value the stack may lack (e.g. the events function before the EventBridge path is deployed)."""
    try:
        return resolve()  # type: ignore[no-any-return]
    except StackConfigError:
        return None


def run(ctx: Context, args: argparse.Namespace) -> int:
    config, env = ctx.config, ctx.settings
    stack = config.stack
    values: dict[str, Resolved | None] = {
        "failuresTable": config.resolve(
            "FailuresTableName", ("--table", ctx.table), ("env WRAPGUARD_FAILURES_TABLE", env.table_name)
        ),
        "complianceTable": _maybe(
            lambda: config.resolve("ComplianceTableName", ("env WRAPGUARD_COMPLIANCE_TABLE", env.compliance_table))
        ),
        "retryFunction": _maybe(
            lambda: config.resolve(
                "ApplyWrapupFunctionAliasArn", ("env WRAPGUARD_APPLY_FUNCTION", env.wrapguard_apply_function)
            )
        ),
        "redriveFunction": _maybe(
            lambda: config.resolve(
                "WrapupEventsFunctionArn", ("env WRAPGUARD_EVENTS_FUNCTION", env.wrapguard_events_function)
            )
        ),
        "deadLetterQueue": _maybe(
            lambda: config.resolve(
                "EventsDeadLetterQueueUrl",
                ("env WRAPGUARD_DEAD_LETTER_QUEUE_URL", env.wrapguard_dead_letter_queue_url),
            )
        ),
    }
    # How the functions run, read from the functions with the settings models they load themselves.
    data_action = stack.function("ApplyWrapupFunctionAliasArn")
    reconciler = stack.function("ReconcileFunctionArn")
    apply_settings = data_action.settings(ApplySettings)
    functions = {
        "genesysRegion": Resolved(value=apply_settings.genesys_region, source=f"function {data_action.arn}"),
        "placeholderCodes": Resolved(
            value=",".join(sorted(reconciler.settings(ReconcileSettings).placeholder_wrapup_codes)),
            source=f"function {reconciler.arn}",
        ),
    }
    location = config.location
    if ctx.json:
        ctx.emit_json(
            {
                "stackName": location.stack_name,
                "region": stack.region,
                "profile": location.profile,
                "samconfig": location.samconfig,
                "values": {k: v.model_dump() if v else None for k, v in {**values, **functions}.items()},
            }
        )
        return ExitCode.OK
    print(
        f"stack {location.stack_name} in {stack.region}"
        + (f" (from {location.samconfig})" if location.samconfig else ""),
        file=ctx.out,
    )
    rows = [
        [name, v.value if v else "-", v.source if v else "not in this stack"]
        for name, v in {**values, **functions}.items()
    ]
    print(render(rows, ["setting", "value", "from"]), file=ctx.out)
    return ExitCode.OK
