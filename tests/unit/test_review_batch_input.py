"""`resolve`/`ignore --from-file` input: the CSV and JSON-lines shapes reviewers will feed it."""

from __future__ import annotations

import io
import json
import uuid
from typing import TextIO, cast

import pytest

from wrapguard.cli.batch_input import MAX_BYTES, MAX_ITEMS, ReviewTarget, read_targets
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
        ("\n \n", "--from-file: no items"),
        (f"{A}\n", "--from-file line 1: 1 column(s), expected conversationId,participantId[,note]"),
        (f"{A},{B}\n{A},{{{B}}}\n", "--from-file line 2: participantId (column 2) must be a UUID"),
        (f"{A},{B}\n\n,{B}\n", "--from-file line 3: conversationId (column 1) is empty"),
        (f"{A},{B},note,extra\n", "--from-file line 1: 4 column(s), expected conversationId,participantId[,note]"),
        (f"conversationId,note\n{A},x\n", "--from-file line 1: header lacks participantId"),
        (f"conversationId,participantId,Note\n{A},{B},x\n", "--from-file line 1: unknown column 'Note' (column 3)"),
        (f"conversationId,participantId,comment\n{A},{B},x\n", "--from-file line 1: unknown column 'comment'"),
        (f"conversationId,participantId,note,note\n{A},{B},x,y\n", "--from-file line 1: column 'note' twice"),
        (f"participantId,conversationId,note\n{B},{A}\n", "--from-file line 2: 2 column(s), the header has 3"),
        (f"participantId,conversationId\n{B},{A},x\n", "--from-file line 2: 3 column(s), the header has 2"),
        (f'{A},{B}\n{A},"{B}\n{C},{A}\n', "--from-file line 2: a quoted cell starting here is never closed"),
        (f'{A},{B}\n{A},{B},"say "hi"\n', "--from-file line 2: a quote inside a quoted cell is not doubled"),
        (f'{A},"{B}\n{C}",x\n', "--from-file line 1: participantId (column 2) spans lines"),
        (f'{A},{B},"one\n{C},{A},two"\n', "--from-file line 1: note (column 3) spans lines"),
        (f"{json.dumps({'conversationId': A, 'participantId': B})}\n[1]\n", "--from-file line 2: not a JSON object"),
        (json.dumps({"conversationId": A, "participantId": B, "note": 5}), "--from-file line 1: note must be text"),
        (json.dumps({"conversationId": A, "participantId": None}), "--from-file line 1: participantId is empty"),
        (json.dumps({"conversationId": A, "ParticipantId": B}), "--from-file line 1: unknown key 'ParticipantId'"),
        (f"{A},{B},{'x' * 1001}", "--from-file line 1: note (column 3) is longer than 1000 characters"),
    ],
    # Named by the message, not the random UUIDs: every pytest-xdist worker must collect the same ids.
    ids=lambda value: value if value.startswith("--from-file") else "text",
)
def test_bad_input_names_the_line_and_field(text: str, message: str) -> None:
    with pytest.raises(UsageError) as raised:
        read(text)
    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value)


def test_a_stray_leading_quote_rejects_the_batch_naming_its_line() -> None:
    lines = [f"{A},{B},first", f'"{B},{C},second', f"{C},{A},third", f"{A},{C},fourth", f"{B},{A},fifth"]
    with pytest.raises(UsageError) as raised:
        read("\n".join(lines) + "\n")
    assert str(raised.value).startswith("--from-file line 2: ")
    assert "quote" in str(raised.value)


def test_crlf_bom_and_an_export_header_with_a_multiline_message_are_accepted() -> None:
    text = f'\ufeffconversationId,participantId,message,note\r\n{A},{B},"line one\r\nline two",why\r\n'
    assert read(text) == [ReviewTarget(A, B, "why")]


def lines_of(count: int) -> str:
    return "".join(f"{uuid.uuid4()},{uuid.uuid4()}\n" for _ in range(count))


def test_at_most_max_items_items() -> None:
    assert len(read(lines_of(MAX_ITEMS))) == MAX_ITEMS
    with pytest.raises(UsageError) as raised:
        read(lines_of(MAX_ITEMS + 1))
    assert str(raised.value) == f"--from-file: more than {MAX_ITEMS} items; split the batch"


def test_at_most_max_bytes_counted_in_utf8() -> None:
    line = f"{A},{B},caf\u00e9\n"  # 81 characters, 82 bytes
    size = len(line.encode())
    assert read_targets(io.StringIO(line * 3), "f", max_bytes=3 * size) == [ReviewTarget(A, B, "caf\u00e9")]
    with pytest.raises(UsageError, match=rf"^f: more than {3 * size - 1:,} bytes; split the batch$"):
        read_targets(io.StringIO(line * 3), "f", max_bytes=3 * size - 1)
    assert MAX_BYTES == 8 * 1024 * 1024


class Endless:
    """A stream that never ends (a wrong file, /dev/zero): counts the characters handed out."""

    def __init__(self, line: str) -> None:
        self.line, self.handed_out = line, 0

    def readline(self, size: int = -1) -> str:
        text = self.line if size < 0 else self.line[:size]
        self.handed_out += len(text)
        return text


@pytest.mark.parametrize("line", [f"{A},{B},ok\n", "x" * 100_000], ids=["valid-rows", "one-long-line"])
def test_an_endless_input_is_refused_after_reading_only_the_cap(line: str) -> None:
    stream = Endless(line)
    with pytest.raises(UsageError, match="more than 65,536 bytes"):
        read_targets(cast(TextIO, stream), "--from-file", max_bytes=64 * 1024)
    assert stream.handed_out <= 64 * 1024 + 1
