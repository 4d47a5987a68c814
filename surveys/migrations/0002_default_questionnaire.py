"""The default questionnaire ships with the portal, in Chinese (R-6.2): one question per rate and
three optional ones (see surveys/defaults.py)."""

from django.db import migrations


def load(apps, schema_editor):
    from surveys.defaults import DEFAULT_QUESTIONS, QUESTIONNAIRE_NAME, QUESTIONNAIRE_NOTE

    Questionnaire = apps.get_model("surveys", "Questionnaire")
    Question = apps.get_model("surveys", "Question")
    if Questionnaire.objects.exists():
        return
    questionnaire = Questionnaire.objects.create(name=QUESTIONNAIRE_NAME, version=1, note=QUESTIONNAIRE_NOTE)
    Question.objects.bulk_create(
        Question(
            questionnaire=questionnaire,
            order=order,
            rate=rate,
            kind=kind,
            text=text,
            options=list(options),
            positive_options=positive,
            required=required,
        )
        for order, (rate, kind, text, options, positive, required) in enumerate(DEFAULT_QUESTIONS, 1)
    )


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_surveys_rounds_questions_answers")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
