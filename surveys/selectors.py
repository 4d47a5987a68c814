"""Reads over the survey answers (R-6.2): the five rates of an area in a round with their sample
sizes and 95% intervals, the trend across rounds, the areas below it and the communities with
the lowest satisfaction. A fixed number of queries whatever the size of the city.

For the bulletin (R-6.3):

    city_rates(round)                      -> {rate code: Estimate}, all five, in Rate order
    city_row(round)                        -> AreaRow: the same with .held (answers held for review)
    lowest_satisfaction(round, min_sample) -> [AreaRow] of communities, lowest first

`within=` (a District or a Street) narrows both to a district's or a street's communities. A
community with fewer answers than `min_sample` (the round's own by default) is never named.
For a dashboard card: `scope_rates(user)` gives the five rates over what the user sees in the
newest round that has begun.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import gettext as _

from councils.models import Community, District, Street
from councils.periods import today

from .models import RATES, Answer, Question, Rate, Response, Round
from .rates import Estimate

LOWEST_LIMIT = 5


@dataclass
class AreaRow:
    """One area (a community, street or district; None for the whole of what is shown) with its
    five rates in one round."""

    node: object | None
    estimates: dict[str, Estimate] = field(default_factory=dict)
    held: int = 0  # answers held for review: kept, but in none of the estimates

    def __post_init__(self):
        for rate in RATES:
            self.estimates.setdefault(rate, Estimate(rate))

    def add(self, other: AreaRow | None) -> None:
        """Pool another area's (or community's) answers into this one."""
        if other is None:
            return
        for rate, estimate in other.estimates.items():
            self.estimates[rate] = self.estimates[rate] + estimate
        self.held += other.held

    @property
    def ordered(self) -> list[tuple[str, Estimate]]:
        """(label, estimate) of the five rates, in Rate order."""
        return [(Rate(rate).label, self.estimates[rate]) for rate in RATES]

    @property
    def responses(self) -> int:
        """Residents who answered: every rate question is required, so the largest sample."""
        return max(e.n for e in self.estimates.values())

    @property
    def satisfaction(self) -> Estimate:
        return self.estimates[Rate.SATISFACTION]


@dataclass
class Results:
    round: Round | None
    total: AreaRow
    rows: list[AreaRow]  # the areas one level down (empty on a community's page)
    communities: list[AreaRow]
    lowest: list[AreaRow]
    too_few: int  # communities left out of `lowest` for a small sample
    min_sample: int
    trend: list[tuple[Round, AreaRow]]

    def chart_data(self) -> dict:
        """What the page's charts draw (static/js/surveys.js)."""
        return {
            "rates": [str(label) for label, _e in self.total.ordered],
            "values": [e.pct for _label, e in self.total.ordered],
            "lows": [e.low_pct for _label, e in self.total.ordered],
            "highs": [e.high_pct for _label, e in self.total.ordered],
            "samples": [e.n for _label, e in self.total.ordered],
            "rounds": [r.name for r, _row in self.trend],
            "trend": [
                {"name": str(Rate(rate).label), "values": [row.estimates[rate].pct for _r, row in self.trend]}
                for rate in RATES
            ],
            "names": {"rate": _("比例"), "interval": _("95%置信区间"), "sample": _("样本量")},
        }


def rate_tallies(communities: QuerySet, rounds: list[int] | None = None) -> dict[tuple[int, int], AreaRow]:
    """{(round id, community id): AreaRow} over the communities (one query): the five rates
    over the answers that count, and how many answers are held for review (issue 14 §6).

    Every published rate (results pages, the dashboard card, the bulletins) is made here, so a
    held or rejected answer is left out everywhere alike."""
    answers = Answer.objects.filter(
        response__community__in=communities.values("pk"),
        response__state__in=[*Response.COUNTED_STATES, Response.State.HELD],
        question__rate__in=RATES,
        choice__isnull=False,
    )
    if rounds is not None:
        answers = answers.filter(response__round_id__in=rounds)
    rows = (
        answers.order_by()
        .values("response__round_id", "response__community_id", "response__state", "question__rate")
        .annotate(
            n=Count("pk"),
            positive=Count("pk", filter=Q(choice__lt=F("question__positive_options"))),
        )
    )
    tallies: dict[tuple[int, int], AreaRow] = {}
    for row in rows:
        key = (row["response__round_id"], row["response__community_id"])
        tally = tallies.setdefault(key, AreaRow(None))
        rate = row["question__rate"]
        if row["response__state"] == Response.State.HELD:
            # Every rate question is required: a held response answered each of them once.
            tally.held = max(tally.held, row["n"])
        else:
            tally.estimates[rate] = tally.estimates[rate] + Estimate(rate, row["positive"], row["n"])
    return tallies


def started_rounds() -> list[Round]:
    """Rounds that have begun, oldest first (the trend's x axis)."""
    return list(
        Round.objects.filter(opens_on__lte=today()).select_related("questionnaire").order_by("opens_on")
    )


def default_round(rounds: list[Round]) -> Round | None:
    return rounds[-1] if rounds else None


