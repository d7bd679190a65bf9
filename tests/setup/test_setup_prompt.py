"""At a terminal, wrapguard-setup asks for the admin client instead of needing exported variables."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest

from tests.support.setup_cli import ADMIN_ID, ADMIN_SECRET
from wrapguard.cli.setup import main
from wrapguard.cli.setup.errors import EXIT_OK, EXIT_USAGE
from wrapguard_local.local_setup import LocalStack

pytestmark = pytest.mark.integration


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_admin_client_is_asked_for_at_a_terminal_and_never_shown(
    stack: LocalStack, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("GENESYS_ADMIN_CLIENT_ID", raising=False)
    monkeypatch.delenv("GENESYS_ADMIN_CLIENT_SECRET", raising=False)
    asked: list[str] = []

    def answer(value: str) -> Callable[[str], str]:
        def prompt(text: str) -> str:
            asked.append(text)
            return value

        return prompt

    monkeypatch.setattr("builtins.input", answer(ADMIN_ID))
    monkeypatch.setattr("getpass.getpass", answer(ADMIN_SECRET))
    out = io.StringIO()
    assert main(["plan", "--stack-name", stack.name], out=out, stdin=Terminal()) == EXIT_OK
    assert asked == ["Genesys admin OAuth client id: ", "Genesys admin OAuth client secret: "]
    assert ADMIN_SECRET not in out.getvalue() + capsys.readouterr().err
    # Not a terminal (a script, CI): no prompt, one line saying what to set.
    asked.clear()
    assert main(["plan", "--stack-name", stack.name], out=io.StringIO(), stdin=io.StringIO()) == EXIT_USAGE
    assert asked == [] and "GENESYS_ADMIN_CLIENT_ID" in capsys.readouterr().err
