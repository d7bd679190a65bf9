"""The ledger's saved Athena queries as template.yaml holds them, ready to run against a local table."""

from __future__ import annotations

from typing import Any

from wrapguard_local.template import load_template

LATEST_QUERY = "LedgerLatestQuery"
DISTRIBUTION_QUERY = "LedgerDistributionQuery"
SETTLED_BY_REVIEW_QUERY = "LedgerSettledByReviewQuery"
TABLE_PLACEHOLDER = "${LedgerTable}"


def named_query_sql(logical_id: str, table: str, template: dict[str, Any] | None = None) -> str:
    """The saved query's text with the Glue table's name replaced by `table` (CloudFormation's !Sub
    does the same with the deployed table's name; the workgroup's database qualifies it in Athena)."""
    resource = (template or load_template())["Resources"][logical_id]
    text = resource["Properties"]["QueryString"]["Fn::Sub"]
    assert isinstance(text, str) and TABLE_PLACEHOLDER in text, f"{logical_id}: no {TABLE_PLACEHOLDER} in the query"
    return text.replace(TABLE_PLACEHOLDER, table)
