"""Import a function's app.py fresh (each reads its settings at import, as in a new container)."""

from __future__ import annotations

import importlib.util
import itertools
import sys
from pathlib import Path
from types import ModuleType

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"
_counter = itertools.count()


def load_handler(function_dir: str) -> ModuleType:
    name = f"wrapguard_fn_{function_dir}_{next(_counter)}"
    spec = importlib.util.spec_from_file_location(name, FUNCTIONS / function_dir / "app.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
