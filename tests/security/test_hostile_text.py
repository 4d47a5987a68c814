"""Markup typed into every free-text field of the portal (issue 8 §5; DESIGN.md invariant 7):
`"><img src=x onerror=alert(1)><script>alert(1)</script>` is saved as the text it is and shown
escaped on the page the form leads to and on the list pages that show it; the raw tag never
reaches a page. Fields with a format of their own (a phone number, a credit code, a user name)
refuse it on the form and save nothing.

The table below is checked against the forms themselves: `test_every_text_field_is_in_the_table`
reads each page's form and every Form class of the portal's apps, and fails when a text field is
neither in the table nor exempted with a reason, so a new field cannot slip past."""

from __future__ import annotations

import functools
import importlib
import inspect
import json
import pkgutil
import re
import subprocess

import pytest
from django import forms
from django.apps import apps
from django.db import connection, models, transaction
from django.urls import reverse
from django.utils.html import escape

from assessments import bulletins
from assessments.models_bulletins import Bulletin
from councils.roles import Role

from . import hostile
from .hostile import PAYLOAD, RAW, SHORT_PAYLOAD, Unchanged, page
from .hostile_pages import PAGES, open_form, post_form, sign_in, submit, u, value_of

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    yield from hostile.world_for_module(django_db_blocker, tmp_path_factory)


# (page, field): the text typed into that field on that page. Where the page the form leads to
# does not show the field, `SHOWN_ON` names the page that does.
TEXT_FIELDS = [
    # the city tree, units, users
    ("district_create", "name"),
    ("street_create", "name"),
    ("community_create", "name"),
    ("community_create", "address"),
    ("building_create", "name"),
    ("building_create", "address"),
    ("council_create", "name"),
    ("council_create", "chair"),
    ("council_create", "secretary_general"),
    ("unit_create", "name"),
    ("unit_create", "address"),
    ("unit_create", "contact_person"),
    ("user_create", "full_name"),
    ("user_update", "full_name"),
    # seats and contacts
    ("membership_create", "representative"),
    ("term_create", "chair"),
    ("term_create", "secretary_general"),
    ("contact_create", "matters"),
    ("contact_create", "follow_up"),
    # meetings and resolutions
    ("meeting_create", "place"),
    ("meeting_create", "agenda"),
    ("meeting_create", "minutes"),
    ("meeting_create", "representative_{membership}"),
    ("meeting_absent", "reason_{membership}"),
    ("meeting_withdraw", "reason"),
    ("resolution_create", "title"),
    ("resolution_create", "text"),
    ("resolution_withdraw", "reason"),
    # plans and tasks
    ("plan_create", "title"),
    ("plan_create", "content"),
    ("plan_withdraw", "reason"),
    ("planopinion_create", "source_name"),
    ("planopinion_create", "content"),
    ("planopinion_decide", "reason"),
    ("task_create", "title"),
    ("task_create", "description"),
    ("taskprogress_create", "note"),
    ("task_complete", "note"),
    ("task_cancel", "reason"),
    # the fund
    ("contribution", "description"),
    ("donation_org", "counterparty"),
    ("donation_person", "counterparty"),
    ("expenditure", "counterparty"),
    ("expenditure", "description"),
    ("entry_reverse", "reason"),
    ("pledge", "note"),
    ("violation_flag", "reason"),
    ("violation_rectify", "measures"),
    # patrols, rosters, activities
    ("patrol_create", "route"),
    ("patrol_create", "notes"),
    ("finding_create", "address"),
    ("finding_create", "description"),
    ("finding_order", "note"),
    ("finding_escalate", "handover_note"),
    ("finding_close", "closed_reason"),
    ("finding_rectify", "note"),
    ("officer_set", "name"),
    ("pact_edit", "text"),
    ("activity_create", "title"),
    ("activity_create", "notes"),
    # assessments, model cases, bulletins
    ("rubric_revise", "name"),
    ("rubric_revise", "note"),
    ("criterion_create", "title"),
    ("criterion_create", "guidance"),
    ("point_create", "reason"),
    ("assessment_return", "comment"),
    ("assessment_confirm", "note"),
    ("assessment_adjust", "reason"),
    ("modelcase_create", "title"),
    ("modelcase_create", "story"),
    ("modelcase_withdraw", "reason"),
    ("bulletin_create", "title"),
    ("bulletin_create", "main_recipients"),
    ("bulletin_create", "issuer"),
    ("bulletin_create", "prefix"),
    ("bulletin_create", "copy_recipients"),
    ("bulletin_create", "commentary"),
    ("bulletin_edit", "title"),
    ("bulletin_edit", "issuer"),
    ("bulletin_edit", "prefix"),
    ("bulletin_edit", "main_recipients"),
    ("bulletin_edit", "copy_recipients"),
    ("bulletin_edit", "commentary"),
    ("bulletin_edit", "overview"),
    ("bulletin_edit", "praise"),
    ("bulletin_edit", "problems"),
    # surveys
    ("survey_round_create", "name"),
    ("question_choice", "options_text"),
    ("question_create", "text"),
    ("questionnaire_revise", "note"),
    ("survey_public", "q{text_question}"),
]

