"""`resolve --from-file` with the optional code columns (codeId, codeName): strict, one-line errors."""

from __future__ import annotations

import io

import pytest

from wrapguard.cli.batch_input import CODE_LIMIT, read_targets
from wrapguard.cli.common import UsageError

C = "3c1c8b8e-5d6f-4b5e-9a59-1d1f0c0a0001"
P = "9d2e4a10-0b7c-4a43-8f0e-2b6b7c6d0001"


def test_csv_with_a_header_reads_the_code_columns_and_leaves_empty_ones_out() -> None:
    text = f"conversationId,participantId,codeId,note\n{C},{P},ININ-X,n\n{C},{P.replace('1', '2')},,m\n"
    first, second = read_targets(io.StringIO(text), "--from-file")
    assert (first.code_id, first.code_name, first.note) == ("ININ-X", None, "n")
    assert second.code_id is None


def test_json_lines_read_the_code_keys() -> None:
    line = f'{{"conversationId": "{C}", "participantId": "{P}", "codeId": " abc ", "codeName": "Sale"}}\n'
    (target,) = read_targets(io.StringIO(line), "--from-file")
    assert (target.code_id, target.code_name) == ("abc", "Sale")


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        (f'{{"conversationId": "{C}", "participantId": "{P}", "codeid": "x"}}', "unknown key 'codeid'"),
        (f'{{"conversationId": "{C}", "participantId": "{P}", "codeId": 7}}', "codeId must be text"),
        (f'{{"conversationId": "{C}", "participantId": "{P}", "codeId": "{"x" * (CODE_LIMIT + 1)}"}}', "codeId must"),
    ],
)
def test_a_bad_code_cell_rejects_the_batch_naming_the_line_and_key(line: str, problem: str) -> None:
    with pytest.raises(UsageError, match="line 1") as error:
        read_targets(io.StringIO(line + "\n"), "--from-file")
    assert problem in str(error.value) and "\n" not in str(error.value)
