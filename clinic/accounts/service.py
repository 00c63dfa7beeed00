"""Staff accounts: create, disable and enable, set a new password, authenticate (with the
failed sign-in limit), API tokens."""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import bindparam, delete, func, select

from clinic.accounts.models import ApiToken, Role, SignInFailure, User
from clinic.accounts.rules import SignInLimit, password_problem, retry_after
from clinic.audit.service import Actor, record
from clinic.errors import RuleBroken, TooManyAttempts, Unauthorized
from clinic.extensions import db

_hasher = PasswordHasher()
# Verified against when the email is unknown, so that both answers take as long.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def normalise_email(raw: str) -> str:
    """A staff email in canonical form; raises RuleBroken naming the field."""
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise RuleBroken("The email address is not valid.", {"email": str(error)}) from error


def create_user(
    email: str, name: str, role: Role, password: str, *, actor: Actor, now: datetime
) -> User:
    address = normalise_email(email)
    problems: dict[str, str] = {}
    if (problem := password_problem(password)) is not None:
        problems["password"] = problem
    if not name.strip():
        problems["name"] = "Enter a name."
    if db.session.scalar(select(User.id).where(User.email == address)) is not None:
        problems["email"] = "A staff account with this email already exists."
    if problems:
        raise RuleBroken("The account could not be created.", problems)
    user = User(
        email=address,
        name=name.strip(),
        role=role,
        password_hash=_hasher.hash(password),
        created_at=now,
    )
    db.session.add(user)
    db.session.flush()
    record(
        actor, "create", "user", user.id, f"Created staff account {address} ({role.value})", now=now
    )
    return user


def authenticate(
    email: str, password: str, address: str, *, limit: SignInLimit, now: datetime
) -> User:
    """The active user with these credentials.

    Raises TooManyAttempts when the account or the address has failed too often in the
    window (checked before the password, so guessing gains nothing), Unauthorized otherwise.
    Each failure is stored; the caller commits either way.
    """
    key = email.strip().lower()[:254]  # lower-casing can lengthen a string ("İ")
    _refuse_when_limited(key, address, limit, now)
    user = db.session.scalar(select(User).where(User.email == key))
    candidate_hash = user.password_hash if user else _DUMMY_HASH
    try:
        _hasher.verify(candidate_hash, password)
        valid = user is not None and user.is_active_account
    except (VerificationError, InvalidHashError):
        valid = False
    if not valid or user is None:
        db.session.add(SignInFailure(email=key, address=address, at=now))
        raise Unauthorized("The email or password is wrong.")
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    db.session.execute(delete(SignInFailure).where(SignInFailure.email == key))
    return user


def _refuse_when_limited(email: str, address: str, limit: SignInLimit, now: datetime) -> None:
    since = now - limit.window
    checks = (
        (SignInFailure.email == email, limit.max_per_account),
        (SignInFailure.address == address, limit.max_per_address),
    )
    for condition, maximum in checks:
        failures = list(
            db.session.scalars(select(SignInFailure.at).where(condition, SignInFailure.at > since))
        )
        wait = retry_after(failures, maximum, limit.window, now)
        if wait is not None:
            seconds = max(1, math.ceil(wait.total_seconds()))
            minutes = math.ceil(seconds / 60)
            raise TooManyAttempts(
                f"Too many failed sign-ins. Try again in {minutes} minute"
                f"{'s' if minutes != 1 else ''}.",
                retry_after_seconds=seconds,
            )


def forget_old_failures(now: datetime, keep: timedelta) -> int:
    result = db.session.execute(delete(SignInFailure).where(SignInFailure.at < now - keep))
    return result.rowcount or 0  # type: ignore[attr-defined]


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, *, now: datetime, lifetime: timedelta) -> IssuedToken:
    token = secrets.token_urlsafe(32)
    expires_at = now + lifetime
    db.session.add(
        ApiToken(user_id=user.id, token_hash=_digest(token), created_at=now, expires_at=expires_at)
    )
    return IssuedToken(token=token, expires_at=expires_at)


