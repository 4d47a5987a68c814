"""Access matrix entries for the ranking reports pages (issue 6 §6; R-1.9, R-1.10): the offices
request reports; reading and downloading is scope alone — the city office every report, a
district office its district's, street staff their street's, other roles none (an empty list,
404 on a report). Side A's report is a ready street report of side A's street."""

from .matrix import OFFICES, View

SPEC: dict = {
    "report_list": View(),
    "report_create": View(allowed=OFFICES),
    "report_detail": View("report", sees=OFFICES),
    "report_status": View("report", sees=OFFICES),
    # Needs a file on the fixture's report: a report without one answers 404.
    "report_download": View("report", sees=OFFICES),
    "report_retry": View("report", post_only=True),
}
