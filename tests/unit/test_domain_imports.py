"""The domain imports no adapter: it owns its values, and adapters translate theirs at the edge."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parents[2] / "layers" / "wrapguard" / "wrapguard" / "domain"
# Outside libraries the domain may use: the standard library, pydantic, Powertools' Logger.
THIRD_PARTY = {"pydantic", "aws_lambda_powertools"}
# wrapguard modules outside domain/ the domain may read: the package root (its service name, for
# the Logger) and the pure timestamp and identifier helpers. Everything else there is an adapter.
WRAPGUARD_ALLOWED = {"wrapguard", "wrapguard.timestamps", "wrapguard.identifiers"}
FORBIDDEN_EXAMPLES = ("genesys", "store", "contracts", "settings", "budget", "secretsmanager")


def imported_modules(path: Path) -> list[str]:
    """Absolute names of every module `path` imports (relative imports resolved against domain/)."""
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                assert node.module is not None
                names.append(node.module)
                continue
            package = ["wrapguard", "domain"][: 3 - node.level]
            base = ".".join([*package, node.module] if node.module else package)
            names.append(base)
            if node.module is None:  # `from .. import x`: x may be a module
                names.extend(f"{base}.{alias.name}" for alias in node.names if alias.name != "SERVICE")
    return names


def allowed(module: str) -> bool:
    top = module.split(".", maxsplit=1)[0]
    if top == "wrapguard":
        return module.startswith("wrapguard.domain") or module in WRAPGUARD_ALLOWED
    if top in THIRD_PARTY:
        return module == "pydantic" or module.startswith("pydantic.") or module == "aws_lambda_powertools"
    return top in __import__("sys").stdlib_module_names or top == "__future__"


@pytest.mark.parametrize("path", sorted(DOMAIN.glob("*.py")), ids=lambda p: p.name)
def test_domain_module_imports_no_adapter(path: Path) -> None:
    offending = [m for m in imported_modules(path) if not allowed(m)]
    assert offending == [], f"{path.name} imports {offending}"


@pytest.mark.parametrize("adapter", FORBIDDEN_EXAMPLES)
def test_the_check_catches_adapters(tmp_path: Path, adapter: str) -> None:
    for source in (f"from ..{adapter} import x\n", f"from .. import {adapter}\n", f"import wrapguard.{adapter}\n"):
        module = tmp_path / "m.py"
        module.write_text(source)
        assert not all(allowed(m) for m in imported_modules(module)), source
