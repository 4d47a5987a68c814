"""Staff pages of the surveys (R-6.2): rounds and questionnaire versions (the city office sets
them, every signed-in role may read them), QR posters per community, and the anonymised answers
as .xlsx for the city office. Results are in views_results.py, the residents' page in
views_public.py.

A missing capability is a 403 before anything is fetched; a community outside the scope a 404.
Rounds and questionnaires belong to the whole city (like assessment periods and rubrics), so
they are read without a scope.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import DetailView, FormView, ListView, View

from councils.exports import content_disposition, xlsx_response
from councils.models import Community
from councils.pdf import render_pdf
from councils.periods import HalfYear, today
from councils.roles import Capability
from councils.scoping import has_capability
from councils.selectors import count_of
from councils.views.base import PAGE_SIZE, LoadsObject, ScopedMixin, form_errors

from . import services
from .forms import QuestionForm, ReviseForm, RoundForm
from .models import Answer, Question, Questionnaire, Rate, Response, Round
from .posters import base_url_problem, is_local, poster_round, qr_data_uri, survey_path, survey_url


def half_year_defaults(day: date) -> dict:
    """A new round's suggested name and dates: the rest of the current half-year."""
    half = HalfYear.of(day)
    return {
        "name": _("%(year)d年%(half)s居民意见调查") % {"year": half.year, "half": half.name},
        "opens_on": day,
        "closes_on": half.last_day,
    }


# --- Rounds ----------------------------------------------------------------------------------------


class RoundListView(ScopedMixin, ListView):
    template_name = "surveys/round_list.html"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        # Answers counted within the user's scope only.
        return Round.objects.select_related("questionnaire").annotate(
            n_responses=count_of(Response.objects.visible_to(self.request.user), "round")
        )

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "can_manage": has_capability(self.request.user, Capability.MANAGE_SURVEYS),
            "today": today(),
        }


class RoundDetailView(ScopedMixin, DetailView):
    template_name = "surveys/round_detail.html"
    context_object_name = "round"

    def get_queryset(self):
        return Round.objects.select_related("questionnaire", "created_by").prefetch_related(
            Prefetch("questionnaire__questions", queryset=Question.objects.order_by("order", "pk"))
        )

    def get_context_data(self, **kwargs):
        user = self.request.user
        round = self.object
        return {
            **super().get_context_data(**kwargs),
            "questions": list(round.questionnaire.questions.all()),
            "n_responses": Response.objects.visible_to(user).filter(round=round).count(),
            "n_communities": Response.objects.visible_to(user)
            .filter(round=round)
            .values("community")
            .distinct()
            .count(),
            "can_manage": has_capability(user, Capability.MANAGE_SURVEYS),
            "can_export": has_capability(user, Capability.EXPORT_ANSWERS),
        }


class RoundFormMixin(ScopedMixin):
    capability = Capability.MANAGE_SURVEYS
    template_name = "surveys/round_form.html"
    form_class = RoundForm

    def save(self, form) -> Round:
        raise NotImplementedError

    def form_valid(self, form):
        try:
            round = self.save(form)
        except ValidationError as error:
            form_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("已保存调查轮次“%(name)s”。") % {"name": round.name})
        return HttpResponseRedirect(round.get_absolute_url())


class RoundCreateView(RoundFormMixin, FormView):
    def get_initial(self):
        services.questionnaire_ensure_default()
        return {
            **half_year_defaults(today()),
            "questionnaire": Questionnaire.objects.order_by("-version").first(),
        }

    def save(self, form) -> Round:
        return services.round_create(**form.cleaned_data, by=self.request.user)


class RoundUpdateView(RoundFormMixin, LoadsObject, FormView):
    def load(self):
        self.round = get_object_or_404(Round.objects.select_related("questionnaire"), pk=self.kwargs["pk"])

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "instance": self.round,
            "locked_questionnaire": self.round.responses.exists(),
        }

    def save(self, form) -> Round:
        return services.round_update(round=self.round, by=self.request.user, **form.cleaned_data)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "round": self.round}


