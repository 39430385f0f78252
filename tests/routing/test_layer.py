"""The rulebook engine stands alone: it reads no database, knows no web and no catalogue."""

import ast
import sys
from pathlib import Path

ROUTING = Path(__file__).resolve().parents[2] / "routing"
#: What routing/ may import besides itself: the standard library and the public holidays.
ALLOWED = {*sys.stdlib_module_names, "holidays"}


def test_routing_imports_only_the_standard_library_and_holidays():
    imported = {}
    for path in ROUTING.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top != "routing" and top not in ALLOWED:
                    imported.setdefault(top, []).append(path.name)
    assert imported == {}