# Fields with a format of their own: markup is refused there, with this message.
REFUSED_FIELDS = [
    ("unit_create", "credit_code", "统一社会信用代码"),
    ("unit_create", "contact_phone", "请输入11位手机号或带区号的固定电话"),
    ("officer_set", "phone", "请输入11位手机号或带区号的固定电话"),
    ("user_create", "username", "用户名只能包含字母、数字和 @ . + - _"),
    ("district_create", "code", "行政区划代码应为6位数字"),
    ("user_create", "email", "输入一个有效的 Email 地址"),
    ("user_update", "email", "输入一个有效的 Email 地址"),
]

# Text fields that are not in the tables above, and why.
EXEMPT = {
    ("SignInForm", "username"): "signing in stores nothing typed",
    ("SignInForm", "password"): "a password is never shown",
    ("AdminSignInForm", "username"): "signing in stores nothing typed",
    ("AdminSignInForm", "password"): "a password is never shown",
    ("UserCreateForm", "password1"): "a password is never shown",
    ("UserCreateForm", "password2"): "a password is never shown",
    ("FindingForm", "duplicate"): "a hidden choice: 'new' or the pk of a finding, never shown",
    ("AdjustForm", "delta"): "a number typed as text: test_hostile_numbers.py",
    ("PointRuleForm", "note"): "the rule table, one formset: test_a_point_rules_note_is_text",
}
SHOWN_ON = {
    ("user_create", "full_name"): u("user_list"),
    ("user_update", "full_name"): u("user_list"),
    ("question_create", "text"): u("questionnaire_detail", "a.survey_questionnaire"),
    ("question_choice", "options_text"): u("questionnaire_detail", "a.survey_questionnaire"),
    # The 代字 is printed only in the number given at signing.
    ("bulletin_create", "prefix"): None,
    ("bulletin_edit", "prefix"): None,
    # Residents' words go to the anonymised export only.
    ("survey_public", "q{text_question}"): None,
}


def resolve(name: str, world) -> str:
    """Field names that carry a pk: a seat's row on the meeting form, a survey's text question."""
    if "{membership}" in name:
        return name.format(membership=world.a.membership.pk)
    if "{text_question}" in name:
        from surveys.models import Question

        questions = Question.objects.filter(
            questionnaire=world.a.survey_round.questionnaire, kind=Question.Kind.TEXT
        )
        return name.format(text_question=questions.order_by("order").first().pk)
    return name


@functools.cache
def text_columns() -> list[tuple[str, list[tuple[str, bool]]]]:
    """Each table of the portal (and of users) with its text columns, JSON ones marked."""
    found = []
    for model in apps.get_models():
        meta = model._meta
        if meta.app_label in (*hostile.SNAPSHOT_APPS, "auth") and meta.managed and not meta.proxy:
            columns = [
                (f.column, isinstance(f, models.JSONField))
                for f in meta.concrete_fields
                if isinstance(f, models.CharField | models.TextField | models.JSONField)
            ]
            if columns:
                found.append((meta.db_table, columns))
    return found


