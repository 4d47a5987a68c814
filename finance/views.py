"""Finance pages: each council's fund and ledger, entries and reversals, receipts, the street's
review of the ledgers in its scope, pledges and annual budgets (R-1.5 – R-1.8).

Every queryset comes from `visible_to(user)`; recording needs `RECORD_LEDGER` (403 without it)
and then reaches only the secretary's own council (404 elsewhere). Each write is one call to
finance/services.py, whose refusals are shown on the form with what was typed kept."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView, FormView, TemplateView, View
from django_filters.views import FilterView

from councils import caching
from councils import selectors as council_selectors
from councils.exports import XlsxExportMixin, file_response
from councils.models import Council, Membership, MemberUnit
from councils.periods import today
from councils.roles import Capability
from councils.scoping import has_capability
from councils.uploads import sniff_content_type
from councils.views.base import PAGE_SIZE, LoadsObject, ScopedListView, ScopedMixin, form_errors

from . import filtersets, forms, selectors, services
from .models import Budget, Category, Fund, LedgerEntry, Pledge, Violation

ZERO = Value(selectors.ZERO, output_field=selectors.MONEY)
# A reversal counts under the kind it reverses, so a corrected entry nets to nothing.
INCOME = Q(kind__in=LedgerEntry.INCOME) | Q(
    kind=LedgerEntry.Kind.REVERSAL, reverses__kind__in=LedgerEntry.INCOME
)
SPENDING = Q(kind=LedgerEntry.Kind.EXPENDITURE) | Q(
    kind=LedgerEntry.Kind.REVERSAL, reverses__kind=LedgerEntry.Kind.EXPENDITURE
)
ENTRY_RELATED = ("unit", "category", "reverses", "reversed_by")


def ledger_totals(queryset) -> dict[str, Decimal | int]:
    """Income, spending and net of a set of entries, summed by the database."""
    return queryset.order_by().aggregate(
        income=Coalesce(Sum("signed_amount", filter=INCOME), ZERO),
        spending=Coalesce(-Sum("signed_amount", filter=SPENDING), ZERO),
        net=Coalesce(Sum("signed_amount"), ZERO),
        count=Count("pk"),
    )


TOTALS_TIMEOUT_S = 120
TOTALS_SHAPE = 1  # of the cached value: changed with what ledger_totals returns


def cached_totals(request, queryset) -> dict[str, Decimal | int]:
    """`ledger_totals` of the filtered set, shared by every user with the same scope and the same
    filters until an entry or flag is written (councils.caching)."""
    query = sorted((k, v) for k, values in request.GET.lists() if k not in ("page", "format") for v in values)
    parts = (TOTALS_SHAPE, caching.scope_of(request.user), query)
    return caching.cached(
        selectors.TOTALS_TAG, parts, lambda: ledger_totals(queryset), timeout=TOTALS_TIMEOUT_S
    )


def with_flags(queryset):
    """Whether each entry has a violation, and whether one is still open (R-1.8)."""
    return queryset.annotate(
        flagged=Exists(Violation.objects.filter(entry=OuterRef("pk"))),
        open_flags=Exists(
            Violation.objects.filter(entry=OuterRef("pk")).exclude(status=Violation.Status.CLOSED)
        ),
    )


def with_reversals(entries: list[LedgerEntry]) -> list[LedgerEntry]:
    """The entries, each with the entry it reverses and the entry reversing it (or None) in
    place, both read in one query for the whole list."""
    pairs = LedgerEntry.objects.filter(
        Q(pk__in={e.reverses_id for e in entries if e.reverses_id}) | Q(reverses__in=[e.pk for e in entries])
    )
    by_pk, by_reversed = {}, {}
    for pair in pairs:
        by_pk[pair.pk] = pair
        if pair.reverses_id:
            by_reversed[pair.reverses_id] = pair
    for entry in entries:
        if entry.reverses_id:
            LedgerEntry.reverses.field.set_cached_value(entry, by_pk.get(entry.reverses_id))
        LedgerEntry.reversed_by.related.set_cached_value(entry, by_reversed.get(entry.pk))
    return entries


def may(user, model, capability: str, **lookup) -> bool:
    """Whether the user holds `capability` over this object (no query without the capability)."""
    return (
        has_capability(user, capability)
        and model.objects.visible_to(user, capability).filter(**lookup).exists()
    )


class CouncilPageMixin(ScopedMixin, LoadsObject):
    """Pages keyed by a council: the council comes from the user's scope (with the page's
    capability, if any), so another council's pages are a 404."""

    def load(self) -> None:
        self.council = get_object_or_404(
            self.scoped(Council).select_related("community__street__district"), pk=self.kwargs["pk"]
        )

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "council": self.council,
            "breadcrumbs": council_selectors.breadcrumbs(self.request.user, self.council),
        }


