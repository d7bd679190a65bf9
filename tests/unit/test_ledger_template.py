"""template.yaml's reporting ledger (issue 18): the Glue table equals the one column definition, the
stream partitions by the record's day into the prefix the table projects, least privilege for
Firehose, a private encrypted bucket, and the whole block optional by EnableLedger."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.ledger import DISTRIBUTION_QUERY, LATEST_QUERY, SETTLED_BY_REVIEW_QUERY, named_query_sql
from wrapguard.ledger_schema import COLUMN_NAMES, DATA_COLUMNS, LEDGER_COLUMNS, PARTITION_COLUMN, PARTITION_COLUMNS
from wrapguard_local.template import REPO_ROOT, load_template, transformed_template, without_condition

LEDGER_TYPES = {
    "AWS::S3::Bucket",
    "AWS::S3::BucketPolicy",
    "AWS::Glue::Database",
    "AWS::Glue::Table",
    "AWS::KinesisFirehose::DeliveryStream",
    "AWS::Athena::WorkGroup",
    "AWS::Athena::NamedQuery",
}
QUERIES = (LATEST_QUERY, DISTRIBUTION_QUERY, SETTLED_BY_REVIEW_QUERY)


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


@pytest.fixture(scope="module")
def resources(template: dict[str, Any]) -> dict[str, Any]:
    return template["Resources"]  # type: ignore[no-any-return]


def ledger_resources(resources: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in resources.items() if v.get("Condition") == "LedgerEnabled"}


def subbed(value: Any) -> str:
    """The text of a !Sub (or a plain string)."""
    text = value["Fn::Sub"] if isinstance(value, dict) else value
    assert isinstance(text, str), value
    return text


def test_ledger_is_on_by_default_and_every_part_of_it_hangs_on_the_condition(
    template: dict[str, Any], resources: dict[str, Any]
) -> None:
    assert template["Parameters"]["EnableLedger"]["Default"] == "true"
    assert template["Conditions"]["LedgerEnabled"] == {"Fn::Equals": [{"Ref": "EnableLedger"}, "true"]}
    ledger = ledger_resources(resources)
    assert {v["Type"] for v in ledger.values()} == LEDGER_TYPES | {"AWS::IAM::Role"}
    assert not [k for k, v in resources.items() if v["Type"] in LEDGER_TYPES and k not in ledger]
    outputs = template["Outputs"]
    for name in ("LedgerStreamName", "LedgerBucketName", "LedgerDatabaseName", "AthenaWorkGroupName"):
        assert outputs[name]["Condition"] == "LedgerEnabled"
    # One contiguous block (another issue edits the alarms around it).
    names = list(resources)
    positions = [names.index(k) for k in ledger]
    assert positions == list(range(min(positions), max(positions) + 1))


def test_glue_table_columns_are_the_ledger_schema(resources: dict[str, Any]) -> None:
    table = resources["LedgerTable"]["Properties"]["TableInput"]
    columns = [(c["Name"], c["Type"]) for c in table["StorageDescriptor"]["Columns"]]
    assert columns == [(c.glue_name, c.glue_type) for c in DATA_COLUMNS]
    assert [(c["Name"], c["Type"]) for c in table["PartitionKeys"]] == [
        (c.glue_name, c.glue_type) for c in PARTITION_COLUMNS
    ]
    serde = table["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"]
    assert serde == "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"


def test_stream_partitions_by_the_records_day_into_the_prefix_the_table_projects(resources: dict[str, Any]) -> None:
    stream = resources["LedgerDeliveryStream"]["Properties"]
    assert stream["DeliveryStreamType"] == "DirectPut"
    s3 = stream["ExtendedS3DestinationConfiguration"]
    assert s3["Prefix"] == f"ledger/{PARTITION_COLUMN}=!{{partitionKeyFromQuery:{PARTITION_COLUMN}}}/"
    assert s3["ErrorOutputPrefix"].startswith("errors/")
    assert s3["DynamicPartitioningConfiguration"]["Enabled"] is True
    (processor,) = s3["ProcessingConfiguration"]["Processors"]
    parameters = {p["ParameterName"]: p["ParameterValue"] for p in processor["Parameters"]}
    assert processor["Type"] == "MetadataExtraction"
    assert parameters["MetadataExtractionQuery"] == f"{{{PARTITION_COLUMN}: .{PARTITION_COLUMN}}}"
    assert parameters["JsonParsingEngine"] == "JQ-1.6"
    # Record format conversion: at least 64 MiB of buffer, uncompressed stream (Parquet compresses).
    assert s3["BufferingHints"]["SizeInMBs"] >= 64
    assert s3["CompressionFormat"] == "UNCOMPRESSED"
    conversion = s3["DataFormatConversionConfiguration"]
    assert conversion["Enabled"] is True
    assert conversion["InputFormatConfiguration"]["Deserializer"] == {"OpenXJsonSerDe": {"CaseInsensitive": True}}
    assert "ParquetSerDe" in conversion["OutputFormatConfiguration"]["Serializer"]
    schema = conversion["SchemaConfiguration"]
    assert (schema["DatabaseName"], schema["TableName"]) == ({"Ref": "LedgerDatabase"}, {"Ref": "LedgerTable"})
    # The projected locations are exactly where the stream writes.
    table = resources["LedgerTable"]["Properties"]["TableInput"]
    parameters = table["Parameters"]
    assert parameters["projection.enabled"] == "true"
    assert parameters[f"projection.{PARTITION_COLUMN}.type"] == "date"
    assert parameters[f"projection.{PARTITION_COLUMN}.format"] == "yyyy-MM-dd"
    location = subbed(parameters["storage.location.template"])
    assert location == f"s3://${{LedgerBucket}}/ledger/{PARTITION_COLUMN}=${{!{PARTITION_COLUMN}}}/"
    assert subbed(table["StorageDescriptor"]["Location"]) == "s3://${LedgerBucket}/ledger/"


def test_firehose_role_is_least_privilege(resources: dict[str, Any]) -> None:
    role = resources["LedgerDeliveryRole"]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "firehose.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"sts:ExternalId": {"Ref": "AWS::AccountId"}}}
    (policy,) = role["Policies"]
    granted = {
        statement["Sid"]: (set(statement["Action"]), statement["Resource"])
        for statement in policy["PolicyDocument"]["Statement"]
        if statement["Effect"] == "Allow"
    }
    assert granted == {
        "LedgerBucket": (
            {"s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"},
            {"Fn::GetAtt": "LedgerBucket.Arn"},
        ),
        "LedgerObjects": (
            {"s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"},
            [{"Fn::Sub": "${LedgerBucket.Arn}/ledger/*"}, {"Fn::Sub": "${LedgerBucket.Arn}/errors/*"}],
        ),
        "LedgerSchema": (
            {"glue:GetTable", "glue:GetTableVersion", "glue:GetTableVersions"},
            [
                {"Fn::Sub": "arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:catalog"},
                {"Fn::Sub": "arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:database/${LedgerDatabase}"},
                {
                    "Fn::Sub": "arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}"
                    ":table/${LedgerDatabase}/${LedgerTable}"
                },
            ],
        ),
    }
    # The stream writes only where the role may write.
    s3 = resources["LedgerDeliveryStream"]["Properties"]["ExtendedS3DestinationConfiguration"]
    assert s3["Prefix"].startswith("ledger/") and s3["ErrorOutputPrefix"].startswith("errors/")


def test_bucket_is_private_encrypted_tls_only_with_lifecycle(resources: dict[str, Any]) -> None:
    bucket = resources["LedgerBucket"]
    assert bucket["DeletionPolicy"] == "Retain"
    props = bucket["Properties"]
    (sse,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert sse["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms"}
    assert set(props["PublicAccessBlockConfiguration"].values()) == {True}
    assert len(props["PublicAccessBlockConfiguration"]) == 4
    assert props["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    rules = {r.get("Prefix"): r for r in props["LifecycleConfiguration"]["Rules"]}
    assert rules["ledger/"]["ExpirationInDays"] == {"Ref": "LedgerRetentionDays"}
    assert rules["errors/"]["ExpirationInDays"] == {"Ref": "LedgerRetentionDays"}
    assert rules["athena-results/"]["ExpirationInDays"] <= 30
    assert all(r["Status"] == "Enabled" for r in rules.values())
    (deny,) = resources["LedgerBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert (deny["Effect"], deny["Principal"], deny["Action"]) == ("Deny", "*", "s3:*")
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert deny["Resource"] == [{"Fn::GetAtt": "LedgerBucket.Arn"}, {"Fn::Sub": "${LedgerBucket.Arn}/*"}]


def test_workgroup_enforces_an_encrypted_result_location(resources: dict[str, Any]) -> None:
    config = resources["LedgerWorkGroup"]["Properties"]["WorkGroupConfiguration"]
    assert config["EnforceWorkGroupConfiguration"] is True
    result = config["ResultConfiguration"]
    assert subbed(result["OutputLocation"]) == "s3://${LedgerBucket}/athena-results/"
    assert result["EncryptionConfiguration"]["EncryptionOption"] in {"SSE_S3", "SSE_KMS", "CSE_KMS"}
    assert config["BytesScannedCutoffPerQuery"] > 0


@pytest.mark.parametrize("logical_id", QUERIES)
def test_saved_queries_run_in_the_workgroup_on_the_ledger_table(resources: dict[str, Any], logical_id: str) -> None:
    props = resources[logical_id]["Properties"]
    assert props["Database"] == {"Ref": "LedgerDatabase"}
    assert props["WorkGroup"] == {"Ref": "LedgerWorkGroup"}
    sql = named_query_sql(logical_id, "ledger_table")
    assert "${" not in sql  # nothing else for !Sub to resolve
    # Every query reads the latest version per participant, not every version.
    assert re.search(r"row_number\(\) OVER \(PARTITION BY conversationId, participantId ORDER BY version DESC\)", sql)
    assert "rn = 1" in sql


def test_latest_query_selects_every_column_in_the_documented_order() -> None:
    sql = named_query_sql(LATEST_QUERY, "ledger_table")
    select = sql.split("SELECT", 1)[1].split("FROM", 1)[0]
    assert tuple(name.strip() for name in select.split(",")) == COLUMN_NAMES


def test_without_the_ledger_the_stack_keeps_none_of_it_and_passes_cfn_lint(
    template: dict[str, Any], tmp_path: Path
) -> None:
    source = json.loads(json.dumps(template))
    source["Parameters"]["GenesysOrgId"]["Default"] = "bb14bed0-f8f9-445d-b9d1-10cecb8569d6"
    deployed = without_condition(transformed_template(source), "LedgerEnabled")
    assert not {v["Type"] for v in deployed["Resources"].values()} & LEDGER_TYPES
    text = json.dumps(deployed)
    gone = set(ledger_resources(template["Resources"]))
    assert not any(f'"{name}' in text for name in gone)  # no Ref/GetAtt left dangling
    assert not [k for k, v in deployed["Outputs"].items() if "Ledger" in k or "Athena" in k]
    path = tmp_path / "no-ledger.json"
    path.write_text(text)
    # Unused once the ledger is gone: LedgerRetentionDays, LedgerEnabled (and the events path's, as in
    # tests/unit/test_template.py).
    command = [str(Path(sys.executable).parent / "cfn-lint"), str(path), "--ignore-checks", "W2001", "W8001"]
    lint = subprocess.run(command, capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_docs_list_every_column_with_its_type() -> None:
    text = (REPO_ROOT / "docs" / "ledger.md").read_text()
    documented = re.findall(r"^\| `(\w+)` \| (\w+) \|", text, flags=re.MULTILINE)
    assert documented == [(c.name, c.glue_type) for c in LEDGER_COLUMNS]