def rows_holding(text: str) -> int:
    """How many rows hold `text` verbatim in one of their text columns (inside a JSON value,
    as JSON writes it), in one query."""
    quote = connection.ops.quote_name
    parts, params = [], []
    for table, columns in text_columns():
        condition = " OR ".join(f"strpos({quote(column)}::text, %s) > 0" for column, _json in columns)
        parts.append(f"(SELECT count(*) FROM {quote(table)} WHERE {condition})")  # noqa: S608
        params += [json.dumps(text)[1:-1] if is_json else text for _column, is_json in columns]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT sum(n) FROM ({' UNION ALL '.join(parts)}) AS counts(n)", params)  # noqa: S608
        return int(cursor.fetchone()[0] or 0)


def assert_escaped(text: str, payload: str, where: str) -> None:
    for raw in (payload, *RAW):
        assert raw not in text, f"raw markup on {where}"
    assert escape(payload) in text, f"the escaped text is not on {where}"


# Markup for every length of field: the longest that fits is typed.
PAYLOADS = (PAYLOAD, SHORT_PAYLOAD, "<svg onload=alert(1)>", "<svg/onload=alert>", "<b>x</b>", "<i>x")


def payload_for(form, field: str) -> str:
    limit = getattr(form.fields.get(field), "max_length", None)
    return next(p for p in PAYLOADS if limit is None or len(p) <= limit)


@pytest.mark.parametrize(("name", "field"), TEXT_FIELDS, ids=[f"{n}-{f}" for n, f in TEXT_FIELDS])
def test_markup_is_saved_as_text_and_shown_escaped(client, world, name, field):
    """DESIGN.md invariant 7 (R-6.1 … R-6.3): what a user types is text. It is saved as typed,
    and every page that shows it shows the characters, never a tag or an attribute."""
    pg = PAGES[name]
    template, field = field, resolve(field, world)
    form = open_form(client, world, name)
    payload = payload_for(form, field)
    assert rows_holding(payload) == 0
    typed = f"{payload}\n公园" if field == "options_text" else payload  # a choice needs two options
    response = post_form(client, world, name, form, {field: typed})
    assert response.status_code == 302, form_errors_of(response)
    assert rows_holding(payload) >= 1, "the text was not saved as typed"
    shown = SHOWN_ON.get((name, template), "next")
    target = response.url if shown in ("next", None) else shown(world)
    landing = client.get(target)
    assert landing.status_code == 200, (target, landing.status_code)
    if shown is None:
        for raw in RAW:
            assert raw not in page(landing), f"raw markup on {target}"
    else:
        assert_escaped(page(landing), payload, target)
    for list_url in pg.lists:
        listed = page(client.get(list_url(world)))
        for raw in RAW:
            assert raw not in listed, f"raw markup on {list_url(world)}"


def form_errors_of(response) -> str:
    context = getattr(response, "context", None)
    if response.status_code == 200 and context and context.get("form") is not None:
        return str(dict(context["form"].errors))
    return str(response.status_code)


@pytest.mark.parametrize(
    ("name", "field", "message"), REFUSED_FIELDS, ids=[f"{n}-{f}" for n, f, _m in REFUSED_FIELDS]
)
def test_markup_in_a_field_with_a_format_is_refused_and_nothing_is_saved(client, world, name, field, message):
    """R-6.1, R-2.2, DESIGN.md invariant 8: a phone number, a credit code, a user name have a
    format; markup there is refused in Chinese on the field, and nothing is saved."""
    form = open_form(client, world, name)
    payload = payload_for(form, field)
    with Unchanged():
        response = post_form(client, world, name, form, {field: payload})
        hostile.refused_on_form(response, message, field=field)
        assert_escaped(page(response), payload, "the form shown again")


# --- Every text field is in the table ------------------------------------------------------------


def is_text(field: forms.Field) -> bool:
    return isinstance(field, forms.CharField) and not isinstance(
        field.widget, forms.HiddenInput | forms.PasswordInput
    )


def portal_form_classes():
    for app in hostile.SNAPSHOT_APPS:
        package = importlib.import_module(app)
        for info in pkgutil.walk_packages(package.__path__, f"{app}."):
            if ".migrations" in info.name or info.name.endswith(("demo", "demo_work")):
                continue
            module = importlib.import_module(info.name)
            for _name, cls in inspect.getmembers(module, inspect.isclass):
                if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                    yield cls


