"""Every write to the city tree, member units, users and role assignments (DESIGN.md
invariant 2): validated with `full_clean()` inside a transaction, the acting user passed in."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from ..models import RoleAssignment, SignInLock
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


# --- Sign-in lockout ---------------------------------------------------------------------------


def _key(username: str) -> str:
    return (username or "").strip().lower()[:150]


def sign_in_is_locked(*, username: str) -> bool:
    lock = SignInLock.objects.filter(username=_key(username)).first()
    return lock is not None and lock.is_locked


@transaction.atomic
def sign_in_failed(*, username: str, address: str | None) -> SignInLock:
    """Count one failed sign-in; the limit in a row locks the name for a while."""
    now = timezone.now()
    lock, _ = SignInLock.objects.select_for_update().get_or_create(username=_key(username))
    if lock.locked_until is not None and lock.locked_until <= now:
        lock.failures = 0  # an expired lock starts a fresh count
        lock.locked_until = None
    lock.failures = F("failures") + 1
    lock.last_failure_at = now
    lock.last_address = address
    lock.save()
    lock.refresh_from_db()
    if lock.failures >= settings.LOGIN_FAILURE_LIMIT and lock.locked_until is None:
        lock.locked_until = now + timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
        lock.save(update_fields=["locked_until"])
    return lock


def sign_in_succeeded(*, username: str) -> None:
    SignInLock.objects.filter(username=_key(username)).delete()


def sign_in_unlock(*, username: str, by: AbstractBaseUser | None) -> bool:
    """Lift a lockout (the city office, from the user's page). Returns whether one was lifted."""
    deleted, _ = SignInLock.objects.filter(username=_key(username)).delete()
    return bool(deleted)
