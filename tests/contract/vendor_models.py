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
