"""Access matrix entries for the bulletin pages (issue 7; R-6.3) and model cases (R-5.2).

Bulletins are for the city and district offices (403 for every other role). Reading and
downloading is scope alone: the city office every bulletin, a district office its district's.
Writing, generating and signing reach only the bulletins the user issues: the city office the
city's, a district office its own district's — so on side A's district bulletin the city office
reads (200) but gets 404 on the edit and sign pages. Side A's bulletin is a ready bulletin of
side A's district with a draft file (tests/assessments/bulletin_fixtures.build_bulletin); side B
has none, since the city office's answer there differs by page. Model cases are nominated and
read by street, district and city staff within their scope; both sides have one."""

from councils.roles import Role

from .matrix import DISTRICT_UP, OFFICES, View

DISTRICT_OFFICE = frozenset({Role.DISTRICT_OFFICE})

SPEC: dict = {
    "bulletin_list": View(allowed=DISTRICT_UP),
    "bulletin_create": View(allowed=DISTRICT_UP),
    "bulletin_detail": View("bulletin", allowed=DISTRICT_UP, sees=DISTRICT_UP),
    "bulletin_status": View("bulletin", allowed=DISTRICT_UP, sees=DISTRICT_UP),
    "bulletin_download": View("bulletin", allowed=DISTRICT_UP, sees=DISTRICT_UP),
    "bulletin_edit": View("bulletin", allowed=DISTRICT_UP, sees=DISTRICT_OFFICE),
    "bulletin_publish": View("bulletin", allowed=DISTRICT_UP, sees=DISTRICT_OFFICE),
    "bulletin_generate": View("bulletin", post_only=True),
    "bulletin_retry": View("bulletin", post_only=True),
    "modelcase_list": View(allowed=OFFICES),
    "modelcase_create": View(allowed=OFFICES),
    "modelcase_detail": View("model_case", allowed=OFFICES, sees=OFFICES),
    "modelcase_withdraw": View("model_case", allowed=OFFICES, sees=OFFICES),
}
