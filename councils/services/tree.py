"""Every write to the city tree, member units, users and role assignments (DESIGN.md
invariant 2): validated with `full_clean()` inside a transaction, the acting user passed in."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, models, transaction
from django.db.models import Case, F, Max, Q, When
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from ..models import RoleAssignment, SignInCounter
from ..roles import ROLE_LEVEL, Level

User = get_user_model()


@transaction.atomic
def node_save(*, node: models.Model, by: AbstractBaseUser) -> models.Model:
    """Create or change a district, street, community, building, council or member unit.
    The caller has already checked that `by` may manage the node's parent (R-6.1)."""
    node.full_clean()
    node.save()
    return node


@transaction.atomic
def user_create(*, username: str, full_name: str, email: str, password: str, by: AbstractBaseUser) -> User:
    user = User(username=username, first_name=full_name, email=email)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user


@transaction.atomic
def user_update(*, user: User, full_name: str, email: str, is_active: bool, by: AbstractBaseUser) -> User:
    user.first_name = full_name
    user.email = email
    user.is_active = is_active
    user.full_clean(exclude=["password"])
    user.save(update_fields=["first_name", "email", "is_active"])
    return user


@transaction.atomic
def user_set_password(*, user: User, password: str, by: AbstractBaseUser) -> None:
    user.set_password(password)
    user.save(update_fields=["password"])
    sign_in_unlock(username=user.username, by=by)


@transaction.atomic
def role_grant(*, user: User, role: str, node: models.Model | None, by: AbstractBaseUser) -> RoleAssignment:
    """Give `user` a role at one node; the node's kind must match the role's level."""
    assignment = RoleAssignment(user=user, role=role, created_by=by)
    level = ROLE_LEVEL.get(role)
    if node is not None and level not in (None, Level.CITY):
        setattr(assignment, level, node)
    assignment.full_clean()
    assignment.save()
    return assignment


@transaction.atomic
def role_revoke(*, assignment: RoleAssignment, by: AbstractBaseUser) -> None:
    assignment.delete()


# --- Sign-in lockout (issue 14 §4) --------------------------------------------------------------
#
# Each try reserves its place in the counters in one INSERT … ON CONFLICT DO UPDATE … RETURNING
# statement (PostgreSQL and SQLite alike) before the password hasher runs: concurrent guesses past
# the limit are refused without hashing, and none is lost. Two counters: the name from one client
# address (LOGIN_FAILURE_LIMIT in a row), and the name alone from anywhere
# (LOGIN_NAME_FAILURE_LIMIT within LOGIN_NAME_WINDOW_MINUTES), so that a stranger cannot lock an
# official out for long by typing wrong passwords, while a spread-out guesser is still stopped.


@dataclass(frozen=True)
class SignInVerdict:
    """What one sign-in try found in the counters."""

    allowed: bool
    failures: int = 0  # on the name-and-address counter, this try included
    limit: int = 0
    locked_until: datetime | None = None

    @property
    def left(self) -> int:
        return max(self.limit - self.failures, 0)

    @property
    def minutes(self) -> int:
        """Whole minutes until the lock ends (at least 1)."""
        if self.locked_until is None:
            return 0
        return max(math.ceil((self.locked_until - timezone.now()).total_seconds() / 60), 1)


@dataclass(frozen=True)
class SignInStatus:
    """A user name's lock state, for the city office's pages."""

    failures: int
    locked_until: datetime | None

    @property
    def is_locked(self) -> bool:
        return self.locked_until is not None and self.locked_until > timezone.now()


def _key(username: str) -> str:
    return (username or "").strip().lower()[:150]


def _scopes() -> dict[str, tuple[int, int]]:
    """(limit, minutes) per counter: minutes is both the lock's length and how long a quiet row
    keeps its count."""
    return {
        SignInCounter.PAIR: (settings.LOGIN_FAILURE_LIMIT, settings.LOGIN_LOCKOUT_MINUTES),
        SignInCounter.NAME: (settings.LOGIN_NAME_FAILURE_LIMIT, settings.LOGIN_NAME_WINDOW_MINUTES),
    }


def _when(value) -> datetime | None:
    """A timestamp from a raw RETURNING row (SQLite gives text or a naive datetime, in UTC)."""
    if value is None:
        return None
    parsed = value if isinstance(value, datetime) else parse_datetime(value)
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, UTC)


