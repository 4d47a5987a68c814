"""The residents' page (R-6.2): one per community, no sign-in, reached from the QR code on the
community's poster. Made for a phone first, in Chinese, and anonymous: nothing asks who the
resident is. CSRF protection stays on (the page sets its cookie when it is opened).

Refusals say why, in the page itself:
- the device already answered in this round: 200, with a thank-you and the reason (this is an
  ordinary moment for a resident who scans the poster twice, not an error);
- too many answers from one network address: 429 Too Many Requests with Retry-After, the page
  saying how many minutes to wait;
- the poster's link names a round that has not begun, the round closed since the page was
  opened, cookies refused: 200, with the reason;
- a link the portal did not sign (a forged or mistyped token, or the bare community number of
  older posters), or the link of a round that is over: 404, with a page that says so.
A form with a missing answer comes back with the answers kept and the gap marked.
See surveys.guard for the device token and the limits.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
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
from .posters import read_token


class LinkMixin:
    """Reads the poster's token: the community and the round it names (surveys.posters). A token
    the portal did not sign, or whose community or round is gone, or whose round is over, gets
    a page that says so, with 404; a round that has not begun yet, a page that says when."""

    message_template = "surveys/public_message.html"

    def dispatch(self, request, *args, **kwargs):
        link = read_token(kwargs["token"])
        self.community = self.round = None
        if link is not None:
            self.community = (
                Community.objects.select_related("street__district").filter(pk=link.community_id).first()
            )
            self.round = Round.objects.select_related("questionnaire").filter(pk=link.round_id).first()
        if self.community is None or self.round is None:
            self.community = None
            return self.message(
                title=_("二维码链接无效"),
                text=_("这个链接无法识别，可能抄错了或已被改动。请用手机重新扫描社区张贴的调查二维码。"),
                kind="warning",
                status=404,
            )
        status = self.round.status
        if status == Round.Status.CLOSED and request.method == "POST":
            # The page was opened before the close: the resident is told, as an answer (200).
            return self.message(
                title=_("未能提交"),
                text=_("本轮调查已于 %(date)s 结束，感谢您的关注。")
                % {"date": self.round.closes_on.isoformat()},
                kind="warning",
            )
        if status == Round.Status.CLOSED:
            return self.message(
                title=_("本轮调查已结束"),
                text=_("这张海报属于“%(name)s”，该轮调查已于 %(date)s 结束。请扫描社区最新张贴的调查二维码。")
                % {"name": self.round.name, "date": self.round.closes_on.isoformat()},
                kind="warning",
                status=404,
            )
        if status == Round.Status.SCHEDULED:
            return self.message(
                title=_("调查尚未开始"),
                text=_("本轮调查将于 %(date)s 开始，请届时再来填写。")
                % {"date": self.round.opens_on.isoformat()},
            )
        return super().dispatch(request, *args, **kwargs)

    def message(self, *, title: str, text: str, kind: str = "info", status: int = 200, round=None):
        return render(
            self.request,
            self.message_template,
            {"community": self.community, "title": title, "text": text, "kind": kind, "round": round},
            status=status,
        )


@method_decorator(never_cache, name="dispatch")
class SurveyView(LinkMixin, View):
    template_name = "surveys/public_form.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.token = guard.device_token(request)
        self.new_token = None

    def dispatch(self, request, *args, **kwargs):
        if self.token is None and request.method == "GET":
            self.token = self.new_token = guard.new_device_token()
        response = super().dispatch(request, *args, **kwargs)
        if self.new_token:
            guard.set_device_cookie(response, self.new_token)
        return response

    def questions(self, round: Round) -> list[Question]:
        return list(round.questionnaire.questions.order_by("order", "pk"))

    def form_page(self, round: Round, form: AnswerForm, status: int = 200):
        return render(
            self.request,
            self.template_name,
            {"community": self.community, "round": round, "form": form},
            status=status,
        )

    def already(self, round: Round):
        return self.message(
            title=_("您已参与本轮调查"),
            text=_("这台设备已经参与过本轮调查，每台设备每轮只能填写一次。感谢您的支持！"),
            kind="success",
            round=round,
        )

    def get(self, request, *args, **kwargs):
        round = self.round
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
        round = self.round  # the poster's round; the form's hidden field decides nothing
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
        return HttpResponseRedirect(reverse("survey_thanks", args=[self.kwargs["token"]]))


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
class ThanksView(LinkMixin, View):
    def get(self, request, token):
        return self.message(
            title=_("提交成功，感谢您的参与！"),
            text=_("您的意见已匿名记录，将用于改进社区共建工作。"),
            kind="success",
        )