def year_from(request) -> int:
    value = request.GET.get("year", "")
    return int(value) if value.isdigit() and 2000 <= int(value) <= today().year + 1 else today().year


# --- The fund and its ledger -------------------------------------------------------------------


class FundDetailView(CouncilPageMixin, FilterView):
    """A council's fund: the balance, this year's income and spending, and the ledger, newest
    first, with filters (R-1.5 – R-1.8)."""

    model = LedgerEntry
    filterset_class = filtersets.EntryFilter
    template_name = "finance/fund_detail.html"
    paginate_by = PAGE_SIZE

    def get_filterset_kwargs(self, filterset_class):
        return {**super().get_filterset_kwargs(filterset_class), "user": self.request.user}

    def get_queryset(self):
        return (
            self.scoped(LedgerEntry)
            .filter(fund__council=self.council)
            .select_related(*ENTRY_RELATED)
            .order_by("-entry_date", "-year", "-sequence")
        )

    def paginate_queryset(self, queryset, page_size):
        return super().paginate_queryset(with_flags(queryset), page_size)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, council, year = self.request.user, self.council, today().year
        fund = Fund.objects.filter(council=council).first()
        context["fund"] = fund
        context["balance"] = fund.balance if fund else selectors.ZERO
        context["year"] = year
        context["year_totals"] = ledger_totals(self.get_queryset().filter(year=year))
        context["open_violations"] = (
            Violation.objects.visible_to(user)
            .filter(entry__fund__council=council)
            .exclude(status=Violation.Status.CLOSED)
            .count()
        )
        context["can_record"] = may(user, Council, Capability.RECORD_LEDGER, pk=council.pk)
        context["income_kinds"] = [(k, LedgerEntry.Kind(k).label) for k in LedgerEntry.INCOME]
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query_string"] = query.urlencode()
        return context


