# Stored violation reasons written before rule ids left the user's texts carried "（ ）" and
# "（ ）"; the reasons are shown on pages and printed in bulletins.
from django.db import migrations
from django.db.models import Value
from django.db.models.functions import Replace

MARKS = ["（R-1.6）", "（R-1.7）", "（R-1.8）"]


def strip_rule_ids(apps, schema_editor):
    Violation = apps.get_model("finance", "Violation")
    for mark in MARKS:
        Violation.objects.filter(reason__contains=mark).update(reason=Replace("reason", Value(mark), Value("")))


class Migration(migrations.Migration):
    dependencies = [("finance", "0006_rename_stored_files")]
    operations = [migrations.RunPython(strip_rule_ids, migrations.RunPython.noop)]
