"""Output encoding (SECURITY-BAR row 26): templates auto-escape, and the few places that
build HTML or SVG in Python and mark it safe are listed below, each read and found to
escape every piece of text it is given. A new `mark_safe`, `SafeString`, `format_html`
without a literal format string, `|safe` or `{% autoescape off %}` fails here until
someone reads it and adds it to the list with the reason it is safe."""

from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path

import trellis

PACKAGE = Path(trellis.__file__).parent
ROOT = PACKAGE.parent

# (file, function, construct) -> how many times, and why each is safe.
ALLOWED_PYTHON: dict[tuple[str, str, str], tuple[int, str]] = {
    ("trellis/measures/views/board.py", "measure_detail", "mark_safe"): (
        1,
        "the chart's SVG, built by trellis.measures.charts with ElementTree, which escapes "
        "every text and attribute (titles and notes included)",
    ),
    ("trellis/improvement/diagram.py", "driver_diagram_svg", "mark_safe"): (
        1,
        "the driver diagram's SVG: every box's text and the label pass through escape()",
    ),
    ("trellis/reports/render/html.py", "page", "mark_safe"): (
        2,
        "the report's own print CSS (a constant) and a constant class attribute",
    ),
    ("trellis/safehtml.py", "joined", "mark_safe"): (
        1,
        "joins parts each built by format_html, so already escaped (its callers: the report "
        "renderer and the plan table, each part from format_html)",
    ),
    ("trellis/reports/render/html.py", "_columns", "SafeString"): (1, "an empty string"),
    ("trellis/reports/render/html.py", "chart", "mark_safe"): (
        2,
        "a chart's SVG (ElementTree, as above) and its data table built by table(), whose "
        "every cell goes through format_html or escape()",
    ),
}

# Templates that turn escaping off: plain-text e-mails (sent as text/plain, never HTML).
ALLOWED_TEMPLATES: dict[tuple[str, str], tuple[int, str]] = {
    ("trellis/templates/progress/reminder_digest.txt", "autoescape off"): (1, "text e-mail"),
    ("trellis/templates/progress/reminder_summary.txt", "autoescape off"): (1, "text e-mail"),
    ("trellis/templates/progress/reminder_summary_item.txt", "autoescape off"): (
        1,
        "part of the text e-mail",
    ),
}

MARKS_SAFE = {"mark_safe", "SafeString", "SafeText", "html_safe", "mark_for_escaping"}
FORMATTERS = {"format_html", "format_html_join"}
TEMPLATE_BANS = {
    "|safe": re.compile(r"\|\s*safe(seq)?\b"),
    "autoescape off": re.compile(r"\{%\s*autoescape\s+off\s*%\}"),
}


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


class Finder(ast.NodeVisitor):
    """Each construct that marks text safe, with the function it is in."""

    def __init__(self) -> None:
        self.where: list[str] = ["<module>"]
        self.found: list[tuple[str, str, int]] = []

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.where.append(node.name)
        self.generic_visit(node)
        self.where.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Call(self, node: ast.Call) -> None:
        name = _name(node.func)
        if name in MARKS_SAFE:
            self.found.append((self.where[-1], name, node.lineno))
        elif name in FORMATTERS and not _literal_format(node):
            self.found.append((self.where[-1], f"{name} without a literal format", node.lineno))
        for keyword in node.keywords:
            if keyword.arg in {"is_safe", "needs_autoescape"} and _truthy(keyword.value):
                self.found.append((self.where[-1], f"{keyword.arg}=True", node.lineno))
        self.generic_visit(node)


def _literal_format(call: ast.Call) -> bool:
    """format_html(<a string literal>, args...): the format is ours, the arguments escaped.
    (With no arguments, or a format built from data, nothing is escaped.)"""
    if not call.args or not isinstance(call.args[0], ast.Constant):
        return False
    if _name(call.func) == "format_html":
        return len(call.args) > 1 or bool(call.keywords)
    return True