class EntryCreateView(CouncilPageMixin, FormView):
    """The secretary records money in or out; the fields follow `?kind=` (R-1.5, R-1.7).
    Spending without a valid decision is saved and flagged at once, and the page says so (R-1.8)."""

    capability = Capability.RECORD_LEDGER
    template_name = "finance/entry_form.html"
    form_class = forms.EntryForm

    def dispatch(self, request, *args, **kwargs):
        self.kind = request.GET.get("kind", "")
        return super().dispatch(request, *args, **kwargs)

    @property
    def kind_known(self) -> bool:
        return self.kind in forms.EntryForm.KIND_FIELDS

    def get(self, request, *args, **kwargs):
        if not self.kind_known:
            return self.render_to_response(self.get_context_data(form=None))
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if not self.kind_known:
            return self.render_to_response(self.get_context_data(form=None))
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "kind": self.kind,
            "council": self.council,
            "user": self.request.user,
            "capability": self.capability,
        }

    def get_initial(self):
        return {"entry_date": today()}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            entry = services.entry_post(
                council=self.council,
                kind=self.kind,
                amount=data["amount"],
                entry_date=data["entry_date"],
                counterparty=data.get("counterparty", ""),
                unit=data.get("unit"),
                category=data.get("category"),
                description=data.get("description", ""),
                receipt=data.get("receipt"),
                resolution=data.get("resolution"),
                budget_line=data.get("budget_line"),
                by=self.request.user,
            )
        except ValidationError as error:
            form_errors(form, error)
            return self.form_invalid(form)
        problems = [v.get_kind_display() for v in entry.violations.all()]
        values = {
            "number": entry.number,
            "kind": entry.get_kind_display(),
            "amount": f"{entry.amount:,.2f}",
            "problems": "；".join(str(p) for p in problems),
        }
        if problems:
            messages.warning(
                self.request,
                _(
                    "已记录 %(number)s（%(kind)s %(amount)s 元），但存在问题：%(problems)s。"
                    "已列为违规问题，须限期整改。"
                )
                % values,
            )
        else:
            messages.success(self.request, _("已记录 %(number)s：%(kind)s %(amount)s 元。") % values)
        return HttpResponseRedirect(entry.get_absolute_url())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["kind"] = self.kind
        context["kind_label"] = LedgerEntry.Kind(self.kind).label if self.kind_known else ""
        context["kinds"] = [(k, LedgerEntry.Kind(k).label) for k in forms.EntryForm.KIND_FIELDS]
        context["balance"] = (
            Fund.objects.filter(council=self.council).values_list("balance", flat=True).first()
        )
        return context


class EntryDetailView(ScopedMixin, DetailView):
    """Everything about one entry: its receipt, the reversal pair, its violations, who entered
    it and when."""

    model = LedgerEntry
    template_name = "finance/entry_detail.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related(
                "fund__council__community__street__district",
                "unit",
                "category",
                "resolution__meeting",
                "budget_line__budget",
                "budget_line__category",
                "reverses",
                "reversed_by__created_by",
                "created_by",
            )
            .prefetch_related(
                Prefetch(
                    "violations",
                    queryset=Violation.objects.select_related("flagged_by", "closed_by").order_by(
                        "flagged_at"
                    ),
                )
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        entry, user = self.object, self.request.user
        council = entry.fund.council
        reversal = getattr(entry, "reversed_by", None)
        context["council"] = council
        context["reversal"] = reversal
        context["breadcrumbs"] = council_selectors.breadcrumbs(user, council)
        can_record = may(user, LedgerEntry, Capability.RECORD_LEDGER, pk=entry.pk)
        context["can_reverse"] = can_record and entry.kind != LedgerEntry.Kind.REVERSAL and reversal is None
        context["can_flag"] = may(user, LedgerEntry, Capability.REVIEW_FUNDS, pk=entry.pk)
        return context


class EntryReverseView(ScopedMixin, LoadsObject, FormView):
    """Correct a mistake with a reversal entry, with a reason; the original stays as it was.
    The service refuses a reversal of a reversal and a second reversal."""

    capability = Capability.RECORD_LEDGER
    template_name = "finance/entry_reverse.html"
    form_class = forms.ReverseForm

    def load(self) -> None:
        self.entry = get_object_or_404(
            self.scoped(LedgerEntry).select_related(
                "fund__council__community__street__district", "unit", "category", "reverses", "reversed_by"
            ),
            pk=self.kwargs["pk"],
        )

    def form_valid(self, form):
        try:
            reversal = services.entry_reverse(
                entry=self.entry, reason=form.cleaned_data["reason"], by=self.request.user
            )
        except ValidationError as error:
            form_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("已冲正 %(number)s：冲正记录 %(reversal)s，金额 %(amount)s 元。")
            % {"number": self.entry.number, "reversal": reversal.number, "amount": f"{reversal.amount:,.2f}"},
        )
        return redirect(self.entry.get_absolute_url())

    def get_context_data(self, **kwargs):
        council = self.entry.fund.council
        return {
            **super().get_context_data(**kwargs),
            "entry": self.entry,
            "council": council,
            "reversal": getattr(self.entry, "reversed_by", None),
            "breadcrumbs": council_selectors.breadcrumbs(self.request.user, council),
        }


