"""Access matrix entries for the surveys app (issue 9, R-6.2).

Rounds and questionnaire versions belong to the whole city (like assessment periods and rubrics):
every signed-in role reads them, only the city office sets them (MANAGE_SURVEYS) and exports
the anonymised answers (EXPORT_ANSWERS). Posters are printed by the offices and community staff
for the communities they see (PRINT_POSTERS). Results are read by whoever sees the district,
street or community (scope alone); the overview shows each role its own scope. The residents'
page and its thank-you page are public: no sign-in.
"""

from councils.roles import Role

from .matrix import ALL, CITY, COMMUNITY_UP, View

POSTER_PRINTERS = CITY | {Role.DISTRICT_OFFICE, Role.STREET_STAFF, Role.COMMUNITY_STAFF}
REVIEWERS = CITY | {Role.COMMUNITY_STAFF}

SPEC: dict = {
    # The residents' pages, reached from the QR code.
    "survey_public": View("survey_link", public=True),
    "survey_thanks": View("survey_link", public=True),
    # Rounds and questionnaires: read by all, set by the city office.
    "survey_round_list": View(),
    "survey_round_create": View(allowed=CITY),
    "survey_round_detail": View("survey_round", sees=ALL),
    "survey_round_update": View("survey_round", allowed=CITY, sees=CITY),
    "survey_export": View("survey_round", allowed=CITY, sees=CITY),
    "questionnaire_list": View(),
    "questionnaire_detail": View("survey_questionnaire", sees=ALL),
    "questionnaire_revise": View("survey_questionnaire", allowed=CITY, sees=CITY),
    "question_create": View("survey_questionnaire", allowed=CITY, sees=CITY),
    "question_update": View("survey_question", allowed=CITY, sees=CITY),
    # Posters of the communities in scope.
    "survey_poster_list": View(allowed=POSTER_PRINTERS),
    "survey_poster": View("community", allowed=POSTER_PRINTERS),
    # Answers held as a burst (issue 14 §6): the community's staff and the city office.
    "survey_review_list": View(allowed=REVIEWERS),
    "survey_review": View("community", allowed=REVIEWERS),
    # Results: whoever sees the area.
    "survey_results": View(),
    "survey_results_district": View("district"),
    "survey_results_street": View("street"),
    "survey_results_community": View("community", sees=COMMUNITY_UP),
}
