"""Access matrix entries for the views in councils/views/io.py (issue 3 §7).

The import and its template are for those who keep member units (city office, street staff);
every role may export the lists it can read, each seeing only its own scope."""

from .matrix import ALL, TREE_MANAGERS, View

SPEC: dict = {
    "unit_import": View(allowed=TREE_MANAGERS),
    "unit_import_template": View(allowed=TREE_MANAGERS),
    "unit_export": View(allowed=ALL),
    "council_export": View(allowed=ALL),
    "meeting_export": View(allowed=ALL),
    "task_export": View(allowed=ALL),
}
