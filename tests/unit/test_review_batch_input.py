"""`resolve`/`ignore --from-file` input: the CSV and JSON-lines shapes reviewers will feed it."""

from __future__ import annotations

import io
import json
import uuid

import pytest

from wrapguard.cli.batch_input import ReviewTarget, read_targets
from wrapguard.cli.common import UsageError

A, B, C = (str(uuid.uuid4()) for _ in range(3))


def read(text: str) -> list[ReviewTarget]:
    return read_targets(io.StringIO(text), "--from-file")


def test_csv_without_header_with_optional_note() -> None:
    assert read(f"{A},{B}\n\n{B},unresolved,coded in CRM\n") == [
        ReviewTarget(A, B, None),
        ReviewTarget(B, "unresolved", "coded in CRM"),
    ]


def test_csv_header_in_any_order_with_other_columns_and_multiline_cells() -> None:
    text = f'status,participantId,message,conversationId,note\nopen,{B},"two\nlines",{A.upper()},\n'
    assert read("\ufeff" + text) == [ReviewTarget(A, B, None)]


def test_json_lines_with_extra_keys_and_duplicates_once() -> None:
    lines = [
        json.dumps({"conversationId": A, "participantId": B, "status": "open", "note": "first"}),
        json.dumps({"conversationId": A, "participantId": B, "note": "again"}),
        json.dumps({"conversationId": C, "participantId": B}),
    ]
    assert read("\n".join(lines)) == [ReviewTarget(A, B, "first"), ReviewTarget(C, B, None)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "--from-file: no items"),
        (f"{A}\n", "--from-file line 1: participantId is missing"),
        (f"{A},{B}\n{A},{{{B}}}\n", "--from-file line 2: participantId must be a UUID"),
        (f"{A},{B},note,extra\n", "--from-file line 1: 4 columns, expected at most 3"),
        (f"conversationId,note\n{A},x\n", "--from-file line 1: header lacks participantId"),
        (f"{json.dumps({'conversationId': A, 'participantId': B})}\n[1]\n", "--from-file line 2: not a JSON object"),
        (json.dumps({"conversationId": A, "participantId": B, "note": 5}), "--from-file line 1: note must be text"),
        (f"{A},{B},{'x' * 1001}", "--from-file line 1: note is longer than 1000 characters"),
    ],
    # Named by the message, not the random UUIDs: every pytest-xdist worker must collect the same ids.
    ids=lambda value: value if value.startswith("--from-file") else "text",
)
def test_bad_input_names_the_line_and_field(text: str, message: str) -> None:
    with pytest.raises(UsageError) as raised:
        read(text)
    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value)
