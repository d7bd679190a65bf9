"""The reporting ledger's columns: the one definition of their names, order and Glue types.

Everything that names a ledger column reads it from here: the ledger row (domain/ledger.py, its JSON
keys), the Glue table of template.yaml (tests/unit/test_ledger_template.py checks its columns equal
these), the Parquet files Firehose writes against that table and the proof that runs the saved Athena
query over them (tests/integration/test_ledger_athena.py). Stdlib only: the CLIs and tests import it
without the layer's dependencies.

Names: the record Firehose receives uses the issue's camelCase names; Glue and Athena hold column
names in lower case, and Firehose's OpenX JSON deserializer (CaseInsensitive, its default) lower-cases
the JSON keys to match. Athena resolves identifiers case-insensitively, so `conversationId` works in
a query either way.

Types: the moments (conversationEnd, recordedAt) are ISO 8601 UTC text, not Glue `timestamp`: the
text sorts in time order, is exactly what the CLI prints, and does not depend on which timestamp
formats Firehose's JSON deserializer accepts. Athena turns it into a timestamp with
`from_iso8601_timestamp(...)` where a BI tool needs one.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LedgerColumn:
    name: str  # the record's key, as the issue names it
    glue_type: str  # Hive/Glue type of the Glue table column
    meaning: str

    @property
    def glue_name(self) -> str:
        """The name as Glue, Athena and the Parquet files hold it."""
        return self.name.lower()


# In the order (a BI tool lists them so).
LEDGER_COLUMNS: tuple[LedgerColumn, ...] = (
    LedgerColumn("conversationId", "string", "Genesys conversation id"),
    LedgerColumn("participantId", "string", "the agent participant checked (one row per agent participant)"),
    LedgerColumn("userId", "string", "the agent's user id"),
    LedgerColumn("queueId", "string", "the last queue of the participant's segments"),
    LedgerColumn("mediaType", "string", "voice, chat, email, message, ... (lower case)"),
    LedgerColumn("direction", "string", "inbound or outbound (lower case)"),
    LedgerColumn("conversationEnd", "string", "ISO 8601 UTC, e.g. 2026-12-04T14:03:07.123Z"),
    LedgerColumn("day", "string", "UTC date of conversationEnd (YYYY-MM-DD); the partition key"),
    LedgerColumn("genesysCodeId", "string", "the code Genesys holds, placeholder codes included"),
    LedgerColumn("genesysCodeName", "string", "its name, when known"),
    LedgerColumn("intendedCodeId", "string", "what a flow, staging or policy wanted, when it was not applied"),
    LedgerColumn("intendedCodeName", "string", "its name, when known"),
    LedgerColumn("effectiveCodeId", "string", "the code reporting should use (see effectiveSource)"),
    LedgerColumn("effectiveCodeName", "string", "its name, when known"),
    LedgerColumn("effectiveSource", "string", "agent, wrapguard, review, intended, placeholder or none"),
    LedgerColumn("reviewStatus", "string", "open, resolved, resolved_unverified or ignored; empty when no review"),
    LedgerColumn("reviewedBy", "string", "who reviewed the miss"),
    LedgerColumn("recordedAt", "string", "ISO 8601 UTC moment this version was computed"),
    LedgerColumn("version", "int", "1, 2, ... per participant; the highest is the current row"),
)

PARTITION_COLUMN = "day"

# Firehose writes Parquet with the table's columns; the partition key lives in the S3 prefix
# (day=YYYY-MM-DD/), not in the files.
DATA_COLUMNS: tuple[LedgerColumn, ...] = tuple(c for c in LEDGER_COLUMNS if c.name != PARTITION_COLUMN)
PARTITION_COLUMNS: tuple[LedgerColumn, ...] = tuple(c for c in LEDGER_COLUMNS if c.name == PARTITION_COLUMN)
COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in LEDGER_COLUMNS)