# Every API request reads this: one query, the user with the token's two dates, built once
# (composing the statement per request cost as much as running it).
_TOKEN_HOLDER = (
    select(User, ApiToken.expires_at, ApiToken.revoked_at)
    .join(ApiToken, ApiToken.user_id == User.id)
    .where(ApiToken.token_hash == bindparam("token_hash"))
)


def user_for_token(token: str, *, now: datetime) -> User:
    row = db.session.execute(_TOKEN_HOLDER, {"token_hash": _digest(token)}).first()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        raise Unauthorized("The token is missing, wrong, expired or revoked; ask for a new one.")
    user: User = row.User
    if not user.is_active_account:
        raise Unauthorized("This staff account is disabled.")
    return user


def revoke_token(token: str, *, now: datetime) -> None:
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if row is not None and row.revoked_at is None:
        row.revoked_at = now


def revoke_all_tokens(user: User, *, actor: Actor, now: datetime) -> int:
    count = _revoke_tokens(user, now)
    record(
        actor,
        "revoke_tokens",
        "user",
        user.id,
        f"Revoked {count} API token(s) of {user.email}",
        now=now,
    )
    return count


def set_account_active(user: User, active: bool, *, actor: Actor, now: datetime) -> None:
    """Disable or enable a staff account. Disabled, she can no longer sign in, her open
    sessions end at their next request (the user loader refuses her) and her API tokens
    stop working. Nobody disables her own account, nor the last admin who can sign in:
    the clinic would be left without anyone to manage it."""
    if user.is_active_account == active:
        return
    if not active:
        if actor.user_id == user.id:
            raise RuleBroken("You cannot disable your own account.")
        if user.role is Role.ADMIN and _active_admins() <= 1:
            raise RuleBroken("This is the last admin who can sign in: make another admin first.")
        _revoke_tokens(user, now)
    else:
        _forget_failures(user)  # enabled again: not still locked out by old attempts
    user.is_active_account = active
    verb = "Enabled" if active else "Disabled"
    record(
        actor,
        "enable" if active else "disable",
        "user",
        user.id,
        f"{verb} staff account {user.email}",
        now=now,
    )


def set_password(user: User, password: str, *, actor: Actor, now: datetime) -> None:
    """An admin gives a staff member a new password (forgotten, or possibly seen by
    someone else): her open sessions end, her API tokens stop working, and earlier failed
    attempts no longer hold her off. The audit says it changed, not what."""
    if (problem := password_problem(password)) is not None:
        raise RuleBroken(problem, {"password": problem})
    user.password_hash = _hasher.hash(password)  # ends her open sessions (User.get_id)
    _revoke_tokens(user, now)
    _forget_failures(user)  # she forgot it after some tries: the new one works at once
    record(actor, "set_password", "user", user.id, f"Set a new password for {user.email}", now=now)


def _active_admins() -> int:
    """Locked (PostgreSQL) until the caller's commit: two admins disabling each other at
    once must not both see the other still there."""
    admins = (
        select(User.id)
        .where(User.role == Role.ADMIN, User.is_active_account.is_(True))
        .with_for_update()
    )
    return len(db.session.scalars(admins).all())


def _forget_failures(user: User) -> None:
    db.session.execute(delete(SignInFailure).where(SignInFailure.email == user.email))


def _revoke_tokens(user: User, now: datetime) -> int:
    rows = list(
        db.session.scalars(
            select(ApiToken).where(
                ApiToken.user_id == user.id,
                ApiToken.revoked_at.is_(None),
                ApiToken.expires_at > now,
            )
        )
    )
    for row in rows:
        row.revoked_at = now
    return len(rows)


def count_users() -> int:
    return db.session.scalar(select(func.count(User.id))) or 0
