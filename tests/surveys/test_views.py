"""The city office's pages for rounds and questionnaire versions (R-6.2): set a round, revise
the questionnaire as a new version, edit only versions no round has used."""

from datetime import timedelta

import pytest
from django.urls import reverse

from councils.periods import today
from councils.roles import Role
from surveys import services
from surveys.models import Question, Questionnaire, Rate, Response, Round

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(role_users, client):
    client.force_login(role_users[Role.CITY_OFFICE])
    return client


@pytest.mark.dates
def test_the_city_office_sets_a_round_from_the_form(city, role_users):
    Response.objects.all().delete()
    Round.objects.all().delete()
    form = city.get(reverse("survey_round_create"))
    assert form.status_code == 200
    initial = form.context["form"].initial
    assert "居民意见调查" in initial["name"] and initial["opens_on"] == today()
    questionnaire = Questionnaire.objects.order_by("-version").first()
    response = city.post(
        reverse("survey_round_create"),
        {
            "name": "2026年第四季度居民意见调查",
            "questionnaire": questionnaire.pk,
            "opens_on": today().isoformat(),
            "closes_on": (today() + timedelta(days=20)).isoformat(),
            "min_sample": 25,
        },
    )
    round = Round.objects.get()
    assert response.status_code == 302 and response.url == round.get_absolute_url()
    assert (round.min_sample, round.questionnaire, round.created_by) == (
        25,
        questionnaire,
        role_users[Role.CITY_OFFICE],
    )
    page = city.get(round.get_absolute_url()).content.decode()
    assert "2026年第四季度居民意见调查" in page and "进行中" in page
    for q in questionnaire.questions.all():
        assert q.text in page


@pytest.mark.dates
def test_an_overlapping_round_is_refused_on_the_form_with_the_reason(city):
    day = today()
    existing = Round.current() or services.round_create(
        name="已有轮次", opens_on=day, closes_on=day + timedelta(days=9), by=None
    )
    response = city.post(
        reverse("survey_round_create"),
        {
            "name": "重叠的轮次",
            "questionnaire": existing.questionnaire.pk,
            "opens_on": existing.opens_on.isoformat(),
            "closes_on": existing.closes_on.isoformat(),
            "min_sample": 30,
        },
    )
    assert response.status_code == 200
    assert "时间重叠" in response.content.decode()
    assert not Round.objects.filter(name="重叠的轮次").exists()


def test_a_used_version_cannot_be_edited_and_a_revision_can(city, side_a):
    day = today()
    round = Round.current() or services.round_create(name="轮次", opens_on=day, closes_on=day, by=None)
    question = round.questionnaire.questions.get(rate=Rate.SATISFACTION)
    # The frozen version sends the editor back with the reason.
    response = city.get(reverse("question_update", args=[question.pk]), follow=True)
    assert "已被调查轮次使用，不能再修改" in response.content.decode()
    response = city.post(
        reverse("question_update", args=[question.pk]),
        {
            "order": 5,
            "rate": "satisfaction",
            "kind": "scale",
            "text": "改",
            "options_text": "\n".join(question.options),
            "positive_options": 2,
        },
    )
    assert response.status_code == 200 and "不能再修改" in response.content.decode()
    assert Question.objects.get(pk=question.pk).text != "改"

    # Revise: a new version to edit.
    page = city.get(reverse("questionnaire_revise", args=[round.questionnaire.pk]))
    assert page.status_code == 200 and "建立新版本" in page.content.decode()
    response = city.post(
        reverse("questionnaire_revise", args=[round.questionnaire.pk]), {"note": "调整满意率措辞"}
    )
    revised = Questionnaire.objects.order_by("-version").first()
    assert response.url == revised.get_absolute_url() and revised.note == "调整满意率措辞"
    copy = revised.questions.get(rate=Rate.SATISFACTION)
    response = city.post(
        reverse("question_update", args=[copy.pk]),
        {
            "order": copy.order,
            "rate": "satisfaction",
            "kind": "scale",
            "text": "您对本社区共建工作满意吗？",
            "options_text": "很满意\n满意\n一般\n不满意\n很不满意",
            "positive_options": 2,
        },
    )
    assert response.status_code == 302
    copy.refresh_from_db()
    assert copy.text == "您对本社区共建工作满意吗？" and copy.options[0] == "很满意" and copy.required


def test_a_question_with_the_wrong_number_of_options_is_refused_on_its_field(city):
    revised = services.questionnaire_revise(source=services.questionnaire_ensure_default(), note="", by=None)
    response = city.post(
        reverse("question_create", args=[revised.pk]),
        {"order": 9, "rate": "", "kind": "choice", "text": "您家有几口人？", "options_text": "只有一个"},
    )
    assert response.status_code == 200
    assert "单选题须有 2 至 10 个选项" in str(response.context["form"].errors["options_text"])
    response = city.post(
        reverse("question_create", args=[revised.pk]),
        {
            "order": 9,
            "rate": "",
            "kind": "choice",
            "text": "您家有几口人？",
            "options_text": "1人\n2人\n3人及以上",
        },
    )
    assert response.status_code == 302
    assert revised.questions.get(order=9).options == ["1人", "2人", "3人及以上"]


def test_other_roles_read_rounds_and_questionnaires_but_do_not_set_them(client, role_users):
    client.force_login(role_users[Role.STREET_STAFF])
    page = client.get(reverse("survey_round_list")).content.decode()
    assert reverse("survey_round_create") not in page
    assert client.get(reverse("survey_round_create")).status_code == 403
    questionnaire = services.questionnaire_ensure_default()
    assert client.get(reverse("questionnaire_detail", args=[questionnaire.pk])).status_code == 200
    assert (
        client.post(reverse("questionnaire_revise", args=[questionnaire.pk]), {"note": "x"}).status_code
        == 403
    )
