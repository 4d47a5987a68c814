"""The residents' page (R-6.2): one per community, no sign-in, reached from the QR code on the
community's poster. Made for a phone first, in Chinese, and anonymous: nothing asks who the
resident is. CSRF protection stays on (the page sets its cookie when it is opened).

Refusals say why, in the page itself:
- the device already answered in this round: 200, with a thank-you and the reason (this is an
  ordinary moment for a resident who scans the poster twice, not an error);
- too many answers from one network address: 429 Too Many Requests with Retry-After, the page
  saying how many minutes to wait;
- no round open, the round closed since the page was opened, cookies refused: 200, with the
  reason. A form with a missing answer comes back with the answers kept and the gap marked.
See surveys.guard for the device token and the limits.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.generic import View

from councils.models import Community
from councils.views.base import form_errors

from . import guard, services
from .forms import AnswerForm
from .models import Question, Response, Round


@method_decorator(never_cache, name="dispatch")
class SurveyView(View):
    template_name = "surveys/public_form.html"
    message_template = "surveys/public_message.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.token = guard.device_token(request)
        self.new_token = None

    def dispatch(self, request, *args, **kwargs):
        self.community = get_object_or_404(
            Community.objects.select_related("street__district"), pk=kwargs["pk"]
        )
        response = super().dispatch(request, *args, **kwargs)
        if self.new_token:
            guard.set_device_cookie(response, self.new_token)
        return response

    def questions(self, round: Round) -> list[Question]:
        return list(round.questionnaire.questions.order_by("order", "pk"))

    def message(self, *, title: str, text: str, kind: str = "info", status: int = 200, round=None):
        return render(
            self.request,
            self.message_template,
            {"community": self.community, "title": title, "text": text, "kind": kind, "round": round},
            status=status,
        )

    def form_page(self, round: Round, form: AnswerForm, status: int = 200):
        return render(
            self.request,
            self.template_name,
            {"community": self.community, "round": round, "form": form},
            status=status,
        )

    def no_round(self):
        return self.message(
            title=_("暂无进行中的调查"),
            text=_("本社区目前没有进行中的居民意见调查，请留意社区通知。感谢您的关注！"),
        )

    def already(self, round: Round):
        return self.message(
            title=_("您已参与本轮调查"),
            text=_("这台设备已经参与过本轮调查，每台设备每轮只能填写一次。感谢您的支持！"),
            kind="success",
            round=round,
        )

    def get(self, request, *args, **kwargs):
        round = Round.current()
        if self.token is None:
            self.token = self.new_token = guard.new_device_token()
        if round is None:
            return self.no_round()
        if Response.objects.filter(round=round, device_hash=guard.device_hash(round.pk, self.token)).exists():
            return self.already(round)
        return self.form_page(round, AnswerForm(questions=self.questions(round)))

    def post(self, request, *args, **kwargs):
        refusal = guard.take_turn(guard.client_address(request))
        if refusal is not None:
            response = self.message(
                title=_("提交过于频繁"),
                text=_(
                    "来自您所在网络的提交次数过多（%(window)s最多 %(limit)d 次），"
                    "请 %(minutes)d 分钟后再试。"
                    "与家人或邻居共用网络时也可能出现这种情况，请稍后再填写。"
                )
                % {
                    "window": window_name(refusal.window),
                    "limit": refusal.limit,
                    "minutes": refusal.minutes,
                },
                kind="warning",
                status=429,
            )
            response["Retry-After"] = str(refusal.retry_after)
            return response
        posted = request.POST.get("round", "")
        round = (
            Round.objects.select_related("questionnaire").filter(pk=posted).first()
            if posted.isdigit()
            else None
        ) or Round.current()
        if round is None:
            return self.no_round()
        form = AnswerForm(request.POST, questions=self.questions(round))
        if not form.is_valid():
            return self.form_page(round, form)
        try:
            services.response_submit(
                round=round,
                community=self.community,
                answers=form.answers(),
                device_token=self.token,
                address=guard.client_address(request),
            )
        except ValidationError as error:
            if error.code == services.ALREADY_ANSWERED:
                return self.already(round)
            if error.code in (services.ROUND_CLOSED, services.NO_DEVICE):
                return self.message(title=_("未能提交"), text=" ".join(error.messages), kind="warning")
            form_errors(form, error)
            return self.form_page(round, form)
        return HttpResponseRedirect(reverse("survey_thanks", args=[self.community.pk]))


def window_name(seconds: int) -> str:
    """ "10 分钟内", "一天内", "2 小时内"."""
    if seconds == 86400:
        return _("一天内")
    if seconds % 86400 == 0:
        return _("%(n)d 天内") % {"n": seconds // 86400}
    if seconds % 3600 == 0:
        return _("%(n)d 小时内") % {"n": seconds // 3600}
    return _("%(n)d 分钟内") % {"n": max(1, seconds // 60)}


@method_decorator(never_cache, name="dispatch")
class ThanksView(View):
    def get(self, request, pk):
        community = get_object_or_404(Community, pk=pk)
        return render(
            request,
            "surveys/public_message.html",
            {
                "community": community,
                "title": _("提交成功，感谢您的参与！"),
                "text": _("您的意见已匿名记录，将用于改进社区共建工作。"),
                "kind": "success",
                "thanks": True,
            },
        )
