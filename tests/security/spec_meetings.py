"""Access matrix entries for the views in councils/views/meetings.py: everyone reads the meetings
of the councils in their scope; only the council's secretary records (R-1.1, R-1.2)."""

from .matrix import SECRETARY, View

SPEC: dict = {
    "meeting_list": View(),
    "meeting_create": View("council", allowed=SECRETARY),
    "meeting_detail": View("meeting"),
    "meeting_update": View("meeting", allowed=SECRETARY),
    "meeting_withdraw": View("meeting", allowed=SECRETARY),
    "resolution_create": View("meeting", allowed=SECRETARY),
    "resolution_withdraw": View("resolution", allowed=SECRETARY),
    "attachment_upload": View("meeting", allowed=SECRETARY),
    "attachment_download": View("attachment"),
}
