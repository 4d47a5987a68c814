"""The English catalogue: every string is translated, and the compiled catalogue is the one Django uses.

The .po file is read directly, so (a) needs nothing but the file. The lookups in (b) need the compiled
.mo, which `make test` builds (target `messages`) before pytest runs; none of this touches the database.
"""

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.translation import gettext

from councils.roles import Role

LC_MESSAGES = Path(__file__).resolve().parents[1] / "locale" / "en" / "LC_MESSAGES"
PO_FILE = LC_MESSAGES / "django.po"
MO_FILE = LC_MESSAGES / "django.mo"
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|\{\{\s*\w+\s*\}\}")


@dataclass
class Entry:
    line: int
    flags: set[str] = field(default_factory=set)
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def msgid(self) -> str:
        return self.fields.get("msgid", "")

    def translations(self) -> dict[str, str]:
        return {k: v for k, v in self.fields.items() if k.startswith("msgstr")}


def parse_po(path: Path) -> list[Entry]:
    """Entries of a .po file (the header included, obsolete `#~` entries left out)."""
    entries: list[Entry] = []
    entry: Entry | None = None
    key = None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line:
            entry, key = None, None
            continue
        if line.startswith("#~"):
            continue
        if entry is None:
            entry = Entry(number)
            entries.append(entry)
        if line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            assert key is not None, f"{path.name}:{number}: a string continues no keyword"
            entry.fields[key] += ast.literal_eval(line)
        else:
            key, _, value = line.partition(" ")
            entry.fields[key] = ast.literal_eval(value)
    return entries


def test_po_file_is_fully_translated():
    entries = parse_po(PO_FILE)
    messages = [e for e in entries if e.msgid]
    assert len(messages) > 100, f"{PO_FILE} holds only {len(messages)} messages; is it the right file?"

    fuzzy = [f"line {e.line}: {e.msgid or '(header)'}" for e in entries if "fuzzy" in e.flags]
    assert not fuzzy, "fuzzy entries (check the translation, then drop the flag):\n" + "\n".join(fuzzy)

    empty = [
        f"line {e.line}: {e.msgid} [{key}]"
        for e in messages
        for key, value in e.translations().items()
        if not value.strip()
    ]
    assert not empty, "untranslated entries:\n" + "\n".join(empty)

    wrong = [f"line {e.line}: {e.msgid} [{key}]" for e in messages for key in placeholder_mismatches(e)]
    assert not wrong, "translations whose placeholders differ from the source:\n" + "\n".join(wrong)


def placeholder_mismatches(entry: Entry) -> list[str]:
    """Keys of the translations that bring in a placeholder the source lacks, or (singular) drop one.

    A plural form may leave the count out ("one building"), so plurals are only checked for strays."""
    source = set(PLACEHOLDER.findall(entry.msgid + entry.fields.get("msgid_plural", "")))
    plural = "msgid_plural" in entry.fields
    return [
        key
        for key, value in entry.translations().items()
        if (found := set(PLACEHOLDER.findall(value))) - source or (not plural and found != source)
    ]


@pytest.fixture
def compiled_catalogue():
    if not MO_FILE.exists():
        pytest.fail(f"{MO_FILE} is missing: run `make messages` to compile the translations", pytrace=False)


@pytest.mark.usefixtures("compiled_catalogue")
def test_english_is_served_in_english():
    with translation.override("en"):
        assert gettext("工作台") == "Dashboard", f"stale {MO_FILE.name}? run `make messages`"
        assert gettext("共建理事会") == "Co-construction council"
        assert str(Role.STREET_STAFF.label) == "Street office"
        assert str(Role.CITY_OFFICE.label) == "City civilization office"


@pytest.mark.usefixtures("compiled_catalogue")
def test_chinese_stays_chinese():
    with translation.override("zh-hans"):
        assert gettext("工作台") == "工作台"
        assert str(Role.STREET_STAFF.label) == "街道办"