def _truthy(node: ast.expr) -> bool:
    return not (isinstance(node, ast.Constant) and not node.value)


def _decorators(tree: ast.AST) -> list[tuple[str, str, int]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            for decorator in node.decorator_list:
                if _name(decorator) in MARKS_SAFE:
                    found.append((node.name, _name(decorator), decorator.lineno))
    return found


def python_uses() -> list[tuple[str, str, str, int]]:
    uses = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        finder = Finder()
        finder.visit(tree)
        name = path.relative_to(ROOT).as_posix()
        uses += [(name, where, what, line) for where, what, line in finder.found]
        uses += [(name, where, what, line) for where, what, line in _decorators(tree)]
    return uses


def template_uses() -> list[tuple[str, str, int]]:
    uses = []
    for path in sorted(PACKAGE.rglob("templates/**/*")):
        if not path.is_file() or path.suffix not in {".html", ".txt", ".svg", ".xml"}:
            continue
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(ROOT).as_posix()
        for what, pattern in TEMPLATE_BANS.items():
            for match in pattern.finditer(text):
                uses.append((name, what, text.count("\n", 0, match.start()) + 1))
    return uses


def test_python_marks_text_safe_only_where_listed() -> None:
    uses = python_uses()
    counted = Counter((name, where, what) for name, where, what, _ in uses)
    unlisted = [
        f"{name}:{line} {what} in {where}()"
        for name, where, what, line in uses
        if counted[(name, where, what)] > ALLOWED_PYTHON.get((name, where, what), (0, ""))[0]
    ]
    assert not unlisted, (
        "HTML marked safe outside the allowlist (escape the data, or read the use and list "
        "it in tests/test_output_encoding.py with why it is safe):\n" + "\n".join(unlisted)
    )


def test_the_python_allowlist_has_no_stale_entries() -> None:
    counted = Counter((name, where, what) for name, where, what, _ in python_uses())
    stale = {key: n for key, (n, _) in ALLOWED_PYTHON.items() if counted[key] != n}
    assert not stale, f"allowlist entries that no longer match the code: {stale}"


def test_templates_never_turn_escaping_off_outside_the_text_emails() -> None:
    uses = template_uses()
    counted = Counter((name, what) for name, what, _ in uses)
    unlisted = [
        f"{name}:{line} {what}"
        for name, what, line in uses
        if counted[(name, what)] > ALLOWED_TEMPLATES.get((name, what), (0, ""))[0]
    ]
    assert not unlisted, "escaping turned off in templates:\n" + "\n".join(unlisted)
    stale = {key: n for key, (n, _) in ALLOWED_TEMPLATES.items() if counted[key] != n}
    assert not stale, f"allowlist entries that no longer match the templates: {stale}"


def test_the_scan_finds_what_it_bans() -> None:
    """The scanner itself: each banned construct in a sample is found."""
    sample = (
        "from django.utils.html import format_html\n"
        "def view(name):\n"
        "    a = mark_safe(name)\n"
        "    b = format_html(f'<p>{name}</p>')\n"
        "    c = format_html('<p>{}</p>', name)\n"
        "    return SafeString(a + b + c)\n"
        "@register.filter(is_safe=True)\n"
        "def shout(v):\n"
        "    return v\n"
        "@html_safe\n"
        "class Box:\n"
        "    pass\n"
    )
    tree = ast.parse(sample)
    finder = Finder()
    finder.visit(tree)
    found = {what for _, what, _ in finder.found + _decorators(tree)}
    assert found == {
        "mark_safe",
        "format_html without a literal format",
        "SafeString",
        "is_safe=True",
        "html_safe",
    }
    text = "{{ x|safe }} {{ y | safeseq }} {% autoescape off %}{{ z }}{% endautoescape %}"
    assert [w for w, p in TEMPLATE_BANS.items() for _ in p.finditer(text)] == [
        "|safe",
        "|safe",
        "autoescape off",
    ]