def _reserve(scope: str, username: str, address: str, now: datetime) -> tuple[int, datetime | None]:
    limit, minutes = _scopes()[scope]
    table = connection.ops.quote_name(SignInCounter._meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value
    # A quiet row, or one whose lock has ended, starts a fresh count.
    stale = (
        "(t.locked_until IS NOT NULL AND t.locked_until <= %(now)s)"
        " OR (t.locked_until IS NULL AND t.last_attempt_at <= %(quiet)s)"
    )
    # Only the quoted table name and the fixed text above are formatted in; values are parameters.
    sql = f"""
        INSERT INTO {table} AS t (scope, username, address, failures, locked_until, last_attempt_at)
        VALUES (%(scope)s, %(username)s, %(address)s, 1,
                CASE WHEN 1 >= %(limit)s THEN %(until)s ELSE NULL END, %(now)s)
        ON CONFLICT (scope, username, address) DO UPDATE SET
            failures = CASE WHEN {stale} THEN 1 ELSE t.failures + 1 END,
            locked_until = CASE
                WHEN {stale} THEN CASE WHEN 1 >= %(limit)s THEN %(until)s ELSE NULL END
                WHEN t.locked_until IS NULL AND t.failures + 1 >= %(limit)s THEN %(until)s
                ELSE t.locked_until END,
            last_attempt_at = %(now)s
        RETURNING failures, locked_until"""  # noqa: S608
    params = {
        "scope": scope,
        "username": username,
        "address": address,
        "limit": limit,
        "now": adapt(now),
        "quiet": adapt(now - timedelta(minutes=minutes)),
        "until": adapt(now + timedelta(minutes=minutes)),
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        failures, locked_until = cursor.fetchone()
    return failures, _when(locked_until)


def _give_back(scope: str, username: str, address: str) -> None:
    """Return a reserved place that was not a failure (a right password, or a try refused by the
    other counter); a lock set by that place alone is lifted with it."""
    limit, _minutes = _scopes()[scope]
    SignInCounter.objects.filter(scope=scope, username=username, address=address, failures__gt=0).update(
        failures=F("failures") - 1,
        locked_until=Case(When(failures__lte=limit, then=None), default=F("locked_until")),
    )


def sign_in_prune(*, now: datetime | None = None) -> int:
    """Forget counters that are quiet for longer than any window and hold no running lock."""
    now = now or timezone.now()
    longest = max(minutes for _limit, minutes in _scopes().values())
    deleted, _ = (
        SignInCounter.objects.filter(last_attempt_at__lte=now - timedelta(minutes=longest))
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lte=now))
        .delete()
    )
    return deleted


def sign_in_reserve(*, username: str, address: str | None) -> SignInVerdict:
    """Count one try before its password is checked. Refused (and nothing hashed) when the name
    from this address, or the name alone, is past its limit."""
    now = timezone.now()
    name, address = _key(username), (address or "")[:45]
    sign_in_prune(now=now)
    limit = settings.LOGIN_FAILURE_LIMIT
    failures, locked_until = _reserve(SignInCounter.PAIR, name, address, now)
    if failures > limit:
        return SignInVerdict(allowed=False, failures=failures, limit=limit, locked_until=locked_until)
    name_failures, name_locked_until = _reserve(SignInCounter.NAME, name, "", now)
    if name_failures > settings.LOGIN_NAME_FAILURE_LIMIT:
        _give_back(SignInCounter.PAIR, name, address)
        return SignInVerdict(
            allowed=False, failures=failures - 1, limit=limit, locked_until=name_locked_until
        )
    return SignInVerdict(allowed=True, failures=failures, limit=limit, locked_until=locked_until)


def sign_in_succeeded(*, username: str, address: str | None) -> None:
    """A right password: the name-and-address count starts again; the name-alone count gets its
    place back (failures from elsewhere still count)."""
    name, address = _key(username), (address or "")[:45]
    SignInCounter.objects.filter(scope=SignInCounter.PAIR, username=name, address=address).delete()
    _give_back(SignInCounter.NAME, name, "")


def sign_in_statuses(*, usernames: list[str]) -> dict[str, SignInStatus]:
    """The worst lock on each name that has failures (from any address or the name alone), keyed
    by the name as typed, in one query: the city office's user list and user page."""
    keys = {_key(name): name for name in usernames}
    rows = (
        SignInCounter.objects.filter(username__in=keys, failures__gt=0)
        .values("username")
        .annotate(failures=Max("failures"), until=Max("locked_until"))
    )
    return {
        keys[row["username"]]: SignInStatus(failures=row["failures"], locked_until=row["until"])
        for row in rows
    }


def sign_in_status(*, username: str) -> SignInStatus | None:
    """The worst lock on a name, from any address or the name alone; None without failures."""
    return sign_in_statuses(usernames=[username]).get(username)


def sign_in_unlock(*, username: str, by: AbstractBaseUser | None) -> bool:
    """Lift every lockout on a name, from any address and the name alone (the city office, from
    the user's page). Returns whether there was anything to lift."""
    deleted, _ = SignInCounter.objects.filter(username=_key(username)).delete()
    return bool(deleted)
