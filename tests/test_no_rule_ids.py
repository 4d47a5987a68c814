"""Rule ids (R-1.1 …) belong in code, tests and docs, never in what a user sees: pages, messages,
stored texts and PDFs. Every template, every catalogue entry and every Chinese string literal in the
apps' code (other than docstrings) is read for one."""

import ast
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RULE_ID = re.compile(r"R-\d+\.\d+")
CJK = re.compile(r"[\u4e00-\u9fff]")
TEMPLATE_COMMENT = re.compile(r"\{#.*?#\}|\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}", re.S)


def tracked(*patterns: str) -> list[Path]:
    out = subprocess.run(["git", "ls-files", *patterns], cwd=ROOT, capture_output=True, text=True, check=True)
    return [ROOT / name for name in out.stdout.split()]


def shown_strings(path: Path):
    """Chinese string literals of a module that are not docstrings."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    for node in ast.walk(tree):
        is_text = isinstance(node, ast.Constant) and isinstance(node.value, str)
        if is_text and id(node) not in docstrings and CJK.search(node.value):
            yield node.lineno, node.value


def test_no_template_shows_a_rule_id():
    found = []
    for path in tracked("templates", "*/templates"):
        if path.suffix not in {".html", ".txt", ".xml"}:
            continue
        text = TEMPLATE_COMMENT.sub("", path.read_text(encoding="utf-8"))
        found += [f"{path.relative_to(ROOT)}: {m.group()}" for m in RULE_ID.finditer(text)]
    assert found == []


def test_no_catalogue_entry_carries_a_rule_id():
    found = []
    for path in tracked("locale/*.po"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.startswith("#") and RULE_ID.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line}")
    assert found == []


@pytest.mark.parametrize("app", ["councils", "finance", "inspections", "surveys", "assessments", "bench"])
def test_no_chinese_string_in_the_code_carries_a_rule_id(app):
    found = []
    for path in tracked(f"{app}/*.py"):
        if "migrations" in path.parts:
            continue
        found += [
            f"{path.relative_to(ROOT)}:{n}: {s[:60]}" for n, s in shown_strings(path) if RULE_ID.search(s)
        ]
    assert found == []


def test_reasons_stored_before_carry_no_rule_id_after_the_migration(side_a):
    from importlib import import_module

    from django.apps import apps

    from finance.models import Violation

    migration = import_module("finance.migrations.0007_violation_reasons_without_rule_ids")
    Violation.objects.filter(pk=side_a.violation.pk).update(reason="支出未注明理事会决议（R-1.7）。")
    migration.strip_rule_ids(apps, None)
    assert Violation.objects.get(pk=side_a.violation.pk).reason == "支出未注明理事会决议。"