class ReceiptDownloadView(ScopedMixin, View):
    """An entry's receipt under its original name, for whoever may see the entry."""

    def get(self, request, pk):
        entry = get_object_or_404(self.scoped(LedgerEntry), pk=pk)
        if not entry.receipt:
            raise Http404(_("这条记录没有票据。"))
        try:
            handle = entry.receipt.open("rb")
        except FileNotFoundError as missing:
            raise Http404(_("票据文件已不在存储中，请联系管理员。")) from missing
        content_type = sniff_content_type(handle.read(16)) or "application/octet-stream"
        handle.seek(0)
        return file_response(
            handle, filename=entry.receipt_name or f"{entry.number}", content_type=content_type
        )


class LedgerListView(XlsxExportMixin, ScopedListView):
    """The street's review (issue 4 §8): every entry of the councils in the user's scope, with
    filters and the totals of the filtered set; the same set as .xlsx with `?format=xlsx`."""

    model = LedgerEntry
    filterset_class = filtersets.StreetLedgerFilter
    template_name = "finance/ledger_list.html"
    export_title = _("资金流水")

    def get_queryset(self):
        # Newest first along the index of that order (finance.LedgerEntry.Meta.indexes). The
        # reversal pairs are read for the page afterwards (with_reversals): two more self-joins
        # would take the planner longer than the page of entries takes to read.
        return (
            super()
            .get_queryset()
            .select_related("fund__council__community__street", "unit", "category")
            .order_by("-entry_date", "-pk")
        )

    def paginate_queryset(self, queryset, page_size):
        # The totals of the filtered set, kept a while per scope and filters: summing every
        # entry of the city takes longer than the rest of the page (issue 8 §2).
        self.totals = cached_totals(self.request, queryset)
        paginator, page, entries, is_paginated = super().paginate_queryset(with_flags(queryset), page_size)
        page.object_list = with_reversals(list(entries))
        return paginator, page, page.object_list, is_paginated

    def get_paginator(self, queryset, per_page, **kwargs):
        paginator = super().get_paginator(queryset, per_page, **kwargs)
        paginator.count = self.totals["count"]  # the totals counted the same set: no COUNT of its own
        return paginator

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["totals"] = self.totals
        query = self.request.GET.copy()
        query.pop("page", None)
        query["format"] = "xlsx"
        context["export_query"] = query.urlencode()
        return context

    def get_export_rows(self, queryset):
        rows = with_flags(queryset.select_related("resolution", "created_by", "reverses", "reversed_by"))
        return rows.iterator(chunk_size=self.export_chunk_size)

    def get_export_columns(self):
        return [
            (_("理事会"), lambda e: e.fund.council.name),
            (_("编号"), lambda e: e.number),
            (_("发生日期"), lambda e: e.entry_date),
            (_("类型"), lambda e: e.get_kind_display()),
            (_("对方单位/个人"), lambda e: e.counterparty),
            (_("用途类别"), lambda e: e.category.name if e.category else ""),
            (_("收入（元）"), lambda e: e.signed_amount if e.signed_amount > 0 else None),
            (_("支出（元）"), lambda e: -e.signed_amount if e.signed_amount < 0 else None),
            (_("依据决议"), lambda e: str(e.resolution) if e.resolution else ""),
            (_("冲正"), lambda e: reversal_note(e)),
            (_("存在问题"), lambda e: e.flagged),
            (_("摘要"), lambda e: e.description),
            (_("录入人"), lambda e: e.created_by.first_name or e.created_by.username),
            (_("录入时间"), lambda e: e.created_at),
        ]


