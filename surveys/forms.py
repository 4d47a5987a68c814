"""Forms of the surveys: rounds and questions for the city office, and the residents' answer
form built from a round's questionnaire."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from councils.text_limits import NOTE, limited

from .models import Question, Questionnaire, Round

DATE_INPUT = {"type": "date"}


class RoundForm(forms.ModelForm):
    class Meta:
        model = Round
        fields = ["name", "questionnaire", "opens_on", "closes_on", "min_sample"]
        widgets = {
            "opens_on": forms.DateInput(DATE_INPUT, format="%Y-%m-%d"),
            "closes_on": forms.DateInput(DATE_INPUT, format="%Y-%m-%d"),
        }

    def __init__(self, *args, locked_questionnaire: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["questionnaire"]
        field.queryset = Questionnaire.objects.order_by("-version")
        field.empty_label = None
        if locked_questionnaire:
            field.disabled = True
            field.help_text = _("本轮已有答卷，问卷版本不能再更换。")

    def _post_clean(self):
        # The service runs the model's checks (with the overlap and completeness rules) on save.
        pass


class QuestionForm(forms.ModelForm):
    """Options are typed one per line, the positive ones first."""

    options_text = limited(
        forms.CharField(
            label=_("选项"),
            required=False,
            widget=forms.Textarea(attrs={"rows": 5}),
            help_text=_("每行一个选项；五率题目把计为肯定的选项放在最前面。文字意见题留空。"),
        ),
        NOTE,
    )

    class Meta:
        model = Question
        fields = ["order", "rate", "kind", "text", "options_text", "positive_options", "required"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["positive_options"].required = False  # only rate questions have a positive side
        if self.instance.pk:
            self.fields["options_text"].initial = "\n".join(self.instance.options)

    def clean(self):
        data = super().clean()
        if data.get("positive_options") is None:
            data["positive_options"] = 0
        self.instance.options = [
            line.strip() for line in data.get("options_text", "").splitlines() if line.strip()
        ]
        return data

    def _post_clean(self):
        # Copy the fields onto the instance; the service runs full_clean() and reports by field.
        forms.models.construct_instance(self, self.instance, self._meta.fields, self._meta.exclude)


class ReviseForm(forms.Form):
    note = limited(
        forms.CharField(
            label=_("修订说明"),
            widget=forms.Textarea(attrs={"rows": 3}),
            max_length=500,
            help_text=_("说明为什么修订，例如：调整满意率题目的措辞。"),
        )
    )


class AnswerForm(forms.Form):
    """One field per question of the round's questionnaire: big radio buttons for the choices,
    a short text box for the suggestion. Nothing asks who the resident is."""

    def __init__(self, *args, questions: list[Question], **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for number, q in enumerate(questions, 1):
            label = f"{number}. {q.text}"
            if q.kind == Question.Kind.TEXT:
                self.fields[f"q{q.pk}"] = limited(
                    forms.CharField(
                        label=label,
                        required=q.required,
                        widget=forms.Textarea(attrs={"rows": 3}),
                    ),
                    Question.TEXT_LENGTH,
                )
            else:
                self.fields[f"q{q.pk}"] = forms.TypedChoiceField(
                    label=label,
                    required=q.required,
                    choices=list(enumerate(q.options)),
                    coerce=int,
                    widget=forms.RadioSelect,
                    error_messages={
                        "required": _("请选择一项。"),
                        "invalid_choice": _("请从给出的选项中选择。"),
                    },
                )
            self.fields[f"q{q.pk}"].question = q

    def answers(self) -> dict[int, object]:
        return {q.pk: self.cleaned_data.get(f"q{q.pk}") for q in self.questions}

    def bound_questions(self):
        for q in self.questions:
            yield q, self[f"q{q.pk}"]


class ReviewForm(forms.Form):
    """Accept or reject answers held as a burst (issue 14 §6): the reviewer ticks the answers,
    chooses, and confirms."""

    DECISIONS = [("accept", _("采纳：计入本社区的五率")), ("reject", _("剔除：不计入五率"))]

    responses = forms.ModelMultipleChoiceField(
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        label=_("待审核答卷"),
        error_messages={
            "required": _("请至少选择一份答卷。"),
            "invalid_choice": _("所选答卷已不在待审核之列。"),
        },
    )
    decision = forms.ChoiceField(
        choices=DECISIONS,
        widget=forms.RadioSelect,
        label=_("处理"),
        error_messages={"required": _("请选择采纳或剔除。")},
    )
    confirm = forms.BooleanField(
        label=_("我已核对所选答卷，确认按上面的选择处理"),
        error_messages={"required": _("请勾选确认后再提交。")},
    )

    def __init__(self, *args, held, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responses"].queryset = held
