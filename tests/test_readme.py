"""The README's Python example runs and its commented results are true."""

from __future__ import annotations

import ast
import re

from tests.factories import REPO


def test_readme_python_example() -> None:
    text = (REPO / "README.md").read_text()
    block = re.search(r"```python\n(.*?)```", text, re.S)
    assert block is not None
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
    assert checked == 3
