"""The demo's last step: the reporting ledger of its conversations (issue 18), as a readable table.

A reviewer settles one miss with a code id (`wrapguard-review resolve --code-id`, recorded unverified:
Genesys is not changed), then the ledger's latest rows are printed: the effective code per agent
participant and where it came from. Locally there is no Firehose: the table only, as with
EnableLedger=false.
"""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr

from wrapguard.cli.review import main as review
from wrapguard.cli.tables import render

from . import demo_data as data


def short(value: object) -> str:
    text = "" if value is None else str(value)
    return "…" + text[-6:] if len(text) == 36 and text.count("-") == 4 else text


def show_ledger() -> None:
    out = io.StringIO()
    with redirect_stderr(io.StringIO()):
        review(["ledger", "--since", "1d", "--format", "jsonl"], out)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    settle = next((r for r in rows if r["effectiveSource"] == "none"), None)
    print("\n10. The reporting ledger: effective wrap-up code per agent participant (docs/ledger.md)")
    if settle is not None:
        code = next(iter(data.CODES))
        argv = ["resolve", settle["conversationId"], settle["participantId"], "--code-id", code]
        print(f"   $ wrapguard-review {' '.join(argv)} --note 'agent confirmed'   # Genesys is not changed")
        with redirect_stderr(io.StringIO()):
            review([*argv, "--note", "agent confirmed", "--by", "demo-reviewer"], io.StringIO())
        out = io.StringIO()
        with redirect_stderr(io.StringIO()):
            review(["ledger", "--since", "1d", "--format", "jsonl"], out)
        rows = [json.loads(line) for line in out.getvalue().splitlines()]
    print("   $ wrapguard-review ledger --since 1d --latest")
    table = [
        [
            short(r["conversationId"]),
            short(r["participantId"]),
            r["conversationEnd"][11:19],
            data.CODES.get(r["genesysCodeId"] or "", short(r["genesysCodeId"])),
            data.CODES.get(r["effectiveCodeId"] or "", short(r["effectiveCodeId"])),
            r["effectiveSource"],
            r["reviewStatus"] or "",
            str(r["version"]),
        ]
        for r in sorted(rows, key=lambda r: r["conversationEnd"])
    ]
    headers = ["conversation", "participant", "ended", "Genesys holds", "effective", "source", "review", "v"]
    print(render(table, headers))
