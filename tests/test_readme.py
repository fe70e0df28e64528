"""The README's Python examples run and their commented results are true."""

from __future__ import annotations

import ast
import re

from tests.factories import REPO


def run_readme_example(pattern: str) -> tuple[int, dict[str, object]]:
    """Run the README's Python block matched by ``pattern``; check every ``expr  # literal`` line.

    The text after the literal (``# 'IIIA': why``) is an explanation and is not compared. Returns how many lines
    were checked, and the names the block defined.
    """
    text = (REPO / "README.md").read_text()
    block = re.search(pattern, text, re.S)
    assert block is not None, pattern
    source = block.group(1)
    lines = source.splitlines()
    namespace: dict[str, object] = {}
    checked = 0
    for stmt in ast.parse(source).body:
        code = ast.get_source_segment(source, stmt)
        assert code is not None
        comment = lines[(stmt.end_lineno or 1) - 1].partition("  # ")[2]
        if isinstance(stmt, ast.Expr) and comment:
            value = eval(code, namespace)
            assert value == ast.literal_eval(comment.split(":")[0].strip()), code
            checked += 1
        else:
            exec(code, namespace)
    return checked, namespace


def test_readme_python_example() -> None:
    checked, _ = run_readme_example(r"```python\n(.*?)```")
    assert checked == 3
