# The files stored before issue 14 §1 were named after ids, numbers and titles
# (bulletins/<id>/draft.pdf, reports/<year>/ranking-<id>.pdf, rectification/<year>/violation-<id>,
# meetings/<council>/…, findings/<community>/…): each gets a random name under a dated folder.

from django.db import migrations

from councils.uploads import rename_stored_files


def forwards(apps, schema_editor):
    rename_stored_files(apps.get_model("inspections", "FindingPhoto"), "image", "findings")


class Migration(migrations.Migration):
    dependencies = [("inspections", "0004_stored_files_random_names")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
