# The files stored before issue 14 §1 were named after ids, numbers and titles
# (bulletins/<id>/draft.pdf, reports/<year>/ranking-<id>.pdf, rectification/<year>/violation-<id>,
# meetings/<council>/…, findings/<community>/…): each gets a random name under a dated folder.

from django.db import migrations

from councils.uploads import rename_stored_files

# Ledger receipts (receipts/<year>/<council>-<year>-<seq>) keep their names: the ledger is
# append-only and its trigger refuses the UPDATE (migration 0003). No route serves them any more;
# only the receipt view, which checks the user's scope, reads them.


def forwards(apps, schema_editor):
    rename_stored_files(apps.get_model("finance", "Violation"), "evidence", "rectification")


class Migration(migrations.Migration):
    dependencies = [("finance", "0005_stored_files_random_names")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
