"""The database side of the load run, inside Django (DATABASE_URL names the load database).

`python -m load.prepare --plan FILE` gives the journeys' demo logins the run's password
(LOAD_PASSWORD, a new one each run: the demo password is refused with DEBUG off), lifts any
sign-in lock on them, and writes the plan of paths with the highest row ids so far.
`python -m load.prepare --check FILE` reads that plan back and prints, as JSON, what the run's
writes left in the database: the contributions recorded and the bulletin jobs with their end."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def prepare(out: Path) -> dict:
    from django.contrib.auth import get_user_model
    from django.db.models import Max

    from assessments.models_bulletins import BulletinEvent
    from councils.models import SignInCounter
    from finance.models import LedgerEntry

    from .journeys import JOURNEYS, plan

    password = os.environ["LOAD_PASSWORD"]
    users = {}
    for journey in JOURNEYS:
        user = get_user_model().objects.get(username=journey.username)
        user.set_password(password)
        user.save(update_fields=["password"])
        users[journey.key] = user
    SignInCounter.objects.filter(username__in=[j.username for j in JOURNEYS]).delete()
    result = plan(users)
    result["before"] = {
        "ledger_entry": LedgerEntry.objects.aggregate(m=Max("pk"))["m"] or 0,
        "bulletin_event": BulletinEvent.objects.aggregate(m=Max("pk"))["m"] or 0,
    }
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    return result


def check(plan_file: Path) -> dict:
    """Rows the run wrote after the plan was made."""
    from assessments.models_bulletins import Bulletin, BulletinEvent
    from finance.models import LedgerEntry

    before = json.loads(plan_file.read_text(encoding="utf-8"))["before"]
    entries = LedgerEntry.objects.filter(pk__gt=before["ledger_entry"])
    events = BulletinEvent.objects.filter(pk__gt=before["bulletin_event"]).order_by("pk")
    asked = events.filter(action__in=[BulletinEvent.Action.GENERATE, BulletinEvent.Action.RECOMPILE])
    jobs = []
    for bulletin in Bulletin.objects.filter(pk__in=asked.values("bulletin")).order_by("pk"):
        mine = [e for e in events if e.bulletin_id == bulletin.pk]
        rendered = [e for e in mine if e.action == BulletinEvent.Action.RENDERED]
        jobs.append(
            {
                "bulletin": bulletin.pk,
                "state": bulletin.state,
                "error": bulletin.error,
                "seconds": round((rendered[-1].at - mine[0].at).total_seconds(), 1) if rendered else None,
                "events": [e.action for e in mine],
            }
        )
    return {
        "contributions": entries.filter(kind=LedgerEntry.Kind.CONTRIBUTION).count(),
        "entries": entries.count(),
        "bulletin_jobs": jobs,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--plan", type=Path, help="write the plan here")
    group.add_argument("--check", type=Path, help="the plan of the run to check")
    args = parser.parse_args(argv)
    setup()
    if args.plan:
        prepare(args.plan)
    else:
        print(json.dumps(check(args.check), ensure_ascii=False))


if __name__ == "__main__":
    main()
