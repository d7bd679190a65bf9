"""Read template.yaml (with CloudFormation's short-form tags) and create its DynamoDB tables locally,
so local tables can never drift from the deployed ones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = REPO_ROOT / "template.yaml"


class _CfnLoader(yaml.SafeLoader):
    pass


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {f"Fn::{suffix}" if suffix not in {"Ref", "Condition"} else suffix: value}


_CfnLoader.add_multi_constructor("!", _tag)


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    return yaml.load(path.read_text(), Loader=_CfnLoader)  # type: ignore[no-any-return]  # noqa: S506


def table_definitions(template: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """Logical id -> create_table keyword arguments (without TableName)."""
    template = template or load_template()
    tables = {}
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::DynamoDB::Table":
            continue
        props = resource["Properties"]
        kwargs: dict[str, Any] = {
            "AttributeDefinitions": props["AttributeDefinitions"],
            "KeySchema": props["KeySchema"],
            "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
        }
        if props.get("GlobalSecondaryIndexes"):
            kwargs["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
        if props.get("TimeToLiveSpecification"):
            kwargs["_ttl"] = props["TimeToLiveSpecification"]
        tables[logical_id] = kwargs
    return tables


def create_tables(client: Any, prefix: str = "") -> dict[str, str]:
    """Create every table of the template; returns logical id -> table name."""
    names = {}
    for logical_id, kwargs in table_definitions().items():
        ttl = kwargs.pop("_ttl", None)
        name = f"{prefix}{logical_id}"
        client.create_table(TableName=name, **kwargs)
        if ttl:
            client.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
        names[logical_id] = name
    return names


def transformed_template(template: dict[str, Any] | None = None) -> dict[str, Any]:
    """template.yaml through the SAM transform, offline (what CloudFormation deploys, before conditions).

    Code locations are replaced by placeholder S3 URIs: the transform only checks their form.
    """
    import copy

    from samtranslator.translator.transform import transform

    class _ManagedPolicies:
        def load(self) -> dict[str, str]:
            names = ("AWSLambdaBasicExecutionRole", "AWSXrayWriteOnlyAccess", "AWSXRayDaemonWriteAccess")
            return {name: f"arn:aws:iam::aws:policy/service-role/{name}" for name in names}

    source = copy.deepcopy(template or load_template())
    for resource in source["Resources"].values():
        props = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri"):
            if key in props:
                props[key] = "s3://bucket/key"
    result: dict[str, Any] = transform(source, {}, _ManagedPolicies())
    return result


def without_condition(template: dict[str, Any], condition: str) -> dict[str, Any]:
    """The template as CloudFormation deploys it when `condition` is false: its resources and outputs
    removed, and each `Fn::If` on it replaced by its false branch."""
    result = {**template}
    for section in ("Resources", "Outputs"):
        kept = {k: v for k, v in template.get(section, {}).items() if v.get("Condition") != condition}
        result[section] = _when_false(kept, condition)
    return result


def _when_false(value: Any, condition: str) -> Any:
    if isinstance(value, dict):
        branches = value.get("Fn::If")
        if len(value) == 1 and isinstance(branches, list) and branches[0] == condition:
            return _when_false(branches[2], condition)
        return {k: _when_false(v, condition) for k, v in value.items()}
    if isinstance(value, list):
        return [_when_false(v, condition) for v in value]
    return value
