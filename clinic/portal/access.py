"""Signing patients in without a password: one-time links, their limit, calendar feeds.

A link is a random token, signed (itsdangerous, so a forged or truncated one is refused
without a query) and stored only as its SHA-256 with its expiry and when it was used.
A link asked for by email belongs to the email (family members may share one: the landing
asks which of them); a link printed by the front desk names one patient.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select, update

from clinic.errors import TooManyAttempts
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.portal.models import CalendarFeed, PortalLink, PortalLinkRequest
from clinic.portal.rules import PortalPolicy, link_request_wait

LINK_SALT = "clinic.portal-link"


def email_key(raw: str) -> str:
    """The lookup key of an email: trimmed and lower-cased, as Patient.email_key is."""
    return raw.strip().lower()[:254]


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def sign_token(secret: str, token: str) -> str:
    return URLSafeSerializer(secret, salt=LINK_SALT).dumps(token)


def unsign_token(secret: str, signed: str) -> str | None:
    try:
        value = URLSafeSerializer(secret, salt=LINK_SALT).loads(signed)
    except BadSignature:
        return None
    return value if isinstance(value, str) else None


def patients_with_email(key: str) -> list[Patient]:
    if not key:
        return []
    return list(
        db.session.scalars(
            select(Patient).where(Patient.email_key == key).order_by(Patient.first_name, Patient.id)
        )
    )


@dataclass(frozen=True)
class IssuedLink:
    signed_token: str
    patients: tuple[Patient, ...]


def issue_link(
    key: str,
    *,
    secret: str,
    policy: PortalPolicy,
    now: datetime,
    patient: Patient | None = None,
) -> IssuedLink:
    token = secrets.token_urlsafe(32)
    db.session.add(
        PortalLink(
            token_hash=digest(token),
            email_key=key,
            patient_id=patient.id if patient else None,
            created_at=now,
            expires_at=now + policy.link_lifetime,
        )
    )
    patients = (patient,) if patient else tuple(patients_with_email(key))
    return IssuedLink(sign_token(secret, token), patients)


def request_link(
    raw_email: str, address: str, *, secret: str, policy: PortalPolicy, now: datetime
) -> IssuedLink | None:
    """Count the request, refuse it when over the limit, and issue a link when the email is
    a patient's (None otherwise). The caller answers both cases alike, commits, then mails.

    Raises TooManyAttempts (before anything else, so the limit reveals nothing).
    """
    key = email_key(raw_email)
    since = now - policy.link_window
    by_email = list(
        db.session.scalars(
            select(PortalLinkRequest.at).where(
                PortalLinkRequest.email_key == key, PortalLinkRequest.at > since
            )
        )
    )
    by_address = list(
        db.session.scalars(
            select(PortalLinkRequest.at).where(
                PortalLinkRequest.address == address, PortalLinkRequest.at > since
            )
        )
    )
    wait = link_request_wait(by_email, by_address, policy, now)
    if wait is not None:
        seconds = max(1, math.ceil(wait.total_seconds()))
        minutes = math.ceil(seconds / 60)
        raise TooManyAttempts(
            f"Too many sign-in links were asked for just now. Please try again in {minutes} "
            f"minute{'s' if minutes != 1 else ''}, or call the clinic.",
            retry_after_seconds=seconds,
        )
    db.session.add(PortalLinkRequest(email_key=key, address=address, at=now))
    if not patients_with_email(key):
        return None
    return issue_link(key, secret=secret, policy=policy, now=now)


@dataclass(frozen=True)
class LinkState:
    """A link as its landing page sees it: usable (with whom it may sign in) or not."""

    link: PortalLink | None
    patients: tuple[Patient, ...]
    genuine: bool = True  # signed by us (used or expired perhaps), not made up or altered

    @property
    def usable(self) -> bool:
        return self.link is not None and bool(self.patients)


def find_link(secret: str, signed: str, *, now: datetime) -> LinkState:
    token = unsign_token(secret, signed)
    if token is None:
        return LinkState(None, (), genuine=False)
    link = db.session.scalar(select(PortalLink).where(PortalLink.token_hash == digest(token)))
    if link is None or link.used_at is not None or link.expires_at <= now:
        return LinkState(None, ())
    patients: tuple[Patient, ...]
    if link.patient_id is not None:
        patient = db.session.get(Patient, link.patient_id)
        # The email may have changed since the desk printed the link.
        patients = (patient,) if patient and patient.email_key == link.email_key else ()
    else:
        patients = tuple(patients_with_email(link.email_key))
    return LinkState(link, patients)


def use_link(state: LinkState, patient_id: int | None, *, now: datetime) -> Patient | None:
    """Mark the link used and return who signs in; None when it cannot be used (raced,
    or a patient who is not among the link's). One conditional UPDATE, so two clicks at
    once cannot both use it."""
    if state.link is None:
        return None
    if len(state.patients) == 1 and patient_id is None:
        patient_id = state.patients[0].id
    chosen = next((p for p in state.patients if p.id == patient_id), None)
    if chosen is None:
        return None
    result = db.session.execute(
        update(PortalLink)
        .where(PortalLink.id == state.link.id, PortalLink.used_at.is_(None))
        .values(used_at=now)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return chosen


# -- the private calendar feed ----------------------------------------------------------


def create_feed(patient_id: int, *, now: datetime) -> str:
    """A new feed address for her; any earlier one stops working."""
    revoke_feeds(patient_id, now=now)
    token = secrets.token_urlsafe(32)
    db.session.add(CalendarFeed(patient_id=patient_id, token_hash=digest(token), created_at=now))
    return token


def revoke_feeds(patient_id: int, *, now: datetime) -> None:
    db.session.execute(
        update(CalendarFeed)
        .where(CalendarFeed.patient_id == patient_id, CalendarFeed.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def active_feed(patient_id: int) -> CalendarFeed | None:
    return db.session.scalar(
        select(CalendarFeed).where(
            CalendarFeed.patient_id == patient_id, CalendarFeed.revoked_at.is_(None)
        )
    )


def patient_for_feed(token: str) -> Patient | None:
    feed = db.session.scalar(
        select(CalendarFeed).where(
            CalendarFeed.token_hash == digest(token), CalendarFeed.revoked_at.is_(None)
        )
    )
    return db.session.get(Patient, feed.patient_id) if feed else None
