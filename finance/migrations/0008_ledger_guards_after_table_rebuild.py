# On SQLite, altering a column rebuilds the table (create, copy, drop, rename), and the rebuild
# drops the table's triggers: 0005 changed the receipt's upload_to and so took the ledger's
# append-only guards of 0003 with it. They are put back here. PostgreSQL alters in place and
# keeps its trigger. A later migration that alters finance_ledgerentry must do the same.
from importlib import import_module

from django.db import migrations

append_only = import_module("finance.migrations.0003_ledger_append_only")


def guards_back(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in append_only.SQLITE_DOWN + append_only.SQLITE_UP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("finance", "0007_violation_reasons_without_rule_ids")]
    operations = [migrations.RunPython(guards_back, migrations.RunPython.noop)]