def reversal_note(entry: LedgerEntry) -> str:
    if entry.reverses_id:
        return str(_("冲正 %(n)s") % {"n": entry.reverses.number})
    reversal = getattr(entry, "reversed_by", None)
    return str(_("已被 %(n)s 冲正") % {"n": reversal.number}) if reversal else ""


# --- Pledges (R-1.5) ---------------------------------------------------------------------------


def paid_by_unit(council_id: int, year: int):
    """What a unit paid into the council's fund in the year, net of reversals (for units
    without a pledge)."""
    return Coalesce(
        Subquery(
            LedgerEntry.objects.filter(fund__council=council_id, entry_date__year=year)
            .filter(
                Q(kind=LedgerEntry.Kind.CONTRIBUTION, unit=OuterRef("pk"))
                | Q(
                    kind=LedgerEntry.Kind.REVERSAL,
                    reverses__kind=LedgerEntry.Kind.CONTRIBUTION,
                    reverses__unit=OuterRef("pk"),
                )
            )
            .order_by()
            .values("fund")
            .annotate(s=Sum("signed_amount"))
            .values("s"),
            output_field=selectors.MONEY,
        ),
        ZERO,
    )


class PledgeListView(CouncilPageMixin, TemplateView):
    """Each member unit's pledge for the year against what it has paid, and the units that
    pledged nothing (量力而行, R-1.5). The secretary sets a pledge here."""

    template_name = "finance/pledge_list.html"

    def post(self, request, *args, **kwargs):
        # Reading is scope alone; setting a pledge needs the capability over this council.
        if not has_capability(request.user, Capability.RECORD_LEDGER):
            raise PermissionDenied
        get_object_or_404(
            Council.objects.visible_to(request.user, Capability.RECORD_LEDGER), pk=self.council.pk
        )
        form = forms.PledgeForm(request.POST, council=self.council, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                pledge = services.pledge_set(
                    council=self.council,
                    unit=data["unit"],
                    year=data["year"],
                    amount=data["amount"],
                    note=data["note"],
                    by=request.user,
                )
            except ValidationError as error:
                form_errors(form, error)
            else:
                messages.success(
                    request,
                    _("已登记 %(unit)s %(year)d 年认缴 %(amount)s 元。")
                    % {"unit": pledge.unit.name, "year": pledge.year, "amount": f"{pledge.amount:,.2f}"},
                )
                return redirect(f"{reverse('pledge_list', args=[self.council.pk])}?year={pledge.year}")
        return self.render_to_response(self.get_context_data(form=form))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, council = self.request.user, self.council
        year = year_from(self.request)
        pledges = list(
            selectors.pledges_with_paid(Pledge.objects.visible_to(user).filter(council=council, year=year))
            .select_related("unit")
            .annotate(outstanding=F("amount") - F("paid"))
            .order_by("unit__name")
        )
        seats = Membership.objects.visible_to(user).filter(council=council, left_on__isnull=True)
        context["unpledged"] = (
            MemberUnit.objects.filter(pk__in=seats.values("unit"))
            .exclude(pk__in=[p.unit_id for p in pledges])
            .annotate(paid=paid_by_unit(council.pk, year))
            .order_by("name")
        )
        context["pledges"] = pledges
        context["totals"] = {
            "amount": sum((p.amount for p in pledges), selectors.ZERO),
            "paid": sum((p.paid for p in pledges), selectors.ZERO),
            "outstanding": sum((max(p.outstanding, selectors.ZERO) for p in pledges), selectors.ZERO),
        }
        context["year"] = year
        context["years"] = range(today().year + 1, today().year - 5, -1)
        context["can_record"] = may(user, Council, Capability.RECORD_LEDGER, pk=council.pk)
        if context["can_record"] and "form" not in context:
            context["form"] = forms.PledgeForm(initial={"year": year}, council=council, user=user)
        return context


class PledgeOverviewView(ScopedListView):
    """Outstanding pledges across the user's scope, for street and district staff (R-1.5)."""

    model = Pledge
    filterset_class = filtersets.PledgeFilter
    template_name = "finance/pledge_overview.html"

    def get_queryset(self):
        return (
            selectors.pledges_with_paid(super().get_queryset())
            .select_related("unit", "council__community__street")
            .annotate(outstanding=F("amount") - F("paid"))
            .filter(paid__lt=F("amount"))
            .order_by("-year", "council__name", "unit__name")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Named apart from the annotations they sum, which the database would otherwise confuse.
        totals = self.object_list.order_by().aggregate(
            total_amount=Coalesce(Sum("amount"), ZERO),
            total_paid=Coalesce(Sum("paid"), ZERO),
            total_outstanding=Coalesce(Sum("outstanding"), ZERO),
        )
        context["totals"] = {key.removeprefix("total_"): value for key, value in totals.items()}
        return context


# --- Budgets (R-1.7) ---------------------------------------------------------------------------


class BudgetPageMixin:
    """What the budget pages show: each line against actual spending, spending outside the
    budget's categories, and the council's other years."""

    def budget_context(self, *, council: Council, budget: Budget | None, year: int) -> dict:
        user = self.request.user
        context = {
            "budget": budget,
            "council": council,
            "year": year,
            "breadcrumbs": council_selectors.breadcrumbs(user, council),
            "other_years": list(
                Budget.objects.visible_to(user)
                .filter(council=council)
                .order_by("-year")
                .values_list("year", "status")
            ),
            "can_record": may(user, Council, Capability.RECORD_LEDGER, pk=council.pk),
        }
        if budget is None:
            return context
        lines = list(budget_lines_with_actual(budget))
        budgeted = {line.category.name for line in lines}
        statement = selectors.fund_statement(
            council, date(year, 1, 1), date(year, 12, 31), with_entries=False
        )
        context["lines"] = lines
        context["outside"] = [
            (name, amount) for name, amount in statement.spending if amount and name not in budgeted
        ]
        context["totals"] = {
            "amount": sum((line.amount for line in lines), selectors.ZERO),
            "spent": sum((line.spent for line in lines), selectors.ZERO),
        }
        context["totals"]["remaining"] = context["totals"]["amount"] - context["totals"]["spent"]
        return context


def budget_lines_with_actual(budget: Budget):
    return selectors.budget_lines_with_actual(budget).annotate(remaining=F("amount") - F("spent"))


class BudgetDetailView(ScopedMixin, BudgetPageMixin, DetailView):
    model = Budget
    template_name = "finance/budget_detail.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("council__community__street__district", "approved_by__meeting", "created_by")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        budget = self.object
        context.update(self.budget_context(council=budget.council, budget=budget, year=budget.year))
        return context


class BudgetCurrentView(CouncilPageMixin, BudgetPageMixin, TemplateView):
    """The council's budget for this year (or `?year=`); where there is none yet, says so and
    offers the secretary to draft one. Shown in place, not redirected, so a reader who may not
    draft never lands on a page they may not open."""

    template_name = "finance/budget_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        year = year_from(self.request)
        budget = (
            Budget.objects.visible_to(self.request.user)
            .filter(council=self.council, year=year)
            .select_related("approved_by__meeting", "created_by")
            .first()
        )
        if budget is not None:
            budget.council = self.council
        context.update(self.budget_context(council=self.council, budget=budget, year=year))
        return context


class BudgetEditView(CouncilPageMixin, FormView):
    """The secretary drafts the year's budget: one amount per category (draft only)."""

    capability = Capability.RECORD_LEDGER
    template_name = "finance/budget_form.html"

    def load(self) -> None:
        super().load()
        self.year = self.kwargs.get("year") or today().year
        if not 2000 <= self.year <= today().year + 1:
            raise Http404
        self.budget = (
            Budget.objects.visible_to(self.request.user, self.capability)
            .filter(council=self.council, year=self.year)
            .first()
        )

    def get_form(self, form_class=None):
        lines = {}
        categories = Category.objects.filter(active=True)
        if self.budget is not None:
            current = list(self.budget.lines.select_related("category"))
            lines = {line.category_id: line.amount for line in current}
            categories = Category.objects.filter(Q(active=True) | Q(pk__in=lines.keys()))
        return forms.BudgetForm(**self.get_form_kwargs(), categories=categories, lines=lines)

    def form_valid(self, form):
        try:
            budget = services.budget_save(
                council=self.council, year=self.year, lines=form.lines(), by=self.request.user
            )
        except ValidationError as error:
            form_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("已保存 %(year)d 年度预算草案。") % {"year": self.year})
        return redirect(budget.get_absolute_url())

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "year": self.year,
            "budget": self.budget,
            "locked": self.budget is not None and self.budget.status == Budget.Status.APPROVED,
        }


