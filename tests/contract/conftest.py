"""wrapguard-setup fixtures (tests/support/setup_cli.py)."""

from tests.support.setup_cli import setup_cli, stack

__all__ = ["setup_cli", "stack"]
