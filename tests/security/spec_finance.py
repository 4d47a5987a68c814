"""Access matrix entries for finance/views.py and its area modules: everyone in scope reads a
council's fund; only the council's secretary records entries, reversals, pledges and budgets
(R-1.5 – R-1.7); street staff review (R-1.8)."""

from .matrix import FUND_KEEPERS, FUND_REVIEWERS, View

SPEC: dict = {
    # ledger, pledges, budgets
    "fund_detail": View("council"),
    "entry_create": View("council", allowed=FUND_KEEPERS),
    "entry_detail": View("entry"),
    "entry_reverse": View("entry", allowed=FUND_KEEPERS),
    "receipt_download": View("entry"),
    "ledger_list": View(),
    "pledge_list": View("council"),
    "pledge_overview": View(),
    "budget_current": View("council"),
    "budget_detail": View("budget"),
    "budget_edit": View("council", allowed=FUND_KEEPERS),
    "budget_approve": View("budget", allowed=FUND_KEEPERS),
    # violations, statements
    "violation_list": View(),
    "violation_detail": View("violation"),
    "violation_flag": View("entry", allowed=FUND_REVIEWERS),
    "violation_rectify": View("violation", allowed=FUND_KEEPERS),
    "violation_close": View("violation", allowed=FUND_REVIEWERS),
    "evidence_download": View("violation"),
    "statement": View("council"),
    "statement_pdf": View("council"),
}