def test_every_text_field_is_in_the_table(client, world):
    """Issue 8 §5: each text field of each Form class of the portal is typed into on some page
    above, or exempted with a reason; a field a page's form builds at run time (a seat's row of
    the meeting form, a bulletin's header) counts under its form class too."""
    seat = str(world.a.membership.pk)
    tested = {(n, resolve(f, world)) for n, f in TEXT_FIELDS} | {(n, f) for n, f, _m in REFUSED_FIELDS}
    covered, offered = set(), {}
    for name in PAGES:
        sign_in(client, world, name)  # outside the savepoint: the session must outlive it
        with transaction.atomic():  # each page's state apart
            form = open_form(client, world, name, signed_in=True)
            transaction.set_rollback(True)
        for field_name, field in form.fields.items():
            if is_text(field):
                key = (type(form).__name__, field_name.replace(seat, "<seat>"))
                offered.setdefault(key, f"{name}.{field_name}")
                if (name, field_name) in tested:
                    covered.add(key)
    missing = [where for key, where in offered.items() if key not in covered | EXEMPT.keys()]
    for cls in portal_form_classes():
        for field_name, field in cls.base_fields.items():
            key = (cls.__name__, field_name)
            if is_text(field) and key not in covered | EXEMPT.keys():
                missing.append(f"{cls.__module__}.{cls.__name__}.{field_name}")
    assert not missing, f"text fields neither tested nor exempted: {sorted(missing)}"


def test_a_point_rules_note_is_text(client, world):
    """R-1.10: the city office's note on a points rule, posted with the whole rule table, is
    saved as typed and shown escaped on the rule list."""
    client.force_login(world.users[Role.CITY_OFFICE])
    rows = client.get(reverse("point_rule_edit")).context["rows"]
    data = {}
    for row in rows:
        for field_name in row.fields:
            value = value_of(row[field_name])
            if value not in ("", None):
                data[row.add_prefix(field_name)] = value
    data[rows[0].add_prefix("note")] = PAYLOAD
    response = client.post(reverse("point_rule_edit"), data)
    assert response.status_code == 302
    assert rows_holding(PAYLOAD) == 1
    assert_escaped(page(client.get(reverse("point_rule_list"))), PAYLOAD, "the rule list")


# --- Text that reaches a PDF ---------------------------------------------------------------------
# The bulletin's title, recipients, commentary, a council's name and a model case's story, a unit's
# name in the ranking report and an entry's description in the statement are covered next to those
# documents (tests/assessments/test_bulletins.py, test_reports.py, tests/finance/test_statements.py);
# these are the fields that reach a PDF and were not.


def pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "document.pdf"
    path.write_bytes(content)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout
    return re.sub(r"\s+", "", out)


def printed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_a_bulletins_issuer_recipients_and_compiled_text_are_printed_as_text(client, world, tmp_path):
    """R-6.3, DESIGN.md invariant 7: the issuing office, the copy recipients and the compiled
    parts (overview, praise, problems) edited on the page are printed literally in the PDF."""
    fields = ("issuer", "copy_recipients", "overview", "praise", "problems")
    typed = {name: f"{name}{SHORT_PAYLOAD}" for name in fields}
    response = submit(client, world, "bulletin_edit", typed)
    assert response.status_code == 302
    bulletin = world.a.bulletin
    assert bulletins.bulletin_run(bulletin_id=bulletin.pk) == Bulletin.State.READY
    bulletin.refresh_from_db()
    text = pdf_text(bulletin.file.read(), tmp_path)
    for name, value in typed.items():
        assert printed(value) in text, name


@pytest.mark.parametrize("document", ["survey_poster", "statement_pdf"])
def test_a_name_reaching_a_poster_or_a_statement_is_printed_as_text(client, world, tmp_path, document):
    """R-6.2, R-1.5, DESIGN.md invariant 7: a community's name on its survey poster, and a
    donor's name in the fund's statement, are printed literally."""
    if document == "survey_poster":
        name = f"甲{SHORT_PAYLOAD}"
        response = submit(client, world, "community_update", {"name": name})
        url = reverse("survey_poster", args=[world.a.community.pk])
    else:
        name = PAYLOAD
        response = submit(client, world, "donation_person", {"counterparty": name})
        url = reverse("statement_pdf", args=[world.a.council.pk])
    assert response.status_code == 302
    pdf = client.get(url)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert printed(name) in pdf_text(pdf.content, tmp_path)