def area_results(
    *,
    communities: QuerySet,
    round: Round | None,
    rounds: list[Round],
    breakdown: str | None,
    min_sample: int | None = None,
    lowest_limit: int = LOWEST_LIMIT,
) -> Results:
    """The results over `communities` (already scoped and narrowed to the area) in `round`,
    broken down by "district", "street" or "community" (or not at all), with the trend over
    `rounds`. Three queries: the communities, the tallies, nothing else."""
    community_list = list(
        communities.select_related("street__district").order_by("street__name", "name", "pk")
    )
    tallies = rate_tallies(communities, [r.pk for r in rounds])
    min_sample = min_sample if min_sample is not None else (round.min_sample if round else 30)

    per_community = []
    total = AreaRow(None)
    rows: dict[int, AreaRow] = {}
    for community in community_list:
        row = AreaRow(community)
        row.add(tallies.get((round.pk if round else None, community.pk)))
        per_community.append(row)
        total.add(row)
        if breakdown:
            node = {
                "community": community,
                "street": community.street,
                "district": community.street.district,
            }[breakdown]
            rows.setdefault(node.pk, AreaRow(node)).add(row)

    ranked = [row for row in per_community if row.satisfaction.n >= min_sample]
    ranked.sort(key=lambda row: (row.satisfaction.value, -row.satisfaction.n, row.node.name))
    trend = []
    for r in rounds:
        row = AreaRow(None)
        for community in community_list:
            row.add(tallies.get((r.pk, community.pk)))
        trend.append((r, row))
    return Results(
        round=round,
        total=total,
        rows=sorted(rows.values(), key=lambda row: (str(row.node.name), row.node.pk)) if breakdown else [],
        communities=per_community,
        lowest=ranked[:lowest_limit],
        too_few=len(per_community) - len(ranked),
        min_sample=min_sample,
        trend=trend,
    )


def _communities_within(within=None) -> QuerySet:
    communities = Community.objects.all()
    if isinstance(within, District):
        return communities.filter(street__district=within)
    if isinstance(within, Street):
        return communities.filter(street=within)
    if within is not None:
        raise TypeError("within= takes a District or a Street")
    return communities


def city_row(round: Round, *, within: District | Street | None = None) -> AreaRow:
    """The five rates of the whole city (or of one district or street) in `round`, pooled over
    every answer that counts, with .held: the answers held for review and left out."""
    row = AreaRow(None)
    for tally in rate_tallies(_communities_within(within), [round.pk]).values():
        row.add(tally)
    return row


def city_rates(round: Round, *, within: District | Street | None = None) -> dict[str, Estimate]:
    """The five rates of `city_row`; each Estimate has .pct, .low_pct, .high_pct (95% Wilson)
    and .n."""
    return dict(city_row(round, within=within).estimates)


def lowest_satisfaction(
    round: Round,
    min_sample: int | None = None,
    *,
    limit: int = LOWEST_LIMIT,
    within: District | Street | None = None,
) -> list[AreaRow]:
    """The communities with the lowest satisfaction in `round`, lowest first, among those with at
    least `min_sample` answers (default: the round's own). Each row has .node (the Community,
    its street and district loaded) and .satisfaction (an Estimate)."""
    return area_results(
        communities=_communities_within(within),
        round=round,
        rounds=[round],
        breakdown=None,
        min_sample=min_sample,
        lowest_limit=limit,
    ).lowest


def scope_rates(user, round: Round | None = None) -> tuple[Round | None, AreaRow]:
    """For a dashboard card: the newest round that has begun (or `round`) and the five rates over
    the communities the user sees. Three queries."""
    if round is None:
        round = Round.objects.filter(opens_on__lte=today()).order_by("-opens_on").first()
    row = AreaRow(None)
    if round is not None:
        for tally in rate_tallies(Community.objects.visible_to(user), [round.pk]).values():
            row.add(tally)
    return round, row


# --- One community's page: the optional questions --------------------------------------------------


def optional_answers(round: Round, community: Community, *, suggestions: int = 20) -> dict:
    """The choice questions' counts per option and the newest suggestions (three queries)."""
    questions = [q for q in round.questionnaire.questions.all() if not q.rate]
    counts = defaultdict(dict)
    for row in (
        Answer.objects.filter(
            response__round=round,
            response__community=community,
            response__state__in=Response.COUNTED_STATES,
            question__kind=Question.Kind.CHOICE,
            choice__isnull=False,
        )
        .order_by()
        .values("question_id", "choice")
        .annotate(n=Count("pk"))
    ):
        counts[row["question_id"]][row["choice"]] = row["n"]
    choices = []
    for q in questions:
        if q.kind != Question.Kind.CHOICE:
            continue
        total = sum(counts[q.pk].values())
        choices.append(
            {
                "question": q,
                "total": total,
                "options": [
                    (label, counts[q.pk].get(i, 0), round_pct(counts[q.pk].get(i, 0), total))
                    for i, label in enumerate(q.options)
                ],
            }
        )
    texts = list(
        Answer.objects.filter(
            response__round=round, response__community=community, response__state__in=Response.COUNTED_STATES
        )
        .exclude(text="")
        .select_related("response")
        .order_by("-response__submitted_at", "-pk")[:suggestions]
    )
    return {"choices": choices, "suggestions": texts}


def round_pct(part: int, total: int) -> float | None:
    return round(part * 100 / total, 1) if total else None