class BudgetApproveView(ScopedMixin, LoadsObject, FormView):
    """The council approves its budget with a carried resolution (R-1.7); refusals are shown."""

    capability = Capability.RECORD_LEDGER
    template_name = "finance/budget_approve.html"
    form_class = forms.BudgetApproveForm

    def load(self) -> None:
        self.budget = get_object_or_404(
            self.scoped(Budget).select_related("council__community__street__district", "approved_by"),
            pk=self.kwargs["pk"],
        )

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "resolutions": forms.resolutions_for(self.budget.council, self.request.user, self.capability),
        }

    def form_valid(self, form):
        try:
            budget = services.budget_approve(
                budget=self.budget, resolution=form.cleaned_data["resolution"], by=self.request.user
            )
        except ValidationError as error:
            form_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("%(year)d 年度预算已经理事会批准（决议 %(number)s）。")
            % {"year": budget.year, "number": budget.approved_by.number},
        )
        return redirect(budget.get_absolute_url())

    def get_context_data(self, **kwargs):
        council = self.budget.council
        return {
            **super().get_context_data(**kwargs),
            "budget": self.budget,
            "council": council,
            "n_lines": self.budget.lines.count(),
            "breadcrumbs": council_selectors.breadcrumbs(self.request.user, council),
        }