class AnswersExportView(ScopedMixin, LoadsObject, View):
    """The round's answers as .xlsx for the city office (R-6.2), anonymised: one line per
    response with its community and the day it came in, no time of day, no device or address
    hash, free text already without phone or ID numbers."""

    capability = Capability.EXPORT_ANSWERS

    def load(self):
        self.round = get_object_or_404(Round.objects.select_related("questionnaire"), pk=self.kwargs["pk"])

    def get(self, request, *args, **kwargs):
        questions = list(self.round.questionnaire.questions.order_by("order", "pk"))
        responses = (
            Response.objects.visible_to(request.user, self.capability)
            .filter(round=self.round)
            .select_related("community__street__district")
            .prefetch_related(
                Prefetch(
                    "answers", queryset=Answer.objects.only("response_id", "question_id", "choice", "text")
                )
            )
            .order_by("community__street__district__name", "community__street__name", "community__name", "pk")
        )
        by_pk = {q.pk: q for q in questions}

        def answer_of(question):
            def get(row):
                for answer in row.answers.all():
                    if answer.question_id == question.pk:
                        answer.question = by_pk[question.pk]
                        return answer.label
                return ""

            return get

        counter = iter(range(1, 10**9))
        columns = [
            (_("序号"), lambda row: next(counter)),
            (_("区"), lambda row: row.community.street.district.name),
            (_("街道/镇"), lambda row: row.community.street.name),
            (_("社区"), lambda row: row.community.name),
            (_("提交日期"), lambda row: timezone.localdate(row.submitted_at)),
            (_("状态"), lambda row: row.get_state_display()),
            *[(f"{n}. {q.text}", answer_of(q)) for n, q in enumerate(questions, 1)],
        ]
        return xlsx_response(
            filename=_("%(name)s_匿名答卷_%(day)s.xlsx")
            % {"name": self.round.name, "day": today().strftime("%Y%m%d")},
            title=_("匿名答卷"),
            columns=columns,
            rows=responses.iterator(chunk_size=2000),
        )


# --- Questionnaires ------------------------------------------------------------------------------


class QuestionnaireListView(ScopedMixin, ListView):
    template_name = "surveys/questionnaire_list.html"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        services.questionnaire_ensure_default()  # writes only into an emptied table
        return Questionnaire.objects.annotate(
            n_questions=count_of(Question.objects.all(), "questionnaire"),
            n_rounds=count_of(Round.objects.all(), "questionnaire"),
        ).order_by("-version")

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "can_manage": has_capability(self.request.user, Capability.MANAGE_SURVEYS),
        }


class QuestionnaireDetailView(ScopedMixin, DetailView):
    template_name = "surveys/questionnaire_detail.html"
    context_object_name = "questionnaire"

    def get_queryset(self):
        return Questionnaire.objects.select_related("created_by").prefetch_related(
            Prefetch("questions", queryset=Question.objects.order_by("order", "pk")),
            Prefetch("rounds", queryset=Round.objects.order_by("-opens_on")),
        )

    def get_context_data(self, **kwargs):
        questionnaire = self.object
        rounds = list(questionnaire.rounds.all())
        can_manage = has_capability(self.request.user, Capability.MANAGE_SURVEYS)
        return {
            **super().get_context_data(**kwargs),
            "questions": list(questionnaire.questions.all()),
            "rounds": rounds,
            "frozen": bool(rounds),
            "missing": [Rate(rate).label for rate in questionnaire.missing_rates()],
            "can_manage": can_manage,
            "editable": can_manage and not rounds,
        }


class QuestionnaireReviseView(ScopedMixin, LoadsObject, FormView):
    """A new version from this one, after a confirmation (the old version stays as it is)."""

    capability = Capability.MANAGE_SURVEYS
    template_name = "councils/confirm.html"
    form_class = ReviseForm

    def load(self):
        self.questionnaire = get_object_or_404(Questionnaire, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "title": _("修订问卷"),
            "question": _("将以“%(name)s”为底稿建立新版本，原版本及使用它的调查轮次保持不变。")
            % {"name": self.questionnaire},
            "cancel_url": self.questionnaire.get_absolute_url(),
        }

    def form_valid(self, form):
        revised = services.questionnaire_revise(
            source=self.questionnaire, note=form.cleaned_data["note"], by=self.request.user
        )
        messages.success(self.request, _("已建立新版本，请修改题目后再用于新的调查轮次。"))
        return HttpResponseRedirect(revised.get_absolute_url())


