"""The vendor's published models as a contract oracle (docs/genesys-api-notes.md s11), read without importing the SDK.

The official SDK wheel (pinned) is downloaded once into .cache/; each model file's `attribute_map`
(python name -> JSON name) is read with `ast`. Nothing of the SDK runs or ships.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import zipfile
from functools import cache
from pathlib import Path

SDK = "PureCloudPlatformClientV2==269.0.0"
CACHE = Path(__file__).resolve().parents[2] / ".cache" / "vendor-sdk"


def _wheel() -> Path:
    found = sorted(CACHE.glob("purecloudplatformclientv2-*.whl"))
    if not found:
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--disable-pip-version-check",
                "--no-deps",
                SDK,
                "-d",
                str(CACHE),
            ],
            check=True,
        )
        found = sorted(CACHE.glob("purecloudplatformclientv2-*.whl"))
    return found[-1]


def _snake(class_name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", class_name).lower()


@cache
def json_fields(class_name: str) -> frozenset[str]:
    """The JSON property names of a vendor model, e.g. json_fields("Conversation")."""
    with zipfile.ZipFile(_wheel()) as wheel:
        source = wheel.read(f"PureCloudPlatformClientV2/models/{_snake(class_name)}.py").decode()
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.targets[0], ast.Attribute)
            and node.targets[0].attr == "attribute_map"
        ):
            mapping = ast.literal_eval(node.value)
            return frozenset(mapping.values())
    raise LookupError(f"no attribute_map in {class_name}")


@cache
def swagger_types(class_name: str) -> dict[str, str]:
    """JSON property name -> the SDK's type text ('str', 'list[Action]', 'dict(str, CredentialInfo)', 'object')."""
    with zipfile.ZipFile(_wheel()) as wheel:
        source = wheel.read(f"PureCloudPlatformClientV2/models/{_snake(class_name)}.py").decode()
    found: dict[str, dict[str, str]] = {}
    for node in ast.walk(ast.parse(source)):
        target = node.targets[0] if isinstance(node, ast.Assign) else None
        if isinstance(target, ast.Attribute) and target.attr in ("swagger_types", "attribute_map"):
            assert isinstance(node, ast.Assign)
            found[target.attr] = ast.literal_eval(node.value)
    types, names = found["swagger_types"], found["attribute_map"]
    return {names[python]: kind for python, kind in types.items()}


_PRIMITIVES = {"str", "int", "bool", "float", "datetime", "date", "object"}


def unknown_fields(value: object, type_text: str, path: str = "") -> list[str]:
    """Every JSON field in `value` (recursively) that the vendor model `type_text` does not define."""
    if type_text in _PRIMITIVES or value is None:
        return []
    if type_text.startswith("list[") and isinstance(value, list):
        return [p for i, item in enumerate(value) for p in unknown_fields(item, type_text[5:-1], f"{path}[{i}]")]
    if type_text.startswith("dict(") and isinstance(value, dict):
        inner = type_text[type_text.index(",") + 1 : -1].strip()
        return [p for k, v in value.items() for p in unknown_fields(v, inner, f"{path}.{k}")]
    if not isinstance(value, dict):
        return []
    fields = swagger_types(type_text)
    problems = [f"{path}.{key} (not in {type_text})" for key in value if key not in fields]
    return problems + [
        p for key, v in value.items() if key in fields for p in unknown_fields(v, fields[key], f"{path}.{key}")
    ]