urlpatterns = [
    path("councils/<int:pk>/fund/", FundDetailView.as_view(), name="fund_detail"),
    path("councils/<int:pk>/fund/entries/new/", EntryCreateView.as_view(), name="entry_create"),
    path("ledger/", LedgerListView.as_view(), name="ledger_list"),
    path("ledger/<int:pk>/", EntryDetailView.as_view(), name="entry_detail"),
    path("ledger/<int:pk>/reverse/", EntryReverseView.as_view(), name="entry_reverse"),
    path("ledger/<int:pk>/receipt/", ReceiptDownloadView.as_view(), name="receipt_download"),
    path("councils/<int:pk>/pledges/", PledgeListView.as_view(), name="pledge_list"),
    path("pledges/", PledgeOverviewView.as_view(), name="pledge_overview"),
    path("councils/<int:pk>/budget/", BudgetCurrentView.as_view(), name="budget_current"),
    path("budgets/<int:pk>/", BudgetDetailView.as_view(), name="budget_detail"),
    path("budgets/<int:pk>/approve/", BudgetApproveView.as_view(), name="budget_approve"),
    # Without a year: this year's budget (the same name, so links may leave the year out).
    path("councils/<int:pk>/budgets/edit/", BudgetEditView.as_view(), name="budget_edit"),
    path("councils/<int:pk>/budgets/<int:year>/edit/", BudgetEditView.as_view(), name="budget_edit"),
    # Violations and their rectification (issue 4 §4), statements (§7).
    path("", include("finance.views_violations")),
    path("", include("finance.views_statements")),
]