class QuestionFormMixin(ScopedMixin, LoadsObject):
    capability = Capability.MANAGE_SURVEYS
    template_name = "surveys/question_form.html"
    form_class = QuestionForm

    def frozen_redirect(self):
        messages.error(
            self.request,
            _("问卷第%(version)d版已被调查轮次使用，不能再修改；请修订为新版本。")
            % {"version": self.questionnaire.version},
        )
        return HttpResponseRedirect(self.questionnaire.get_absolute_url())

    def get(self, request, *args, **kwargs):
        if self.questionnaire.is_frozen:
            return self.frozen_redirect()
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.question}

    def form_valid(self, form):
        try:
            services.question_save(question=form.instance, by=self.request.user)
        except ValidationError as error:
            if hasattr(error, "error_dict") and "options" in error.error_dict:
                error.error_dict["options_text"] = error.error_dict.pop("options")
            form_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("已保存题目。"))
        return HttpResponseRedirect(self.questionnaire.get_absolute_url())

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "questionnaire": self.questionnaire}


class QuestionCreateView(QuestionFormMixin, FormView):
    def load(self):
        self.questionnaire = get_object_or_404(Questionnaire, pk=self.kwargs["pk"])
        last = self.questionnaire.questions.order_by("-order").values_list("order", flat=True).first()
        self.question = Question(
            questionnaire=self.questionnaire, order=(last or 0) + 1, kind=Question.Kind.CHOICE
        )


class QuestionUpdateView(QuestionFormMixin, FormView):
    def load(self):
        self.question = get_object_or_404(
            Question.objects.select_related("questionnaire"), pk=self.kwargs["pk"]
        )
        self.questionnaire = self.question.questionnaire


# --- Posters -------------------------------------------------------------------------------------------


class PosterListView(ScopedMixin, ListView):
    """The communities whose posters the user may print, with this round's answers so far."""

    capability = Capability.PRINT_POSTERS
    template_name = "surveys/poster_list.html"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        self.round = poster_round()
        communities = self.scoped(Community).select_related("street__district")
        if self.round is not None:
            communities = communities.annotate(
                n_responses=count_of(Response.objects.filter(round=self.round), "community")
            )
        return communities.order_by("street__district__name", "street__name", "name", "pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.round is not None:
            for community in context["page_obj"].object_list:
                community.survey_path = survey_path(community, self.round)
        return {
            **context,
            "round": self.round,
            "address_problem": poster_address_problem(self.request),
        }


def poster_address_problem(request) -> dict | None:
    """What is wrong with the address a poster would carry, for the pages to say: with DEBUG off
    a missing or local PORTAL_BASE_URL stops printing ("refuse"); in development a poster that
    points at this machine is printed with a warning ("warn")."""
    if not settings.DEBUG:
        return {"refuse": True} if base_url_problem() else None
    base = (getattr(settings, "PORTAL_BASE_URL", "") or "").strip()
    url = base or request.build_absolute_uri("/")
    return {"refuse": False, "address": url} if is_local(url) else None


class PosterView(ScopedMixin, LoadsObject, View):
    """An A4 poster with the community's name and the QR code of its survey page for the open
    round (or the next one), R-6.2. With DEBUG off it is printed only for a public
    PORTAL_BASE_URL (issue 14 §6); a demo poster pointing at this machine says so on the page."""

    capability = Capability.PRINT_POSTERS

    def load(self):
        self.community = get_object_or_404(
            self.scoped(Community).select_related("street__district"), pk=self.kwargs["pk"]
        )

    def refuse(self, title: str, text: str, status: int):
        return render(
            self.request,
            "surveys/poster_refused.html",
            {"title": title, "text": text, "community": self.community},
            status=status,
        )

    def get(self, request, *args, **kwargs):
        problem = poster_address_problem(request)
        if problem and problem["refuse"]:
            return self.refuse(
                _("暂不能打印海报"),
                _(
                    "门户尚未设置居民手机能够访问的公网地址，海报上的二维码将无法打开。"
                    "请系统管理员设置门户的公网地址（PORTAL_BASE_URL）后再打印。"
                ),
                status=503,
            )
        round = poster_round()
        if round is None:
            return self.refuse(
                _("暂无调查轮次"),
                _(
                    "目前没有进行中或即将开始的调查轮次。海报的二维码只对一轮调查有效，请在市文明办设置轮次后再打印。"
                ),
                status=200,
            )
        url = survey_url(request, self.community, round)
        pdf = render_pdf(
            "pdf/survey_poster.html",
            {
                "community": self.community,
                "url": url,
                "qr": qr_data_uri(url),
                "round": round,
                "local_address": bool(problem),
            },
        )
        response = HttpResponse(pdf, content_type="application/pdf")
        filename = _("%(name)s_调查二维码海报.pdf") % {"name": self.community.name}
        response["Content-Disposition"] = content_disposition(filename, inline=True)
        response["Cache-Control"] = "private, no-store"
        return response
