"""The default 100-point rubric and the dynamic-points rules ship with the portal (R-1.9, R-1.10)."""

from django.db import migrations


def load(apps, schema_editor):
    from assessments.defaults import DEFAULT_CRITERIA, DEFAULT_POINT_RULES, RUBRIC_NAME

    Rubric = apps.get_model("assessments", "Rubric")
    Criterion = apps.get_model("assessments", "Criterion")
    PointRule = apps.get_model("assessments", "PointRule")
    if not Rubric.objects.exists():
        rubric = Rubric.objects.create(name=RUBRIC_NAME, version=1, note="随系统提供的默认细则（满分100分）")
        Criterion.objects.bulk_create(
            Criterion(rubric=rubric, group=g, order=i, title=t, max_points=m, guidance=h, evidence=e)
            for i, (g, t, m, h, e) in enumerate(DEFAULT_CRITERIA, start=1)
        )
    for code, (points, note) in DEFAULT_POINT_RULES.items():
        PointRule.objects.get_or_create(code=code, defaults={"points": points, "note": note})


class Migration(migrations.Migration):
    dependencies = [("assessments", "0001_assessment_rubric_points_results")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
